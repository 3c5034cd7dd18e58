"""The synthetic campaign the benchmarks load: deterministic events inside a fixed two-day window.

Every size uses the same window, so a trend has the same buckets whatever the volume.
About three events per recipient: SENT, then DELIVERED or FAILED, READ, clicks, replies,
labels and sentiment with fixed probabilities, all within the hour after the send.
Recipients are sent to in order across the window, and each recipient's events come
together, as a platform that reports receipts shortly after sending would deliver them.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from store.models import ButtonSpec, EventInput, EventType, Sentiment

WORKSPACE = "default"
BUTTONS = (
    ButtonSpec("Shop now", "b-shop"),
    ButtonSpec("Learn more", "b-learn"),
    ButtonSpec("Stop", "b-stop"),
)
LABELS = ("lead", "support", "complaint", "order", "spam")
SENTIMENTS = (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
WINDOW = timedelta(days=2)


def window_start(now: datetime | None = None) -> datetime:
    """Midnight UTC four days ago: the window ends well before now (occurredAt may not be future)."""
    now = now or datetime.now(UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=4)


def events_for(
    campaign_id: str,
    count: int,
    *,
    start: datetime,
    tag: str,
    window: timedelta = WINDOW,
    seed: int = 8,
) -> list[EventInput]:
    """`count` events of one campaign, all with occurredAt in [start, start + window)."""
    return list(iter_events(campaign_id, count, start=start, tag=tag, window=window, seed=seed))


def iter_events(
    campaign_id: str,
    count: int,
    *,
    start: datetime,
    tag: str,
    window: timedelta = WINDOW,
    seed: int = 8,
) -> Iterator[EventInput]:
    rng = random.Random(seed)
    # A recipient's story lasts at most `story`; the last one still ends inside the window.
    story = min(timedelta(hours=1), window / 2).total_seconds()
    span = window.total_seconds() - story
    produced = 0
    recipient = 0
    while produced < count:
        recipient += 1
        rid = f"r{recipient}"
        sent_at = start + timedelta(seconds=span * produced / count + rng.random())
        for kind, at, extra in _recipient_story(rng, sent_at, story):
            if produced >= count:
                return
            produced += 1
            yield EventInput(
                event_id=f"{tag}-{produced}",
                campaign_id=campaign_id,
                type=kind,
                recipient_id=rid,
                occurred_at=at,
                **extra,
            )


def _recipient_story(
    rng: random.Random, sent_at: datetime, story: float
) -> Iterator[tuple[EventType, datetime, dict[str, Any]]]:
    def later(share: float) -> datetime:
        return sent_at + timedelta(seconds=rng.uniform(0.001, share * story))

    yield EventType.SENT, sent_at, {}
    if rng.random() < 0.08:
        yield EventType.FAILED, later(0.1), {}
        return
    yield EventType.DELIVERED, later(0.1), {}
    if rng.random() >= 0.6:
        return
    yield EventType.READ, later(0.3), {}
    if rng.random() < 0.2:
        clicks = 2 if rng.random() < 0.1 else 1
        for _ in range(clicks):
            yield EventType.BUTTON_CLICKED, later(0.7), {"button_id": rng.choice(BUTTONS).id}
    if rng.random() < 0.1:
        yield EventType.REPLIED, later(0.8), {}
        if rng.random() < 0.5:
            yield EventType.LABEL_ADDED, later(0.9), {"label": rng.choice(LABELS)}
        if rng.random() < 0.1:
            yield EventType.LABEL_REMOVED, later(0.95), {"label": rng.choice(LABELS)}
        if rng.random() < 0.5:
            yield EventType.SENTIMENT_SET, later(0.99), {"sentiment": rng.choice(SENTIMENTS)}


def batches(events: Sequence[EventInput], size: int = 1000) -> Iterator[Sequence[EventInput]]:
    for offset in range(0, len(events), size):
        yield events[offset : offset + size]


def event_json(event: EventInput) -> dict[str, Any]:
    """The event as a CampaignEventInput variable value."""
    body: dict[str, Any] = {
        "eventId": event.event_id,
        "campaignId": event.campaign_id,
        "type": str(event.type),
        "recipientId": event.recipient_id,
        "occurredAt": event.occurred_at.isoformat(),
    }
    if event.button_id is not None:
        body["buttonId"] = event.button_id
    if event.label is not None:
        body["label"] = event.label
    if event.sentiment is not None:
        body["sentiment"] = str(event.sentiment)
    return body
