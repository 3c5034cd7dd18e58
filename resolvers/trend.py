"""Trend over time for one campaign or a selection, in the caller's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import chain

from resolvers.errors import ApiError, from_store_error
from resolvers.loaders import Loaders
from store.errors import StoreError
from store.models import CampaignRecord, TrendQuery
from store.timebuckets import Granularity, boundaries, fill, resolution_for, time_zone
from store.validation import normalise_time

Bucket = tuple[datetime, dict[str, int]]


async def trend(
    loaders: Loaders,
    campaigns: Sequence[CampaignRecord],
    granularity: Granularity,
    start: datetime | None,
    end: datetime | None,
    zone_name: str,
) -> list[Bucket]:
    """Buckets from `start` (default: the first event) to `end` (default: the last event),
    both inclusive, summed over `campaigns`; empty buckets included."""
    try:
        zone = time_zone(zone_name)
        start = None if start is None else normalise_time(start, ("from",))
        end = None if end is None else normalise_time(end, ("to",))
        if start is not None and end is not None and start > end:
            raise ApiError("from must not be after to", "INVALID_INPUT", ("from",))
        firsts = [c.counters.first_event_at for c in campaigns if c.counters.first_event_at]
        lasts = [c.counters.last_event_at for c in campaigns if c.counters.last_event_at]
        first = start if start is not None else min(firsts, default=None)
        last = end if end is not None else max(lasts, default=None)
        if first is None or last is None:
            return []
        edges = boundaries(granularity, first, last, zone)
    except StoreError as error:
        raise from_store_error(error) from None
    if not edges:
        return []
    resolution = resolution_for(edges)
    queries = [TrendQuery(c.id, resolution, edges[0], edges[-1]) for c in campaigns]
    rows = await loaders.trend.load_many(queries)
    return fill(edges, chain.from_iterable(rows))
