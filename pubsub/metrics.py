"""Counters of the live layer, read by /metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LiveMetrics:
    ticks: int = 0
    snapshots_computed: int = 0
    messages_published: int = 0
    snapshots_received: int = 0
    updates_pushed: int = 0
    # GraphQL executions for live payloads: each subscription's first, then one per tick and
    # distinct operation (subscribers with the same operation share it).
    executions: int = 0
    subscribers: int = 0
    store_reads: int = 0
    # Seconds from a snapshot's tick to its push to a subscriber (set by the app's metrics).
    observe_push_lag: Callable[[float], None] = field(default=lambda seconds: None)
