"""The tick: one process at a time reads the changed campaigns once each and publishes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from broadcaster import Broadcast

from pubsub.changes import Changes, MemoryChanges, RedisChanges
from pubsub.channels import channel_for_campaign
from pubsub.metrics import LiveMetrics
from pubsub.snapshot import encode_snapshot
from store import Store
from store.models import CampaignStatus
from store.validation import normalise_time

logger = logging.getLogger("insights.live")


class LivePublisher:
    def __init__(
        self,
        store: Store,
        broadcast: Broadcast,
        changes: MemoryChanges | RedisChanges,
        metrics: LiveMetrics,
        interval: float,
    ) -> None:
        self._store, self._broadcast, self._changes = store, broadcast, changes
        self._metrics, self._interval = metrics, interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live-publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_tick = loop.time() + self._interval
        while True:
            await asyncio.sleep(max(0.0, next_tick - loop.time()))
            next_tick += self._interval
            if next_tick < loop.time():  # fell behind: skip missed ticks rather than burst
                next_tick = loop.time() + self._interval
            try:
                if await self._changes.hold_lease(ttl=2 * self._interval):
                    await self.tick()
            except Exception:
                logger.exception("live tick failed; retrying next interval")

    async def tick(self) -> int:
        """Publish a snapshot of every changed campaign that is ACTIVE or just changed status."""
        self._metrics.ticks += 1
        changes = await self._changes.take()
        if not changes.all():
            return 0
        try:
            return await self._publish(changes)
        except BaseException:
            # Store or broker down: keep the marks, so the next tick publishes them.
            for workspace, campaign_id in changes.numbers:
                await self._changes.mark(workspace, [campaign_id])
            for workspace, campaign_id in changes.status:
                await self._changes.mark(workspace, [campaign_id], status=True)
            raise

    async def _publish(self, changes: Changes) -> int:
        as_of = normalise_time(datetime.now(UTC))
        by_workspace: dict[str, list[str]] = {}
        for workspace, campaign_id in changes.all():
            by_workspace.setdefault(workspace, []).append(campaign_id)
        published = 0
        for workspace, campaign_ids in by_workspace.items():
            records = await self._store.get_campaigns(workspace, sorted(campaign_ids))
            self._metrics.store_reads += 1
            for campaign_id, record in records.items():
                if record.status is not CampaignStatus.ACTIVE and (
                    (workspace, campaign_id) not in changes.status
                ):
                    continue
                self._metrics.snapshots_computed += 1
                await self._broadcast.publish(
                    channel_for_campaign(campaign_id), encode_snapshot(record, as_of)
                )
                self._metrics.messages_published += 1
                published += 1
        return published
