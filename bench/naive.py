"""The baseline: the dashboard computed the naive way, from the raw events at read time.

Same rules as the API (README, "How an event becomes a number"): per recipient the earliest
time of each transition (READ implies DELIVERED implies SENT; clicks and replies imply
READ), distinct click event ids, and the latest (occurredAt, eventId) for each label and
for the sentiment. The result has the shape of the dashboard query's `campaign` field, so
the two can be compared field by field. The event list is taken as stored: each eventId
once (the store keeps a unique key on it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from store.models import ButtonSpec, EventInput, EventType

SENT, DELIVERED, READ, FAILED, REPLIED, CLICKS, LABELS, SENTIMENT = range(8)
_IMPLIES = {
    EventType.SENT: (SENT,),
    EventType.DELIVERED: (SENT, DELIVERED),
    EventType.READ: (SENT, DELIVERED, READ),
    EventType.BUTTON_CLICKED: (SENT, DELIVERED, READ),
    EventType.REPLIED: (SENT, DELIVERED, READ, REPLIED),
    EventType.FAILED: (FAILED,),
}
_DELIVERY = frozenset(_IMPLIES)
_TREND_FIELDS = ("sent", "delivered", "read", "failed", "clicks", "replies")


def _ms(at: datetime) -> datetime:
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator * 100 if denominator else None


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def naive_dashboard(events: Iterable[EventInput], buttons: Sequence[ButtonSpec]) -> dict[str, Any]:
    recipients: dict[str, list[Any]] = {}
    first: datetime | None = None
    last: datetime | None = None
    for event in events:
        at = _ms(event.occurred_at)
        kind = event.type
        state = recipients.get(event.recipient_id)
        if state is None:
            state = recipients[event.recipient_id] = [None] * 6 + [{}, None]
            state[CLICKS] = {}
        implied = _IMPLIES.get(kind)
        if implied is not None:
            for slot in implied:
                if state[slot] is None or at < state[slot]:
                    state[slot] = at
            if first is None or at < first:
                first = at
            if last is None or at > last:
                last = at
            if kind is EventType.BUTTON_CLICKED:
                state[CLICKS][event.event_id] = (event.button_id, at)
        elif kind is EventType.SENTIMENT_SET:
            mark = state[SENTIMENT]
            if mark is None or (at, event.event_id) > (mark[0], mark[1]):
                state[SENTIMENT] = (at, event.event_id, event.sentiment)
        else:  # LABEL_ADDED / LABEL_REMOVED
            labels = state[LABELS]
            mark = labels.get(event.label)
            if mark is None or (at, event.event_id) > (mark[0], mark[1]):
                labels[event.label] = (at, event.event_id, kind is EventType.LABEL_ADDED)
    return _numbers(recipients, buttons, first, last)


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _numbers(
    recipients: dict[str, list[Any]],
    buttons: Sequence[ButtonSpec],
    first: datetime | None,
    last: datetime | None,
) -> dict[str, Any]:
    counts = dict.fromkeys(
        ("recipients", "sent", "delivered", "read", "failed", "clicks", "clickers", "responders"),
        0,
    )
    per_button: dict[str, list[int]] = {}
    labels: dict[str, int] = {}
    sentiments: dict[str, int] = {}
    trend: dict[datetime, dict[str, int]] = {}

    def bump(at: datetime, name: str) -> None:
        bucket = trend.setdefault(_hour(at), dict.fromkeys(_TREND_FIELDS, 0))
        bucket[name] += 1

    for state in recipients.values():
        sent, delivered, read, failed, replied = state[:5]
        if sent is not None or failed is not None:
            counts["recipients"] += 1
        for name, at in (("sent", sent), ("delivered", delivered), ("read", read)):
            if at is not None:
                counts[name] += 1
                bump(at, name)
        if failed is not None and delivered is None:
            counts["failed"] += 1
            bump(failed, "failed")
        if replied is not None:
            counts["responders"] += 1
            bump(replied, "replies")
        clicks = state[CLICKS]
        if clicks:
            counts["clicks"] += len(clicks)
            counts["clickers"] += 1
            clicked: set[str] = set()
            for button_id, at in clicks.values():
                entry = per_button.setdefault(button_id, [0, 0])
                entry[0] += 1
                if button_id not in clicked:
                    clicked.add(button_id)
                    entry[1] += 1
                bump(at, "clicks")
        for label, mark in state[LABELS].items():
            if mark[2]:
                labels[label] = labels.get(label, 0) + 1
        if state[SENTIMENT] is not None:
            value = str(state[SENTIMENT][2])
            sentiments[value] = sentiments.get(value, 0) + 1

    c = counts
    stats = {
        "delivery": {k: c[k] for k in ("recipients", "sent", "delivered", "read", "failed")},
        "engagement": {
            "totalClicks": c["clicks"],
            "uniqueClickers": c["clickers"],
            "responders": c["responders"],
            "clickThroughRate": _rate(c["clicks"], c["recipients"]),
            "uniqueClickThroughRate": _rate(c["clickers"], c["recipients"]),
            "deliveryRate": _rate(c["delivered"], c["sent"]),
            "openRate": _rate(c["read"], c["delivered"]),
            "clickRate": _rate(c["clickers"], c["delivered"]),
            "responseRate": _rate(c["responders"], c["delivered"]),
        },
        "lastEventAt": _iso(last),
    }

    def button_counts(button_id: str | None) -> list[int]:
        return per_button.get(button_id or "", [0, 0])

    total_clicks = sum(button_counts(b.id)[0] for b in buttons)
    button_stats: list[dict[str, Any]] = [
        {
            "buttonId": b.id,
            "text": b.text,
            "clicks": button_counts(b.id)[0],
            "uniqueClickers": button_counts(b.id)[1],
            "percentage": _rate(button_counts(b.id)[0], total_clicks),
        }
        for b in buttons
    ]
    button_stats.sort(key=lambda row: -int(row["clicks"]))
    label_total = sum(labels.values())
    label_rows = [
        {"label": label, "count": n, "percentage": n / label_total * 100}
        for label, n in sorted(labels.items(), key=lambda item: (-item[1], item[0]))
        if n > 0
    ]
    sentiment_total = sum(sentiments.values())
    sentiment_rows = [
        {
            "sentiment": s,
            "count": sentiments.get(s, 0),
            "percentage": sentiments.get(s, 0) / sentiment_total * 100 if sentiment_total else 0.0,
        }
        for s in ("POSITIVE", "NEUTRAL", "NEGATIVE")
    ]
    trend_rows = []
    if first is not None and last is not None:
        at, end = _hour(first), _hour(last)
        while at <= end:
            counts_at = trend.get(at, dict.fromkeys(_TREND_FIELDS, 0))
            trend_rows.append({"bucketStart": at.isoformat(), **counts_at})
            at += timedelta(hours=1)
    return {
        "stats": stats,
        "buttonStats": button_stats,
        "labels": label_rows,
        "sentiments": sentiment_rows,
        "trend": trend_rows,
    }


def differences(ours: Any, naive: Any, path: str = "") -> list[str]:
    """Where two dashboard results differ (floats compared to 1e-9), at most 5 places."""
    found: list[str] = []
    if isinstance(ours, dict) and isinstance(naive, dict):
        for key in sorted(set(ours) | set(naive)):
            found += differences(ours.get(key), naive.get(key), f"{path}.{key}")
    elif isinstance(ours, list) and isinstance(naive, list):
        if len(ours) != len(naive):
            found.append(f"{path}: {len(ours)} rows vs {len(naive)}")
        for i, (a, b) in enumerate(zip(ours, naive, strict=False)):
            found += differences(a, b, f"{path}[{i}]")
    elif isinstance(ours, float) and isinstance(naive, float):
        if abs(ours - naive) > 1e-9 * max(1.0, abs(naive)):
            found.append(f"{path}: {ours} vs {naive}")
    elif ours != naive:
        found.append(f"{path}: {ours!r} vs {naive!r}")
    return found[:5]
