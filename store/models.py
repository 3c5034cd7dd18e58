"""Domain records shared by both store backends and the resolvers."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

T = TypeVar("T")


class CampaignStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class EventType(enum.StrEnum):
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
    BUTTON_CLICKED = "BUTTON_CLICKED"
    REPLIED = "REPLIED"
    LABEL_ADDED = "LABEL_ADDED"
    LABEL_REMOVED = "LABEL_REMOVED"
    SENTIMENT_SET = "SENTIMENT_SET"


class Sentiment(enum.StrEnum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


class DeliveryState(enum.StrEnum):
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"


class ErrorCode(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    FORBIDDEN = "FORBIDDEN"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


@dataclass(frozen=True)
class Button:
    id: str
    text: str


@dataclass(frozen=True)
class ButtonCount:
    clicks: int = 0
    clickers: int = 0


@dataclass(frozen=True)
class CampaignCounters:
    """Precomputed numbers of one campaign (or a sum over several)."""

    recipients: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    clicks: int = 0
    clickers: int = 0
    responders: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None
    buttons: dict[str, ButtonCount] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    sentiments: dict[Sentiment, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CampaignRecord:
    id: str
    workspace: str
    name: str
    status: CampaignStatus
    buttons: tuple[Button, ...]
    created_at: datetime
    updated_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    counters: CampaignCounters


@dataclass(frozen=True)
class ButtonSpec:
    """A button as given by a client: the id is generated when omitted."""

    text: str
    id: str | None = None


@dataclass(frozen=True)
class EventInput:
    event_id: str
    campaign_id: str
    type: EventType
    recipient_id: str
    occurred_at: datetime
    button_id: str | None = None
    label: str | None = None
    sentiment: Sentiment | None = None


@dataclass(frozen=True)
class RejectedEvent:
    index: int
    event_id: str
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    rejected: tuple[RejectedEvent, ...]
    changed_campaigns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TrendRow:
    """Transitions counted in one stored time bucket of one campaign."""

    campaign_id: str
    start: datetime
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    clicks: int = 0
    replies: int = 0


@dataclass(frozen=True)
class TrendQuery:
    campaign_id: str
    resolution_minutes: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ContactFilter:
    state: DeliveryState | None = None
    clicked: bool | None = None
    replied: bool | None = None


@dataclass(frozen=True)
class ContactRecord:
    recipient_id: str
    state: DeliveryState
    clicks: int
    replied: bool
    labels: tuple[str, ...]
    sentiment: Sentiment | None
    last_event_at: datetime


@dataclass(frozen=True)
class ContactQuery:
    campaign_id: str
    filter: ContactFilter
    first: int
    after: tuple[datetime, str] | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    has_next: bool
    total: int
