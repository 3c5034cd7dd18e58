"""Numbers: delivery, engagement, buttons, labels, sentiments and trend points."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.enums import Sentiment
from store.models import CampaignCounters
from store.rates import ButtonRow, rates_of


@strawberry.type(description="How far the messages got.")
class DeliveryStats:
    recipients: int = strawberry.field(
        description="Distinct recipients with any SENT, DELIVERED, READ or FAILED "
        "(explicit or implied)."
    )
    sent: int = strawberry.field(description="Recipients whose message was sent.")
    delivered: int = strawberry.field(description="Recipients whose message was delivered.")
    read: int = strawberry.field(description="Recipients who opened (read) the message.")
    failed: int = strawberry.field(
        description="Recipients whose message failed and never got further than SENT."
    )


@strawberry.type(description="What recipients did with the message. Rates are percentages.")
class EngagementStats:
    total_clicks: int = strawberry.field(description="All button clicks (distinct eventIds).")
    unique_clickers: int = strawberry.field(
        description="Distinct recipients who clicked any button."
    )
    responders: int = strawberry.field(description="Distinct recipients who replied.")
    click_through_rate: float | None = strawberry.field(
        description="totalClicks / recipients x 100."
    )
    unique_click_through_rate: float | None = strawberry.field(
        description="uniqueClickers / recipients x 100."
    )
    delivery_rate: float | None = strawberry.field(description="delivered / sent x 100.")
    open_rate: float | None = strawberry.field(description="read / delivered x 100.")
    click_rate: float | None = strawberry.field(description="uniqueClickers / delivered x 100.")
    response_rate: float | None = strawberry.field(description="responders / delivered x 100.")


@strawberry.type(description="Delivery and engagement numbers of a campaign or a selection.")
class CampaignStats:
    delivery: DeliveryStats = strawberry.field(description="Sent, delivered, read, failed.")
    engagement: EngagementStats = strawberry.field(description="Clicks, replies and rates.")
    last_event_at: datetime | None = strawberry.field(
        description="When any of these counts last changed; null before the first event."
    )
    as_of: datetime = strawberry.field(
        description="When these numbers were read; a live update carries the time of its tick."
    )

    @classmethod
    def of(cls, c: CampaignCounters, as_of: datetime) -> CampaignStats:
        rates = rates_of(c)
        return cls(
            delivery=DeliveryStats(
                recipients=c.recipients,
                sent=c.sent,
                delivered=c.delivered,
                read=c.read,
                failed=c.failed,
            ),
            engagement=EngagementStats(
                total_clicks=c.clicks,
                unique_clickers=c.clickers,
                responders=c.responders,
                click_through_rate=rates.click_through,
                unique_click_through_rate=rates.unique_click_through,
                delivery_rate=rates.delivery,
                open_rate=rates.open,
                click_rate=rates.click,
                response_rate=rates.response,
            ),
            last_event_at=c.last_event_at,
            as_of=as_of,
        )


@strawberry.type(description="One call-to-action button's performance.")
class ButtonStat:
    button_id: strawberry.ID = strawberry.field(description="The button's id.")
    text: str = strawberry.field(description="The button's current text.")
    clicks: int = strawberry.field(description="Clicks on this button (distinct eventIds).")
    unique_clickers: int = strawberry.field(description="Distinct recipients who clicked it.")
    percentage: float | None = strawberry.field(
        description="This button's share of the campaign's total clicks; null when there are "
        "no clicks."
    )

    @classmethod
    def of(cls, row: ButtonRow) -> ButtonStat:
        return cls(
            button_id=strawberry.ID(row.button.id),
            text=row.button.text,
            clicks=row.clicks,
            unique_clickers=row.clickers,
            percentage=row.percentage,
        )


@strawberry.type(description="How many conversations carry a label.")
class LabelCount:
    label: str = strawberry.field(description="The label text.")
    count: int = strawberry.field(description="Conversations that currently carry the label.")
    percentage: float = strawberry.field(description="count / (sum of all label counts) x 100.")


@strawberry.type(description="How many conversations have a sentiment.")
class SentimentCount:
    sentiment: Sentiment = strawberry.field(description="The sentiment.")
    count: int = strawberry.field(description="Conversations whose current sentiment is this one.")
    percentage: float = strawberry.field(
        description="count / (conversations with any sentiment) x 100; 0 when there are none."
    )


@strawberry.type(description="Transitions counted in one time bucket.")
class TrendPoint:
    bucket_start: datetime = strawberry.field(description="Start of the bucket.")
    sent: int = strawberry.field(
        description="First-time transitions in this bucket; summed over all buckets they equal "
        "the totals. A transition is dated by the earliest occurredAt among the events that "
        "imply it, so a receipt that arrives late moves it into the bucket where it really "
        "happened."
    )
    delivered: int = strawberry.field(description="Recipients first delivered in this bucket.")
    read: int = strawberry.field(description="Recipients who first read in this bucket.")
    failed: int = strawberry.field(description="Recipients whose message failed in this bucket.")
    clicks: int = strawberry.field(description="Button clicks in this bucket.")
    replies: int = strawberry.field(description="Recipients who first replied in this bucket.")
