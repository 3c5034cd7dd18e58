"""Checks on client input that need no database: lengths, required fields, time windows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from store import limits
from store.errors import InvalidInput
from store.models import ButtonSpec, EventInput, EventType


def check_text(value: str, field: tuple[str, ...], *, max_length: int, what: str) -> str:
    """Return `value` trimmed, or raise when it is empty, too long or not valid Unicode text."""
    trimmed = value.strip()
    try:
        trimmed.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} is not valid UTF-8 text", field) from None
    if not trimmed:
        raise InvalidInput(f"{what} must not be empty", field)
    if len(trimmed) > max_length:
        raise InvalidInput(f"{what} must be at most {max_length} characters", field)
    return trimmed


def check_id(value: str, field: tuple[str, ...], what: str) -> str:
    if value != value.strip():
        raise InvalidInput(f"{what} must not start or end with white space", field)
    return check_text(value, field, max_length=limits.ID_MAX, what=what)


def check_name(name: str, field: tuple[str, ...] = ("input", "name")) -> str:
    return check_text(name, field, max_length=limits.NAME_MAX, what="name")


def check_buttons(buttons: Sequence[ButtonSpec]) -> list[ButtonSpec]:
    field = ("input", "buttons")
    if len(buttons) > limits.BUTTONS_MAX:
        raise InvalidInput(f"a campaign has at most {limits.BUTTONS_MAX} buttons", field)
    checked: list[ButtonSpec] = []
    seen: set[str] = set()
    for index, button in enumerate(buttons):
        at = (*field, str(index))
        text = check_text(
            button.text, (*at, "text"), max_length=limits.BUTTON_TEXT_MAX, what="button text"
        )
        button_id = None
        if button.id is not None:
            button_id = check_id(button.id, (*at, "id"), "button id")
            if button_id in seen:
                raise InvalidInput(f"button id {button_id!r} is used twice", (*at, "id"))
            seen.add(button_id)
        checked.append(ButtonSpec(text=text, id=button_id))
    return checked


def normalise_time(value: datetime, field: tuple[str, ...] = ()) -> datetime:
    """UTC with millisecond precision (what MongoDB keeps); a naive time is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        name = field[-1] if field else "time"
        raise InvalidInput(f"{name} is outside the supported calendar range", field) from None
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def check_event(event: EventInput, now: datetime) -> EventInput:
    """Return the event normalised, or raise InvalidInput naming the offending field."""
    check_id(event.event_id, ("eventId",), "eventId")
    check_id(event.campaign_id, ("campaignId",), "campaignId")
    check_id(event.recipient_id, ("recipientId",), "recipientId")
    occurred_at = normalise_time(event.occurred_at, ("occurredAt",))
    if occurred_at < limits.EARLIEST_EVENT:
        raise InvalidInput(f"occurredAt must not be before {limits.EARLIEST_EVENT:%Y-%m-%d}")
    if occurred_at > now + limits.FUTURE_SKEW:
        raise InvalidInput("occurredAt is more than a day in the future")
    button_id, label, sentiment = event.button_id, event.label, event.sentiment
    if event.type is EventType.BUTTON_CLICKED:
        if button_id is None:
            raise InvalidInput("buttonId is required for BUTTON_CLICKED")
        button_id = check_id(button_id, ("buttonId",), "buttonId")
    else:
        button_id = None
    if event.type in (EventType.LABEL_ADDED, EventType.LABEL_REMOVED):
        if label is None:
            raise InvalidInput(f"label is required for {event.type}")
        label = check_text(label, ("label",), max_length=limits.LABEL_MAX, what="label")
    else:
        label = None
    if event.type is EventType.SENTIMENT_SET:
        if sentiment is None:
            raise InvalidInput("sentiment is required for SENTIMENT_SET")
    else:
        sentiment = None
    return EventInput(
        event_id=event.event_id,
        campaign_id=event.campaign_id,
        type=event.type,
        recipient_id=event.recipient_id,
        occurred_at=occurred_at,
        button_id=button_id,
        label=label,
        sentiment=sentiment,
    )
