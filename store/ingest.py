"""Checks a batch of events before a backend applies it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from store.errors import StoreError
from store.models import CampaignRecord, ErrorCode, EventInput, EventType, RejectedEvent
from store.validation import check_event


@dataclass
class CheckedBatch:
    valid: list[EventInput] = field(default_factory=list)
    duplicates_in_batch: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)


def check_batch(
    events: Sequence[EventInput], campaigns: Mapping[str, CampaignRecord], now: datetime
) -> CheckedBatch:
    """Reject bad events by index; keep the first of each eventId among the good ones."""
    batch = CheckedBatch()
    seen: set[str] = set()
    for index, event in enumerate(events):
        try:
            checked = check_event(event, now)
        except StoreError as error:
            batch.rejected.append(RejectedEvent(index, event.event_id, error.code, error.message))
            continue
        campaign = campaigns.get(checked.campaign_id)
        if campaign is None:
            message = f"campaign {checked.campaign_id!r} not found"
            batch.rejected.append(
                RejectedEvent(index, event.event_id, ErrorCode.NOT_FOUND, message)
            )
            continue
        if checked.type is EventType.BUTTON_CLICKED and checked.button_id not in {
            button.id for button in campaign.buttons
        }:
            message = f"buttonId {checked.button_id!r} is not a button of campaign {campaign.id!r}"
            batch.rejected.append(
                RejectedEvent(index, event.event_id, ErrorCode.INVALID_INPUT, message)
            )
            continue
        if checked.event_id in seen:
            batch.duplicates_in_batch += 1
            continue
        seen.add(checked.event_id)
        batch.valid.append(checked)
    return batch


def recipient_key(campaign_id: str, recipient_id: str) -> str:
    """Campaign ids are generated without ':' so the key is unambiguous."""
    return f"{campaign_id}:{recipient_id}"


def group_by_campaign(events: Sequence[EventInput]) -> dict[str, dict[str, list[EventInput]]]:
    """campaign id -> recipient key -> events, in submission order."""
    grouped: dict[str, dict[str, list[EventInput]]] = {}
    for event in events:
        per_recipient = grouped.setdefault(event.campaign_id, {})
        per_recipient.setdefault(recipient_key(event.campaign_id, event.recipient_id), []).append(
            event
        )
    return grouped
