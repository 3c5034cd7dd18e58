"""A broadcaster backend on Redis pub/sub that survives Redis restarts.

The stock backend's listener dies with its connection and leaves subscribers waiting
forever (encode/broadcaster#144). This one reconnects with bounded, jittered backoff,
subscribes again to every channel it had, logs each reconnect, and never raises from
`next_published`. Its queue is bounded: when the consumer falls behind, the oldest
messages are dropped (every message is a full snapshot, so the newest one suffices).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from broadcaster import BroadcastBackend, Event
from redis import asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from pubsub.redis_client import redis_client

logger = logging.getLogger("insights.pubsub")

QUEUE_LIMIT = 10_000
BACKOFF_FIRST = 0.1
BACKOFF_MAX = 0.5
LOST = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisBackend(BroadcastBackend):
    def __init__(self, url: str, on_reconnect: Callable[[], Awaitable[None]] | None = None) -> None:
        self._url = url
        self._on_reconnect = on_reconnect
        self._publisher = redis_client(url)
        self._channels: set[str] = set()
        self._changed = asyncio.Event()
        self._queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_LIMIT)
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self.reconnects = 0

    async def connect(self) -> None:
        self._reader = asyncio.create_task(self._read_forever(), name="redis-pubsub-reader")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._publisher.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        await self._tell_reader(lambda pubsub: pubsub.subscribe(channel))

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        await self._tell_reader(lambda pubsub: pubsub.unsubscribe(channel))

    async def _tell_reader(self, action: Any) -> None:
        pubsub = self._pubsub
        if pubsub is not None:
            with contextlib.suppress(*LOST):
                await action(pubsub)
                return
        # Not connected (or just lost): the reader subscribes to every channel on reconnect.
        self._changed.set()

    async def publish(self, channel: str, message: Any) -> None:
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._queue.get()

    def _put(self, event: Event) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(event)

    async def _read_forever(self) -> None:
        backoff = BACKOFF_FIRST
        connection = redis.Redis.from_url(self._url, socket_connect_timeout=2.0)
        lost_since = False
        while True:
            pubsub = connection.pubsub(ignore_subscribe_messages=True)
            try:
                while not self._channels:
                    self._changed.clear()
                    await self._changed.wait()
                await pubsub.subscribe(*self._channels)
                self._pubsub = pubsub
                if lost_since:
                    self.reconnects += 1
                    logger.warning(
                        "redis pub/sub reconnected; subscribed again to %d channels",
                        len(self._channels),
                    )
                    lost_since = False
                    if self._on_reconnect is not None:
                        # Snapshots published while we were away are gone: ask for fresh ones.
                        await self._on_reconnect()
                backoff = BACKOFF_FIRST
                while True:
                    if self._changed.is_set():
                        self._changed.clear()
                        missing = self._channels - {c.decode() for c in pubsub.channels}
                        if missing:
                            await pubsub.subscribe(*missing)
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._put(Event(message["channel"].decode(), message["data"].decode()))
            except LOST as error:
                if not lost_since:
                    logger.warning("redis pub/sub connection lost (%s); reconnecting", error)
                lost_since = True
                self._pubsub = None
                with contextlib.suppress(*LOST):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, BACKOFF_MAX)
            except asyncio.CancelledError:
                self._pubsub = None
                with contextlib.suppress(*LOST):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                await connection.aclose()
                raise
