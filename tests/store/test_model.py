"""Random event streams against a brute-force reference computed from the deduplicated stream.

The reference is written from the contract's words (sets of recipients, the latest event
per conversation and label), not from store/rules.py, so the two check each other.
"""

from __future__ import annotations

import dataclasses
import random
import secrets
from collections import Counter
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import Store
from store.models import ButtonSpec, EventInput, EventType, Sentiment, TrendQuery
from store.timebuckets import Granularity, boundaries, fill, resolution_for, time_zone
from tests.factories import at

BUTTONS = ("buy", "info", "stop")
LABELS = ("lead", "vip", "spam")
DELIVERY = {"SENT", "DELIVERED", "READ", "BUTTON_CLICKED", "REPLIED"}
DELIVERED = {"DELIVERED", "READ", "BUTTON_CLICKED", "REPLIED"}
READ = {"READ", "BUTTON_CLICKED", "REPLIED"}


@st.composite
def event_streams(draw: st.DrawFn) -> list[dict[str, object]]:
    count = draw(st.integers(min_value=1, max_value=60))
    events = []
    for i in range(count):
        kind = draw(st.sampled_from([t.value for t in EventType]))
        events.append(
            {
                "event_id": f"e{i}",
                "type": kind,
                "recipient": draw(st.sampled_from(["r1", "r2", "r3", "r4", "r5"])),
                # Minutes over two days, so trend buckets, late receipts and ties all happen.
                "minutes": draw(st.integers(min_value=0, max_value=2 * 24 * 60)),
                "button": draw(st.sampled_from(BUTTONS)),
                "label": draw(st.sampled_from(LABELS)),
                "sentiment": draw(st.sampled_from([s.value for s in Sentiment])),
            }
        )
    duplicates = draw(st.lists(st.sampled_from(events), max_size=15))
    stream = events + duplicates
    random.Random(draw(st.integers(0, 2**32))).shuffle(stream)
    return stream


def _to_input(campaign_id: str, raw: dict[str, object]) -> EventInput:
    kind = EventType(str(raw["type"]))
    return EventInput(
        event_id=str(raw["event_id"]),
        campaign_id=campaign_id,
        type=kind,
        recipient_id=str(raw["recipient"]),
        occurred_at=at(int(raw["minutes"])),  # type: ignore[call-overload]
        button_id=str(raw["button"]) if kind is EventType.BUTTON_CLICKED else None,
        label=str(raw["label"]) if kind.value.startswith("LABEL") else None,
        sentiment=Sentiment(str(raw["sentiment"])) if kind is EventType.SENTIMENT_SET else None,
    )


def reference(events: list[EventInput]) -> dict[str, object]:
    """The numbers, straight from the contract, over the stream deduplicated by eventId."""
    unique = list({e.event_id: e for e in events}.values())
    by_recipient: dict[str, list[EventInput]] = {}
    for e in unique:
        by_recipient.setdefault(e.recipient_id, []).append(e)

    def earliest(evs: list[EventInput], kinds: set[str]) -> datetime | None:
        times = [e.occurred_at for e in evs if e.type.value in kinds]
        return min(times) if times else None

    counts: Counter[str] = Counter()
    trend: Counter[tuple[datetime, str]] = Counter()
    buttons: Counter[str] = Counter()
    button_clickers: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    sentiments: Counter[Sentiment] = Counter()
    for evs in by_recipient.values():
        sent, delivered = earliest(evs, DELIVERY), earliest(evs, DELIVERED)
        read, failed = earliest(evs, READ), earliest(evs, {"FAILED"})
        replied = earliest(evs, {"REPLIED"})
        is_failed = failed is not None and delivered is None
        for name, when, counted in (
            ("sent", sent, sent is not None),
            ("delivered", delivered, delivered is not None),
            ("read", read, read is not None),
            ("failed", failed, is_failed),
            ("replies", replied, replied is not None),
        ):
            if counted:
                assert when is not None
                counts[name] += 1
                trend[(when, name)] += 1
        counts["recipients"] += sent is not None or failed is not None
        clicks = [e for e in evs if e.type is EventType.BUTTON_CLICKED]
        counts["clicks"] += len(clicks)
        counts["clickers"] += bool(clicks)
        for e in clicks:
            trend[(e.occurred_at, "clicks")] += 1
            buttons[e.button_id or ""] += 1
        for button in {e.button_id for e in clicks}:
            button_clickers[button or ""] += 1
        for label in LABELS:
            marks = [e for e in evs if e.label == label]
            if (
                marks
                and max(marks, key=lambda e: (e.occurred_at, e.event_id)).type
                is EventType.LABEL_ADDED
            ):
                labels[label] += 1
        moods = [e for e in evs if e.type is EventType.SENTIMENT_SET]
        if moods:
            newest = max(moods, key=lambda e: (e.occurred_at, e.event_id))
            assert newest.sentiment is not None
            sentiments[newest.sentiment] += 1
    delivery_times = [e.occurred_at for e in unique if e.type.value in DELIVERY | {"FAILED"}]
    return {
        "counts": {k: v for k, v in counts.items() if k != "replies"}
        | {"responders": counts["replies"]},
        "trend": trend,
        "buttons": {b: (buttons[b], button_clickers[b]) for b in buttons},
        "labels": +labels,
        "sentiments": +sentiments,
        "first": min(delivery_times, default=None),
        "last": max(delivery_times, default=None),
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=event_streams(), batch_size=st.integers(min_value=1, max_value=25))
async def test_numbers_equal_the_reference_on_every_backend(
    store: Store, stream: list[dict[str, object]], batch_size: int
) -> None:
    # given a fresh campaign and a stream with duplicates, shuffled, sent in batches
    workspace = "model-" + secrets.token_hex(4)
    campaign = await store.create_campaign(
        workspace, "Model", [ButtonSpec(b, b) for b in BUTTONS], None
    )
    events = [_to_input(campaign.id, raw) for raw in stream]

    # when
    for start in range(0, len(events), batch_size):
        result = await store.record_events(workspace, events[start : start + batch_size])
        assert not result.rejected

    # then the counters equal the reference
    expected = reference(events)
    counters = (await store.get_campaigns(workspace, [campaign.id]))[campaign.id].counters
    got = dataclasses.asdict(counters)
    for name, value in expected["counts"].items():  # type: ignore[attr-defined]
        assert got[name] == value, name
    for name in (
        "recipients",
        "sent",
        "delivered",
        "read",
        "failed",
        "clicks",
        "clickers",
        "responders",
    ):
        assert got[name] == expected["counts"].get(name, 0), name  # type: ignore[attr-defined]
    assert {b: (c.clicks, c.clickers) for b, c in counters.buttons.items() if c.clicks} == expected[
        "buttons"
    ]
    assert counters.labels == expected["labels"]
    assert counters.sentiments == expected["sentiments"]
    assert (counters.first_event_at, counters.last_event_at) == (
        expected["first"],
        expected["last"],
    )

    # and hourly trend buckets (in a :45 zone) match the reference and sum to the totals
    if counters.first_event_at is None or counters.last_event_at is None:
        return
    zone = time_zone("Asia/Kathmandu")
    edges = boundaries(Granularity.HOUR, counters.first_event_at, counters.last_event_at, zone)
    rows = await store.trend(
        workspace, [TrendQuery(campaign.id, resolution_for(edges), edges[0], edges[-1])]
    )
    buckets = fill(edges, rows[0])
    reference_trend: Counter[tuple[int, str]] = Counter()
    for (when, name), n in expected["trend"].items():  # type: ignore[attr-defined]
        index = max(i for i, edge in enumerate(edges[:-1]) if edge <= when)
        reference_trend[(index, name)] += n
    for index, (_, bucket) in enumerate(buckets):
        for name, n in bucket.items():
            assert n == reference_trend[(index, name)], (index, name)
    totals = {name: sum(bucket[name] for _, bucket in buckets) for name in buckets[0][1]}
    assert totals["clicks"] == counters.clicks and totals["replies"] == counters.responders
    assert (totals["sent"], totals["read"], totals["failed"]) == (
        counters.sent,
        counters.read,
        counters.failed,
    )
