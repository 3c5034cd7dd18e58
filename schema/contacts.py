"""The recipients behind a campaign's numbers."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.contacts import ContactPage
from schema.enums import DeliveryState, Sentiment
from schema.pagination import PageInfo
from store import models


@strawberry.input(description="Narrow contacts down; every given condition must hold.")
class ContactFilter:
    state: DeliveryState | None = strawberry.field(
        default=None, description="Only recipients whose furthest state is this one."
    )
    clicked: bool | None = strawberry.field(
        default=None, description="Only recipients who clicked (true) or didn't (false)."
    )
    replied: bool | None = strawberry.field(
        default=None, description="Only recipients who replied (true) or didn't (false)."
    )

    def to_model(self) -> models.ContactFilter:
        return models.ContactFilter(
            state=models.DeliveryState(self.state.value) if self.state else None,
            clicked=self.clicked,
            replied=self.replied,
        )


@strawberry.type(description="How one recipient interacted with a campaign.")
class ContactEngagement:
    recipient_id: strawberry.ID = strawberry.field(description="The recipient's id.")
    state: DeliveryState = strawberry.field(
        description="Furthest state reached; FAILED only when the message never got further "
        "than SENT."
    )
    clicks: int = strawberry.field(description="Button clicks by this recipient.")
    replied: bool = strawberry.field(description="Whether the recipient replied.")
    labels: list[str] = strawberry.field(description="Labels the conversation carries now.")
    sentiment: Sentiment | None = strawberry.field(
        description="The conversation's current sentiment, if any."
    )
    last_event_at: datetime = strawberry.field(description="The recipient's latest event.")


@strawberry.type(description="A contact and its cursor.")
class ContactEdge:
    cursor: str = strawberry.field(description="Opaque cursor of this contact.")
    node: ContactEngagement = strawberry.field(description="The contact.")


@strawberry.type(description="A page of contacts, newest interaction first.")
class ContactConnection:
    edges: list[ContactEdge] = strawberry.field(description="The contacts of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Contacts matching the filter, all pages.")

    @classmethod
    def of(cls, result: ContactPage) -> ContactConnection:
        page = result.page
        return cls(
            edges=[
                ContactEdge(
                    cursor=cursor,
                    node=ContactEngagement(
                        recipient_id=strawberry.ID(c.recipient_id),
                        state=DeliveryState(c.state.value),
                        clicks=c.clicks,
                        replied=c.replied,
                        labels=list(c.labels),
                        sentiment=Sentiment(c.sentiment.value) if c.sentiment else None,
                        last_event_at=c.last_event_at,
                    ),
                )
                for c, cursor in zip(page.items, result.cursors, strict=True)
            ],
            page_info=PageInfo.of(result.cursors, page.has_next, result.after),
            total_count=page.total,
        )
