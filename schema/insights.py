"""Analytics for a selection of one or more campaigns."""

from __future__ import annotations

import strawberry

from resolvers import trend as trend_resolvers
from resolvers.context import ReadView
from schema.campaign import (
    Campaign,
    FromArgument,
    ToArgument,
    ZoneArgument,
    label_counts,
    sentiment_counts,
    trend_points,
)
from schema.enums import Granularity
from schema.stats import ButtonStat, CampaignStats, LabelCount, SentimentCount, TrendPoint
from store import models
from store.rates import button_rows, summed
from store.timebuckets import Granularity as StoreGranularity


@strawberry.type(description="One selected campaign with its numbers, for side-by-side comparison.")
class CampaignComparison:
    campaign: Campaign = strawberry.field(description="The campaign.")
    stats: CampaignStats = strawberry.field(description="Its numbers.")


@strawberry.type(description="Analytics for a selection of one or more campaigns.")
class Insights:
    records: strawberry.Private[list[models.CampaignRecord]]
    view: strawberry.Private[ReadView]

    @strawberry.field(description="The selected campaigns, in the order asked for.")
    def campaigns(self) -> list[Campaign]:
        return [Campaign(record=record, view=self.view) for record in self.records]

    @strawberry.field(description="Whether exactly one campaign is selected.")
    def is_single_campaign(self) -> bool:
        return len(self.records) == 1

    @strawberry.field(
        description="Counts summed over the selection, rates recomputed from the sums."
    )
    def summary(self) -> CampaignStats:
        return CampaignStats.of(self._summed(), self.view.as_of)

    @strawberry.field(
        description="One entry per selected campaign, same order, for side-by-side comparison."
    )
    def comparison(self) -> list[CampaignComparison]:
        return [
            CampaignComparison(
                campaign=Campaign(record=r, view=self.view),
                stats=CampaignStats.of(r.counters, self.view.as_of),
            )
            for r in self.records
        ]

    @strawberry.field(
        description="Per-button breakdown: only for a single campaign, null otherwise."
    )
    def buttons(self) -> list[ButtonStat] | None:
        if len(self.records) != 1:
            return None
        record = self.records[0]
        return [ButtonStat.of(row) for row in button_rows(record.buttons, record.counters)]

    @strawberry.field(
        description="Conversation labels across the selection, all time, most frequent first."
    )
    def labels(self) -> list[LabelCount]:
        return label_counts(self._summed())

    @strawberry.field(
        description="Conversation sentiment across the selection, all time; always three rows."
    )
    def sentiments(self) -> list[SentimentCount]:
        return sentiment_counts(self._summed())

    @strawberry.field(
        description="Metrics over time across the selection, bucketed by occurredAt "
        "in the given IANA time zone; buckets with no events are included."
    )
    async def trend(
        self,
        granularity: Granularity = Granularity.HOUR,
        from_: FromArgument = None,
        to: ToArgument = None,
        time_zone: ZoneArgument = "UTC",
    ) -> list[TrendPoint]:
        buckets = await trend_resolvers.trend(
            self.view.loaders,
            self.records,
            StoreGranularity(granularity.value),
            from_,
            to,
            time_zone,
        )
        return trend_points(buckets)

    def _summed(self) -> models.CampaignCounters:
        return summed([record.counters for record in self.records])
