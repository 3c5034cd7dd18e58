"""Trend buckets in any IANA time zone, built from the stored minute and quarter-hour buckets."""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from store import limits
from store.errors import InvalidInput, LimitExceeded
from store.models import TrendRow
from store.rules import TREND_FIELDS


class Granularity(enum.StrEnum):
    MINUTE = "MINUTE"
    HOUR = "HOUR"
    DAY = "DAY"


_STEP = {
    Granularity.MINUTE: timedelta(minutes=1),
    Granularity.HOUR: timedelta(hours=1),
    Granularity.DAY: timedelta(days=1),
}


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(f"unknown time zone {name!r}", ("timeZone",)) from None


def _floor(at: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    local = at.astimezone(zone).replace(second=0, microsecond=0)
    if granularity is not Granularity.MINUTE:
        local = local.replace(minute=0)
    if granularity is Granularity.DAY:
        local = local.replace(hour=0)
    return local.astimezone(UTC)


def _next(start: datetime, granularity: Granularity, zone: ZoneInfo) -> datetime:
    if granularity is Granularity.MINUTE:
        return start + _STEP[granularity]
    # Local days last 23 to 25 hours and local hours 30 to 90 minutes around DST changes.
    ahead = timedelta(hours=26) if granularity is Granularity.DAY else _STEP[granularity]
    candidate = _floor(start + ahead, granularity, zone)
    return candidate if candidate > start else start + ahead


def boundaries(
    granularity: Granularity, first: datetime, last: datetime, zone: ZoneInfo
) -> list[datetime]:
    """Bucket starts from the bucket holding `first` to the one holding `last`, plus the end
    of the last bucket; at most TREND_BUCKETS_MAX buckets, else InvalidInput."""
    if last < first:
        return []
    estimate = (last - first) / _STEP[granularity]
    if estimate > limits.TREND_BUCKETS_MAX + 1:
        raise LimitExceeded(
            f"that range holds about {int(estimate):,} {granularity.lower()} buckets; "
            f"at most {limits.TREND_BUCKETS_MAX:,} are allowed: narrow it or use a coarser "
            "granularity",
            ("from",),
        )
    try:
        starts = [_floor(first, granularity, zone)]
        while starts[-1] <= last:
            starts.append(_next(starts[-1], granularity, zone))
    except (OverflowError, ValueError):
        raise InvalidInput("that range reaches outside the supported calendar", ("from",)) from None
    if len(starts) - 1 > limits.TREND_BUCKETS_MAX:
        raise LimitExceeded(
            f"that range holds {len(starts) - 1:,} buckets; at most "
            f"{limits.TREND_BUCKETS_MAX:,} are allowed",
            ("from",),
        )
    return starts


def resolution_for(edges: list[datetime]) -> int:
    """Quarter-hour buckets when every edge falls on a quarter hour, else minute buckets."""
    if all(int(edge.timestamp()) % 900 == 0 for edge in edges):
        return 15
    return 1


def fill(edges: list[datetime], rows: Iterable[TrendRow]) -> list[tuple[datetime, dict[str, int]]]:
    """Sum stored rows into the buckets between `edges` (empty buckets included)."""
    buckets: list[dict[str, int]] = [dict.fromkeys(TREND_FIELDS, 0) for _ in edges[:-1]]
    for row in rows:
        index = bisect_right(edges, row.start) - 1
        if 0 <= index < len(buckets):
            bucket = buckets[index]
            for name in TREND_FIELDS:
                bucket[name] += getattr(row, name)
    return list(zip(edges[:-1], buckets, strict=True))
