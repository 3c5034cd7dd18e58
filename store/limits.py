"""Input limits of the API contract (domain rules, not deployment settings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NAME_MAX = 200
BUTTONS_MAX = 10
BUTTON_TEXT_MAX = 25
LABEL_MAX = 64
ID_MAX = 128
EVENTS_PER_CALL_MAX = 1000
INSIGHTS_CAMPAIGNS_MAX = 100
PAGE_SIZE_MAX = 100
TREND_BUCKETS_MAX = 10_000

# occurredAt must fall in this window: older data is not this product's, and a clock
# far in the future would stretch every trend range.
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)
