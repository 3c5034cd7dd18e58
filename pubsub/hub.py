"""This process's side of live updates: one broadcast subscription per watched campaign,
fanned out to every local subscriber that watches it.

Each subscriber keeps only a 'something changed' flag, never a queue: a slow or dead
client can't make memory grow, and when it reads it gets the newest numbers. Snapshots
that arrive together (one tick publishes one per changed campaign) are delivered to
subscribers as one update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from broadcaster import Broadcast

from pubsub.channels import channel_for_campaign
from pubsub.metrics import LiveMetrics
from pubsub.snapshot import decode_snapshot
from store.models import CampaignRecord

logger = logging.getLogger("insights.live")


@dataclass
class Tick:
    """One delivery to subscribers; `shared` holds what all of them may reuse for it."""

    number: int
    as_of: datetime
    shared: dict[Any, Any] = field(default_factory=dict)


class Watcher:
    def __init__(self, hub: LiveHub, campaign_ids: Sequence[str]) -> None:
        self._hub = hub
        self.campaign_ids = tuple(campaign_ids)
        self._ready = asyncio.Event()
        self._tick: Tick | None = None
        self._closed = False
        self._seed: dict[str, CampaignRecord] = {}

    def seed(self, records: Sequence[CampaignRecord]) -> None:
        """The records read at subscription time, until snapshots replace them."""
        self._seed = {record.id: record for record in records}
        for record in records:
            self._hub.workspaces[record.id] = record.workspace

    def _notify(self, tick: Tick) -> None:
        self._tick = tick
        self._ready.set()

    def _close(self) -> None:
        self._closed = True
        self._ready.set()

    async def next(self) -> tuple[list[CampaignRecord], Tick] | None:
        """Wait for new numbers of any watched campaign; None once the hub closes."""
        await self._ready.wait()
        self._ready.clear()
        if self._closed or self._tick is None:
            return None
        records = [
            self._hub.latest(campaign_id) or self._seed[campaign_id]
            for campaign_id in self.campaign_ids
        ]
        self._hub.metrics.updates_pushed += 1
        lag = (datetime.now(UTC) - self._tick.as_of).total_seconds()
        self._hub.metrics.observe_push_lag(max(0.0, lag))
        return records, self._tick


class LiveHub:
    def __init__(self, broadcast: Broadcast, metrics: LiveMetrics, *, gather: float = 0.05) -> None:
        self._broadcast = broadcast
        self.metrics = metrics
        self._gather = gather
        self._latest: dict[str, tuple[CampaignRecord, datetime]] = {}
        self._watchers: dict[str, set[Watcher]] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._dirty: set[str] = set()
        self._flush_handle: asyncio.TimerHandle | None = None
        self._ticks = 0
        # Workspace of each watched campaign, to ask for fresh snapshots after an outage.
        self.workspaces: dict[str, str] = {}

    def watched(self) -> dict[str, list[str]]:
        """Workspace -> ids of the campaigns watched here."""
        by_workspace: dict[str, list[str]] = {}
        for campaign_id in self._watchers:
            if campaign_id in self.workspaces:
                by_workspace.setdefault(self.workspaces[campaign_id], []).append(campaign_id)
        return by_workspace

    def latest(self, campaign_id: str) -> CampaignRecord | None:
        entry = self._latest.get(campaign_id)
        return entry[0] if entry else None

    @contextlib.asynccontextmanager
    async def watch(self, campaign_ids: Sequence[str]) -> AsyncIterator[Watcher]:
        watcher = Watcher(self, campaign_ids)
        for campaign_id in watcher.campaign_ids:
            self._watchers.setdefault(campaign_id, set()).add(watcher)
            if campaign_id not in self._readers:
                self._readers[campaign_id] = asyncio.create_task(self._read(campaign_id))
        self.metrics.subscribers += 1
        try:
            yield watcher
        finally:
            self.metrics.subscribers -= 1
            for campaign_id in watcher.campaign_ids:
                watchers = self._watchers.get(campaign_id, set())
                watchers.discard(watcher)
                if not watchers:
                    self._watchers.pop(campaign_id, None)
                    self._latest.pop(campaign_id, None)
                    self.workspaces.pop(campaign_id, None)
                    reader = self._readers.pop(campaign_id, None)
                    if reader is not None:
                        reader.cancel()

    async def _read(self, campaign_id: str) -> None:
        try:
            async with self._broadcast.subscribe(channel_for_campaign(campaign_id)) as subscriber:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is None:
                        return
                    record, as_of = decode_snapshot(event.message)
                    self.metrics.snapshots_received += 1
                    self._latest[campaign_id] = (record, as_of)
                    self._dirty.add(campaign_id)
                    if self._flush_handle is None:
                        loop = asyncio.get_running_loop()
                        self._flush_handle = loop.call_later(self._gather, self._flush)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("live reader for campaign %s stopped", campaign_id)

    def _flush(self) -> None:
        self._flush_handle = None
        dirty, self._dirty = self._dirty, set()
        self._ticks += 1
        as_of = max((self._latest[c][1] for c in dirty if c in self._latest), default=None)
        if as_of is None:
            return
        tick = Tick(self._ticks, as_of)
        notified: set[Watcher] = set()
        for campaign_id in dirty:
            for watcher in self._watchers.get(campaign_id, ()):
                if watcher not in notified:
                    notified.add(watcher)
                    watcher._notify(tick)

    async def close(self) -> None:
        """Wake every subscriber so it ends, and stop reading."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher._close()
        for reader in self._readers.values():
            reader.cancel()
        for reader in list(self._readers.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await reader
