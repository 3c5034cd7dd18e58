"""GraphQL enums of the contract; values mirror the store's enums by name."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Where a campaign is in its life cycle.")
class CampaignStatus(enum.Enum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="The current sentiment of a conversation.")
class Sentiment(enum.Enum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


@strawberry.enum(description="Bucket size of a trend.")
class Granularity(enum.Enum):
    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"


@strawberry.enum(description="What happened to one recipient of one campaign.")
class EventType(enum.Enum):
    SENT = strawberry.enum_value(
        "SENT",
        description="The message was accepted for sending. Counts toward recipients and sent.",
    )
    DELIVERED = strawberry.enum_value("DELIVERED", description="Implies SENT.")
    READ = strawberry.enum_value(
        "READ", description="The recipient opened (read) the message. Implies DELIVERED and SENT."
    )
    FAILED = strawberry.enum_value(
        "FAILED",
        description="The message could not be sent or delivered. Counts toward recipients.",
    )
    BUTTON_CLICKED = strawberry.enum_value(
        "BUTTON_CLICKED",
        description="The recipient pressed a button (buttonId required). Implies READ.",
    )
    REPLIED = strawberry.enum_value(
        "REPLIED", description="The recipient replied, starting a conversation. Implies READ."
    )
    LABEL_ADDED = strawberry.enum_value(
        "LABEL_ADDED",
        description="A label was put on the recipient's campaign conversation (label required).",
    )
    LABEL_REMOVED = strawberry.enum_value(
        "LABEL_REMOVED", description="A label was taken off the conversation (label required)."
    )
    SENTIMENT_SET = strawberry.enum_value(
        "SENTIMENT_SET",
        description="The conversation's current sentiment (sentiment required); "
        "the latest occurredAt wins.",
    )


@strawberry.enum(description="Why an input was refused.")
class ErrorCode(enum.Enum):
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    FORBIDDEN = "FORBIDDEN"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


@strawberry.enum(description="The furthest delivery state a recipient reached.")
class DeliveryState(enum.Enum):
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    READ = "READ"
    FAILED = "FAILED"
