"""Campaign mutations and event ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from resolvers import campaigns as campaign_resolvers
from resolvers import events as event_resolvers
from resolvers.context import context_of
from schema.campaign import Campaign
from schema.enums import CampaignStatus, ErrorCode, EventType, Sentiment
from store import models
from store.campaigns import KEEP, Keep
from store.errors import StoreError


@strawberry.type(description="An expected failure: what is wrong with the input, and where.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path to the offending input field, e.g. ["input", "name"]; empty when not '
        "tied to a field."
    )
    message: str = strawberry.field(description="What is wrong, for people.")
    code: ErrorCode = strawberry.field(description="What is wrong, for programs.")

    @classmethod
    def of(cls, error: StoreError) -> UserError:
        return cls(field=list(error.field), message=error.message, code=ErrorCode(error.code.value))


@strawberry.input(description="A call-to-action button.")
class ButtonInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Stable id; generated when omitted."
    )
    text: str = strawberry.field(description="The text shown on the button (1 to 25 characters).")


def _button_specs(buttons: list[ButtonInput]) -> list[models.ButtonSpec]:
    return [models.ButtonSpec(text=b.text, id=None if b.id is None else str(b.id)) for b in buttons]


@strawberry.input(description="A new campaign; it starts as DRAFT.")
class CreateCampaignInput:
    name: str = strawberry.field(description="1 to 200 characters.")
    buttons: list[ButtonInput] = strawberry.field(
        default_factory=list, description="At most 10 buttons."
    )
    scheduled_at: datetime | None = strawberry.field(
        default=None, description="When the campaign is planned to go out."
    )


@strawberry.input(description="Changes to a campaign; fields left out stay as they are.")
class UpdateCampaignInput:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    buttons: list[ButtonInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="The full new list of buttons: keep an id to keep (or rename) that button. "
        "A button that already has clicks can't be removed.",
    )
    scheduled_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="A new planned time; null clears it."
    )


@strawberry.type(description="The campaign after a mutation, or why it failed.")
class CampaignPayload:
    campaign: Campaign | None = strawberry.field(description="The campaign; null on failure.")
    errors: list[UserError] = strawberry.field(description="Empty on success.")

    @classmethod
    def of(cls, result: campaign_resolvers.MutationResult, info: Info[Any, Any]) -> CampaignPayload:
        if result.error is not None:
            return cls(campaign=None, errors=[UserError.of(result.error)])
        assert result.campaign is not None
        # A fresh view: the campaign just changed, so this request's caches may be stale.
        view = context_of(info).fresh_view()
        return cls(campaign=Campaign(record=result.campaign, view=view), errors=[])


@strawberry.input(description="One thing that happened to one recipient of one campaign.")
class CampaignEventInput:
    event_id: strawberry.ID = strawberry.field(
        description="Idempotency key, unique within the workspace: a repeat is counted once."
    )
    campaign_id: strawberry.ID = strawberry.field(description="The campaign.")
    type: EventType = strawberry.field(description="What happened.")
    recipient_id: strawberry.ID = strawberry.field(description="The recipient.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    button_id: strawberry.ID | None = strawberry.field(
        default=None, description="The button pressed (BUTTON_CLICKED)."
    )
    label: str | None = strawberry.field(
        default=None, description="The label (LABEL_ADDED, LABEL_REMOVED), 1 to 64 characters."
    )
    sentiment: Sentiment | None = strawberry.field(
        default=None, description="The sentiment (SENTIMENT_SET)."
    )

    def to_model(self) -> models.EventInput:
        return models.EventInput(
            event_id=str(self.event_id),
            campaign_id=str(self.campaign_id),
            type=models.EventType[self.type.name],
            recipient_id=str(self.recipient_id),
            occurred_at=self.occurred_at,
            button_id=None if self.button_id is None else str(self.button_id),
            label=self.label,
            sentiment=models.Sentiment(self.sentiment.value) if self.sentiment else None,
        )


@strawberry.type(description="An event that was not recorded, and why.")
class RejectedEvent:
    index: int = strawberry.field(description="Position in the submitted list.")
    event_id: strawberry.ID = strawberry.field(description="The event's eventId.")
    code: ErrorCode = strawberry.field(description="Why, for programs.")
    message: str = strawberry.field(description="Why, for people.")


@strawberry.type(description="What became of a batch of events.")
class RecordEventsPayload:
    accepted: int = strawberry.field(description="Events recorded for the first time.")
    duplicates: int = strawberry.field(
        description="Events whose eventId was already recorded (counted once)."
    )
    rejected: list[RejectedEvent] = strawberry.field(
        description="Events refused; the others were still recorded."
    )


T = TypeVar("T")


def _keep_if_unset(value: T | None, *, nullable: bool) -> T | Keep | None:
    if value is strawberry.UNSET or (value is None and not nullable):
        return KEEP
    return value


@strawberry.type(description="Changes to campaigns, and event ingestion.")
class Mutation:
    @strawberry.mutation(description="Create a campaign (status DRAFT).")
    async def create_campaign(
        self, info: Info[Any, Any], input: CreateCampaignInput
    ) -> CampaignPayload:
        result = await campaign_resolvers.create(
            info, input.name, _button_specs(input.buttons), input.scheduled_at
        )
        return CampaignPayload.of(result, info)

    @strawberry.mutation(description="Rename a campaign, change its buttons or its planned time.")
    async def update_campaign(
        self, info: Info[Any, Any], id: strawberry.ID, input: UpdateCampaignInput
    ) -> CampaignPayload:
        name = _keep_if_unset(input.name, nullable=False)
        buttons = _keep_if_unset(input.buttons, nullable=False)
        result = await campaign_resolvers.update(
            info,
            str(id),
            name=KEEP if name is None else name,
            buttons=buttons if isinstance(buttons, Keep) else _button_specs(buttons or []),
            scheduled_at=_keep_if_unset(input.scheduled_at, nullable=True),
        )
        return CampaignPayload.of(result, info)

    @strawberry.mutation(
        description="Allowed: DRAFT->SCHEDULED|PENDING|ACTIVE|CANCELLED, "
        "SCHEDULED->PENDING|ACTIVE|CANCELLED, PENDING->ACTIVE|CANCELLED, "
        "ACTIVE->PAUSED|COMPLETED|CANCELLED, PAUSED->ACTIVE|COMPLETED|CANCELLED. COMPLETED and "
        "CANCELLED are final. Anything else is an INVALID_TRANSITION user error."
    )
    async def change_campaign_status(
        self, info: Info[Any, Any], id: strawberry.ID, status: CampaignStatus
    ) -> CampaignPayload:
        result = await campaign_resolvers.change_status(
            info, str(id), models.CampaignStatus(status.value)
        )
        return CampaignPayload.of(result, info)

    @strawberry.mutation(
        description="Record delivery receipts, clicks, replies, labels and sentiment (at most "
        "1,000 per call). Idempotent per eventId; bad events are rejected one by one."
    )
    async def record_events(
        self, info: Info[Any, Any], events: list[CampaignEventInput]
    ) -> RecordEventsPayload:
        result = await event_resolvers.record_events(info, [e.to_model() for e in events])
        return RecordEventsPayload(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[
                RejectedEvent(
                    index=r.index,
                    event_id=strawberry.ID(r.event_id),
                    code=ErrorCode(r.code.value),
                    message=r.message,
                )
                for r in result.rejected
            ],
        )
