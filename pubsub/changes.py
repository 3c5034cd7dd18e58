"""Which campaigns changed since the last tick, and which process runs the ticks.

In memory for one process; in Redis when several processes share the work. A mark
that can't reach Redis (it is down) is kept locally and sent again on the next tick,
so a broker outage delays live updates but loses none.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from pubsub.channels import CHANGED_KEY, STATUS_CHANGED_KEY, TICK_LEASE_KEY
from pubsub.redis_client import redis_client

logger = logging.getLogger("insights.pubsub")
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Changes:
    """(workspace, campaign id) pairs: numbers changed, and status changed."""

    numbers: frozenset[tuple[str, str]] = frozenset()
    status: frozenset[tuple[str, str]] = frozenset()

    def all(self) -> frozenset[tuple[str, str]]:
        return self.numbers | self.status


@dataclass
class MemoryChanges:
    """Single-process change tracking and a lease that is always ours."""

    _numbers: set[tuple[str, str]] = field(default_factory=set)
    _status: set[tuple[str, str]] = field(default_factory=set)

    async def mark(
        self, workspace: str, campaign_ids: Iterable[str], *, status: bool = False
    ) -> None:
        target = self._status if status else self._numbers
        target.update((workspace, campaign_id) for campaign_id in campaign_ids)

    async def take(self) -> Changes:
        taken = Changes(frozenset(self._numbers), frozenset(self._status))
        self._numbers.clear()
        self._status.clear()
        return taken

    async def hold_lease(self, ttl: float) -> bool:
        return True

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


class RedisChanges:
    """Change marks in Redis sets; the tick lease is a Redis key with an expiry."""

    def __init__(self, url: str) -> None:
        self._redis = redis_client(url)
        self._owner = secrets.token_hex(8)
        self._unsent = MemoryChanges()
        self._renew = self._redis.register_script(_RENEW)

    async def mark(
        self, workspace: str, campaign_ids: Iterable[str], *, status: bool = False
    ) -> None:
        members = [f"{workspace}{SEPARATOR}{campaign_id}" for campaign_id in campaign_ids]
        if not members:
            return
        try:
            await self._redis.sadd(STATUS_CHANGED_KEY if status else CHANGED_KEY, *members)
        except RedisError as error:
            logger.warning("could not mark campaigns changed in redis (%s); will retry", error)
            await self._unsent.mark(workspace, campaign_ids, status=status)

    async def _flush_unsent(self) -> None:
        pending = await self._unsent.take()
        for key, pairs in ((CHANGED_KEY, pending.numbers), (STATUS_CHANGED_KEY, pending.status)):
            if pairs:
                try:
                    await self._redis.sadd(key, *(f"{w}{SEPARATOR}{c}" for w, c in pairs))
                except RedisError:
                    for workspace, campaign_id in pairs:
                        await self._unsent.mark(
                            workspace, [campaign_id], status=key == STATUS_CHANGED_KEY
                        )
                    raise

    async def take(self) -> Changes:
        await self._flush_unsent()
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in (CHANGED_KEY, STATUS_CHANGED_KEY):
                pipe.smembers(key)
                pipe.delete(key)
            numbers, _, status, _ = await pipe.execute()
        return Changes(_pairs(numbers), _pairs(status))

    async def hold_lease(self, ttl: float) -> bool:
        """Take or renew the tick lease; a dead holder's lease lapses after `ttl` seconds."""
        try:
            held = await self._renew(keys=[TICK_LEASE_KEY], args=[self._owner, int(ttl * 1000)])
        except RedisError as error:
            logger.warning("tick lease unavailable (%s)", error)
            return False
        return bool(held)

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        await self._redis.aclose()


def _pairs(members: Iterable[bytes]) -> frozenset[tuple[str, str]]:
    pairs = set()
    for member in members:
        workspace, _, campaign_id = member.decode().partition(SEPARATOR)
        pairs.add((workspace, campaign_id))
    return frozenset(pairs)
