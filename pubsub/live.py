"""The live layer of one process, assembled from its settings: broadcast, marks, tick, hub."""

from __future__ import annotations

from broadcaster import Broadcast

from pubsub.changes import MemoryChanges, RedisChanges
from pubsub.hub import LiveHub
from pubsub.metrics import LiveMetrics
from pubsub.publisher import LivePublisher
from pubsub.redis_backend import ResilientRedisBackend
from store import Store


class LiveUpdates:
    def __init__(self, broadcast_url: str, store: Store, interval: float) -> None:
        self.metrics = LiveMetrics()
        self.changes: MemoryChanges | RedisChanges
        if broadcast_url.startswith(("redis://", "rediss://")):
            self.backend: ResilientRedisBackend | None = ResilientRedisBackend(
                broadcast_url, on_reconnect=self._resync
            )
            self.broadcast = Broadcast(backend=self.backend)
            self.changes = RedisChanges(broadcast_url)
        else:
            self.backend = None
            self.broadcast = Broadcast("memory://")
            self.changes = MemoryChanges()
        self.hub = LiveHub(self.broadcast, self.metrics)
        self.publisher = LivePublisher(store, self.broadcast, self.changes, self.metrics, interval)

    async def start(self) -> None:
        await self.broadcast.connect()
        self.publisher.start()

    async def stop(self) -> None:
        await self.publisher.stop()
        await self.hub.close()
        await self.broadcast.disconnect()
        await self.changes.close()

    async def reachable(self) -> bool:
        return await self.changes.ping()

    async def _resync(self) -> None:
        for workspace, campaign_ids in self.hub.watched().items():
            await self.changes.mark(workspace, campaign_ids)

    # Ingestion, status changes and a broker reconnect all mark through `changes`; the next
    # tick (in whichever process holds the lease) publishes what is marked.
    async def mark_changed(self, workspace: str, campaign_ids: frozenset[str]) -> None:
        await self.changes.mark(workspace, campaign_ids)

    async def mark_status_changed(self, workspace: str, campaign_id: str) -> None:
        await self.changes.mark(workspace, [campaign_id], status=True)
