"""Per-key request rate: a token bucket, shared through Redis when configured."""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from pubsub.redis_client import redis_client

logger = logging.getLogger("insights.ratelimit")


class LocalBuckets:
    def __init__(self, rate: float, burst: int) -> None:
        self._rate, self._burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str) -> float | None:
        """None when allowed; else the seconds to wait before the next request may pass."""
        now = time.monotonic()
        stamp, tokens = self._buckets.get(key, (now, float(self._burst)))
        tokens = min(self._burst, tokens + (now - stamp) * self._rate)
        if tokens >= 1:
            self._buckets[key] = (now, tokens - 1)
            return None
        self._buckets[key] = (now, tokens)
        return (1 - tokens) / self._rate

    async def close(self) -> None:
        return None


_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1e6
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'v')
local stamp = tonumber(state[1]) or t
local tokens = math.min(burst, (tonumber(state[2]) or burst) + (t - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 't', tostring(t), 'v', tostring(tokens))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisBuckets:
    """The same bucket for a key in every process; local buckets while Redis is down."""

    def __init__(self, url: str, rate: float, burst: int) -> None:
        self._redis = redis_client(url)
        self._script = self._redis.register_script(_TAKE)
        self._rate, self._burst = rate, burst
        self._fallback = LocalBuckets(rate, burst)

    async def take(self, key: str) -> float | None:
        try:
            wait = float(
                await self._script(keys=[f"insights:rate:{key}"], args=[self._rate, self._burst])
            )
        except RedisError as error:
            logger.warning("rate limit falls back to this process (%s)", error)
            return await self._fallback.take(key)
        return wait if wait > 0 else None

    async def close(self) -> None:
        await self._redis.aclose()
