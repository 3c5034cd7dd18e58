"""Counters of the live layer, read by /metrics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LiveMetrics:
    ticks: int = 0
    snapshots_computed: int = 0
    messages_published: int = 0
    snapshots_received: int = 0
    updates_pushed: int = 0
    subscribers: int = 0
    store_reads: int = 0
