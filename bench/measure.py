"""Timing statistics: the median (statistics module) and a nearest-rank p99."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass


def p99(values: Sequence[float]) -> float:
    """Nearest rank: the smallest value with at least 99% of the values at or below it."""
    return percentile(values, 99)


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    p99: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            return cls(0, math.nan, math.nan)
        return cls(len(values), statistics.median(values), p99(values))

    def ms(self) -> str:
        return f"median {self.median * 1000:.3f} ms, p99 {self.p99 * 1000:.3f} ms (n={self.n})"


async def timed_runs(
    call: Callable[[], Awaitable[object]], *, runs: int, budget: float, warmup: int = 0
) -> list[float]:
    """Seconds per call: `runs` calls at most, stopping early once `budget` seconds are spent
    (at least 3 calls are always made)."""
    for _ in range(warmup):
        await call()
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        await call()
        times.append(time.perf_counter() - t0)
        if len(times) >= 3 and time.perf_counter() - started > budget:
            break
    return times


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def fmt_ratio(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.1f}x" if value >= 10 else f"{value:.2f}x"


def fmt_num(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"
