"""Small builders shared by tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from store.models import EventInput, EventType, Sentiment

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(
    campaign_id: str,
    kind: EventType | str,
    recipient: str,
    minutes: float = 0,
    *,
    event_id: str | None = None,
    button: str | None = None,
    label: str | None = None,
    sentiment: Sentiment | str | None = None,
) -> EventInput:
    return EventInput(
        event_id=event_id or f"ev-{next(_ids)}",
        campaign_id=campaign_id,
        type=EventType(kind),
        recipient_id=recipient,
        occurred_at=at(minutes),
        button_id=button,
        label=label,
        sentiment=Sentiment(sentiment) if sentiment else None,
    )
