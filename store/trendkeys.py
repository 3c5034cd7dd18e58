"""Stored trend resolutions: per minute, and per quarter hour (every modern UTC offset
is a multiple of 15 minutes, so hour and day buckets in any zone are sums of quarters)."""

from __future__ import annotations

from datetime import datetime

RESOLUTIONS = (1, 15)


def bucket_starts(minute: datetime) -> list[tuple[int, datetime]]:
    """The stored bucket of each resolution that a minute falls in."""
    return [
        (resolution, minute.replace(minute=minute.minute - minute.minute % resolution))
        for resolution in RESOLUTIONS
    ]
