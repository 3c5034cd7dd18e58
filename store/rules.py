"""The counting rules: how events become per-recipient state, and state becomes numbers.

Both store backends apply events through `plan_changes`, so implied states,
last-writer-wins and first-time transitions are defined here and nowhere else.

A recipient's state is a merge of its events that is idempotent and independent of
arrival order: earliest times for transitions (a transition is dated by the earliest
event that implies it), a set of click event ids, and (occurredAt, eventId)-ordered
registers for labels and sentiment. The numbers are a sum of per-recipient
contributions, so applying a batch changes them by `contribution(new) - contribution(old)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from store.models import ContactRecord, DeliveryState, EventInput, EventType, Sentiment

COUNT_FIELDS = (
    "recipients",
    "sent",
    "delivered",
    "read",
    "failed",
    "clicks",
    "clickers",
    "responders",
)
TREND_FIELDS = ("sent", "delivered", "read", "failed", "clicks", "replies")

# Events that move delivery and engagement numbers (and so lastEventAt and the trend range).
DELIVERY_EVENTS = frozenset(
    {
        EventType.SENT,
        EventType.DELIVERED,
        EventType.READ,
        EventType.FAILED,
        EventType.BUTTON_CLICKED,
        EventType.REPLIED,
    }
)
IMPLIES_READ = frozenset({EventType.READ, EventType.BUTTON_CLICKED, EventType.REPLIED})
IMPLIES_DELIVERED = IMPLIES_READ | {EventType.DELIVERED}
IMPLIES_SENT = IMPLIES_DELIVERED | {EventType.SENT}


@dataclass(frozen=True)
class Click:
    button_id: str
    at: datetime


@dataclass(frozen=True)
class LabelMark:
    on: bool
    at: datetime
    event_id: str


@dataclass(frozen=True)
class SentimentMark:
    value: Sentiment
    at: datetime
    event_id: str


@dataclass
class RecipientState:
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failed_at: datetime | None = None
    replied_at: datetime | None = None
    clicks: dict[str, Click] = field(default_factory=dict)
    labels: dict[str, LabelMark] = field(default_factory=dict)
    sentiment: SentimentMark | None = None
    last_event_at: datetime | None = None

    def copy(self) -> RecipientState:
        return replace(self, clicks=dict(self.clicks), labels=dict(self.labels))

    @property
    def delivery_state(self) -> DeliveryState | None:
        """Furthest state reached; FAILED only when the message never got further than SENT."""
        if self.read_at is not None:
            return DeliveryState.READ
        if self.delivered_at is not None:
            return DeliveryState.DELIVERED
        if self.failed_at is not None:
            return DeliveryState.FAILED
        if self.sent_at is not None:
            return DeliveryState.SENT
        return None

    @property
    def current_labels(self) -> list[str]:
        return sorted(label for label, mark in self.labels.items() if mark.on)


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def _newer(at: datetime, event_id: str, mark: LabelMark | SentimentMark | None) -> bool:
    return mark is None or (at, event_id) > (mark.at, mark.event_id)


def apply_event(state: RecipientState, event: EventInput) -> None:
    """Merge one event into a recipient's state (idempotent, order-independent)."""
    at, kind = event.occurred_at, event.type
    if kind in IMPLIES_SENT:
        state.sent_at = _earliest(state.sent_at, at)
    if kind in IMPLIES_DELIVERED:
        state.delivered_at = _earliest(state.delivered_at, at)
    if kind in IMPLIES_READ:
        state.read_at = _earliest(state.read_at, at)
    if kind is EventType.FAILED:
        state.failed_at = _earliest(state.failed_at, at)
    elif kind is EventType.REPLIED:
        state.replied_at = _earliest(state.replied_at, at)
    elif kind is EventType.BUTTON_CLICKED:
        assert event.button_id is not None
        state.clicks[event.event_id] = Click(event.button_id, at)
    elif kind in (EventType.LABEL_ADDED, EventType.LABEL_REMOVED):
        assert event.label is not None
        if _newer(at, event.event_id, state.labels.get(event.label)):
            state.labels[event.label] = LabelMark(kind is EventType.LABEL_ADDED, at, event.event_id)
    elif kind is EventType.SENTIMENT_SET:
        assert event.sentiment is not None
        if _newer(at, event.event_id, state.sentiment):
            state.sentiment = SentimentMark(event.sentiment, at, event.event_id)
    if state.last_event_at is None or at > state.last_event_at:
        state.last_event_at = at


@dataclass
class CountersDelta:
    """How a set of state changes moves a campaign's numbers (entries may be negative)."""

    counts: dict[str, int] = field(default_factory=dict)
    buttons: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    sentiments: dict[Sentiment, int] = field(default_factory=dict)
    # (bucket start truncated to the minute, trend field) -> change
    trend: dict[tuple[datetime, str], int] = field(default_factory=dict)
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None

    def is_empty(self) -> bool:
        return not (self.counts or self.buttons or self.labels or self.sentiments or self.trend)


K = TypeVar("K")


def _add(target: dict[K, int], key: K, amount: int) -> None:
    value = target.get(key, 0) + amount
    if value:
        target[key] = value
    else:
        target.pop(key, None)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _contribute(delta: CountersDelta, state: RecipientState, sign: int) -> None:
    counts, trend = delta.counts, delta.trend
    failed = state.failed_at is not None and state.delivered_at is None
    if state.sent_at is not None or state.failed_at is not None:
        _add(counts, "recipients", sign)
    for name, at in (
        ("sent", state.sent_at),
        ("delivered", state.delivered_at),
        ("read", state.read_at),
        ("failed", state.failed_at if failed else None),
    ):
        if at is not None:
            _add(counts, name, sign)
            _add(trend, (_minute(at), name), sign)
    if state.replied_at is not None:
        _add(counts, "responders", sign)
        _add(trend, (_minute(state.replied_at), "replies"), sign)
    if state.clicks:
        _add(counts, "clicks", sign * len(state.clicks))
        _add(counts, "clickers", sign)
        per_button: dict[str, int] = {}
        for click in state.clicks.values():
            per_button[click.button_id] = per_button.get(click.button_id, 0) + 1
            _add(trend, (_minute(click.at), "clicks"), sign)
        for button_id, clicks in per_button.items():
            entry = delta.buttons.setdefault(button_id, {})
            _add(entry, "clicks", sign * clicks)
            _add(entry, "clickers", sign)
            if not entry:
                del delta.buttons[button_id]
    for label in state.current_labels:
        _add(delta.labels, label, sign)
    if state.sentiment is not None:
        _add(delta.sentiments, state.sentiment.value, sign)


@dataclass
class Plan:
    """The outcome of applying a batch to the recipients it touches."""

    new_states: dict[str, RecipientState]
    delta: CountersDelta


def plan_changes(
    before: Mapping[str, RecipientState | None],
    events_by_recipient: Mapping[str, Iterable[EventInput]],
) -> Plan:
    """Apply events to copies of the recipients' states; return the changed states and the delta."""
    delta = CountersDelta()
    new_states: dict[str, RecipientState] = {}
    for key, events in events_by_recipient.items():
        old = before.get(key)
        state = old.copy() if old is not None else RecipientState()
        for event in events:
            apply_event(state, event)
            if event.type in DELIVERY_EVENTS:
                at = event.occurred_at
                if delta.first_event_at is None or at < delta.first_event_at:
                    delta.first_event_at = at
                if delta.last_event_at is None or at > delta.last_event_at:
                    delta.last_event_at = at
        if state == old or (old is None and state == RecipientState()):
            continue
        if old is not None:
            _contribute(delta, old, -1)
        _contribute(delta, state, +1)
        new_states[key] = state
    return Plan(new_states, delta)


def contact_from_state(recipient_id: str, state: RecipientState) -> ContactRecord | None:
    delivery_state = state.delivery_state
    if delivery_state is None or state.last_event_at is None:
        return None
    return ContactRecord(
        recipient_id=recipient_id,
        state=delivery_state,
        clicks=len(state.clicks),
        replied=state.replied_at is not None,
        labels=tuple(state.current_labels),
        sentiment=state.sentiment.value if state.sentiment else None,
        last_event_at=state.last_event_at,
    )
