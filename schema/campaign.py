"""Campaigns and their per-campaign numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers import contacts as contact_resolvers
from resolvers import trend as trend_resolvers
from resolvers.campaigns import CampaignPage
from resolvers.context import ReadView
from schema.contacts import ContactConnection, ContactFilter
from schema.enums import CampaignStatus, Granularity, Sentiment
from schema.pagination import PageInfo
from schema.stats import ButtonStat, CampaignStats, LabelCount, SentimentCount, TrendPoint
from store import models
from store.rates import button_rows, label_rows, sentiment_rows
from store.timebuckets import Granularity as StoreGranularity

FromArgument = Annotated[
    datetime | None,
    strawberry.argument(name="from", description="Start; defaults to the first event."),
]
ToArgument = Annotated[
    datetime | None,
    strawberry.argument(description="End (its bucket included); defaults to the last event."),
]
ZoneArgument = Annotated[
    str, strawberry.argument(description="IANA time zone of the buckets, e.g. Asia/Kolkata.")
]


@strawberry.type(description="A call-to-action button of a campaign.")
class Button:
    id: strawberry.ID = strawberry.field(description="Stable id, used by BUTTON_CLICKED events.")
    text: str = strawberry.field(description="The text shown on the button.")


def label_counts(counters: models.CampaignCounters) -> list[LabelCount]:
    return [LabelCount(label=label, count=n, percentage=p) for label, n, p in label_rows(counters)]


def sentiment_counts(counters: models.CampaignCounters) -> list[SentimentCount]:
    return [
        SentimentCount(sentiment=Sentiment(s.value), count=n, percentage=p)
        for s, n, p in sentiment_rows(counters)
    ]


def trend_points(buckets: list[trend_resolvers.Bucket]) -> list[TrendPoint]:
    return [TrendPoint(bucket_start=start, **counts) for start, counts in buckets]


@strawberry.type(description="A broadcast message with call-to-action buttons.")
class Campaign:
    record: strawberry.Private[models.CampaignRecord]
    view: strawberry.Private[ReadView]

    @strawberry.field(description="The campaign's id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.record.id)

    @strawberry.field(description="The campaign's name.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="Where the campaign is in its life cycle.")
    def status(self) -> CampaignStatus:
        return CampaignStatus(self.record.status.value)

    @strawberry.field(description="The call-to-action buttons, in display order.")
    def buttons(self) -> list[Button]:
        return [Button(id=strawberry.ID(b.id), text=b.text) for b in self.record.buttons]

    @strawberry.field(description="When the campaign was created.")
    def created_at(self) -> datetime:
        return self.record.created_at

    @strawberry.field(description="When the campaign was last edited or changed status.")
    def updated_at(self) -> datetime:
        return self.record.updated_at

    @strawberry.field(description="When the campaign is planned to go out.")
    def scheduled_at(self) -> datetime | None:
        return self.record.scheduled_at

    @strawberry.field(description="When the campaign first became ACTIVE.")
    def started_at(self) -> datetime | None:
        return self.record.started_at

    @strawberry.field(description="When the campaign was COMPLETED or CANCELLED.")
    def completed_at(self) -> datetime | None:
        return self.record.completed_at

    @strawberry.field(description="Delivery and engagement numbers, all time.")
    def stats(self) -> CampaignStats:
        return CampaignStats.of(self.record.counters, self.view.as_of)

    @strawberry.field(
        description="Per-button performance, one row per configured button (zero rows "
        "included), most clicked first."
    )
    def button_stats(self) -> list[ButtonStat]:
        return [ButtonStat.of(r) for r in button_rows(self.record.buttons, self.record.counters)]

    @strawberry.field(
        description="Conversation labels of this campaign, all time, most frequent first."
    )
    def labels(self) -> list[LabelCount]:
        return label_counts(self.record.counters)

    @strawberry.field(
        description="Conversation sentiment of this campaign, all time; always three rows, "
        "POSITIVE, NEUTRAL, NEGATIVE."
    )
    def sentiments(self) -> list[SentimentCount]:
        return sentiment_counts(self.record.counters)

    @strawberry.field(
        description="Metrics over time, bucketed by occurredAt in the given IANA time zone; "
        "buckets with no events are included."
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
            [self.record],
            StoreGranularity(granularity.value),
            from_,
            to,
            time_zone,
        )
        return trend_points(buckets)

    @strawberry.field(
        description="How each recipient interacted with the campaign, newest interaction first."
    )
    async def contacts(
        self,
        filter: ContactFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> ContactConnection:
        wanted = filter.to_model() if filter is not None else models.ContactFilter()
        page = await contact_resolvers.contacts(
            self.view.loaders, self.record, wanted, first, after
        )
        return ContactConnection.of(page)


@strawberry.type(description="A campaign and its cursor.")
class CampaignEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this campaign.")
    node: Campaign = strawberry.field(description="The campaign.")


@strawberry.type(description="A page of campaigns, newest first.")
class CampaignConnection:
    edges: list[CampaignEdge] = strawberry.field(description="The campaigns of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Campaigns matching the search, all pages.")

    @classmethod
    def of(cls, result: CampaignPage, view: ReadView) -> CampaignConnection:
        return cls(
            edges=[
                CampaignEdge(cursor=cursor, node=Campaign(record=record, view=view))
                for record, cursor in zip(result.page.items, result.cursors, strict=True)
            ],
            page_info=PageInfo.of(result.cursors, result.page.has_next, result.after),
            total_count=result.page.total,
        )
