"""4. Subscription fan-out: 1k to 10k graphql-transport-ws subscribers on one server process.

10 ACTIVE campaigns change every tick (a feeder posts events every half interval); each
subscriber watches one of them. Clients run in separate processes (bench/fanout_client.py).
Measured over a window after every subscriber got its first payload: tick-to-receipt lag
(receipt wall clock minus the payload's summary.asOf, which is the tick's time), server
CPU (from /proc/PID/stat), peak RSS (VmHWM) and the live counters from /metrics.
Baseline: the same number of dashboards polling the same fields over HTTP every interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.api import (
    API_KEY,
    GraphQLClient,
    events_body,
    histogram,
    histogram_quantile,
    metrics,
    running_server,
    server_env,
)
from bench.config import Config
from bench.measure import Summary, fmt_num
from bench.procstat import CpuMeter, peak_rss_mib, rss_mib
from bench.report import Row, Section
from store.models import EventInput, EventType

CAMPAIGNS = 10
PUSH_LAG = "insights_live_publish_to_push_seconds"
PER_PROCESS = 2500
LIVE_METRICS = (
    "insights_live_ticks",
    "insights_live_store_reads",
    "insights_live_snapshots_computed",
    "insights_live_subscribers",
    "insights_live_updates_pushed",
    "insights_live_messages_published",
)


@dataclass
class FanoutPoint:
    subscribers: int
    connected: int = 0
    connect_seconds: float = math.nan
    connect_cpu: float = math.nan
    lag: Summary = field(default_factory=lambda: Summary.of([]))
    payloads: int = 0
    receivers: int = 0
    errors: int = 0
    cpu: float = math.nan
    client_cpu: float = math.nan
    peak_rss: float = math.nan
    rss: float = math.nan
    ticks: float = 0
    reads_per_tick: float = math.nan
    snapshots_per_tick: float = math.nan
    pushes_per_tick: float = math.nan
    cpu_per_push: float = math.nan  # server CPU seconds per update pushed
    server_push_p50: float = math.nan  # bucket upper bounds of the server's own histogram
    server_push_p99: float = math.nan
    # baseline
    poll_required: float = math.nan  # polls per second needed
    poll_rate: float = math.nan
    poll_latency: Summary = field(default_factory=lambda: Summary.of([]))
    poll_cpu: float = math.nan
    poll_errors: int = 0
    poll_reads_per_tick: float = math.nan
    campaigns_per_read: float = math.nan
    failed: str = ""


class Feeder:
    """Posts a few SENT events for every campaign every half interval, so each tick has
    all campaigns changed."""

    def __init__(self, client: GraphQLClient, campaigns: list[str], period: float, tag: str):
        self.client, self.campaigns, self.period, self.tag = client, campaigns, period, tag
        self.sent = 0
        self.failures = 0
        self.paused = True
        self._task: asyncio.Task[None] | None = None

    def start(self, limit_seconds: float) -> None:
        self._task = asyncio.create_task(self._run(limit_seconds))

    async def _run(self, limit_seconds: float) -> None:
        deadline = time.monotonic() + limit_seconds
        while time.monotonic() < deadline:
            if self.paused:
                await asyncio.sleep(0.1)
                continue
            now = datetime.now(UTC) - timedelta(seconds=1)
            events = []
            for campaign in self.campaigns:
                for _ in range(3):
                    self.sent += 1
                    events.append(
                        EventInput(
                            event_id=f"{self.tag}-{self.sent}",
                            campaign_id=campaign,
                            type=EventType.SENT,
                            recipient_id=f"r{self.sent}",
                            occurred_at=now,
                        )
                    )
            try:
                await self.client.record(events_body(events))
            except Exception:
                self.failures += 1
            await asyncio.sleep(self.period)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class ClientProcess:
    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fanout_client", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    async def message(self, event: str, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = await asyncio.wait_for(
                asyncio.to_thread(self.proc.stdout.readline), deadline - time.monotonic()
            )
            if not line:
                raise RuntimeError(f"client exited ({self.proc.poll()}) before {event!r}")
            message: dict[str, Any] = json.loads(line)
            if message.get("event") == event:
                return message
            if message.get("event") == "timeout":
                raise RuntimeError("client hit its time limit")
        raise TimeoutError(f"no {event!r} from client within {timeout:.0f}s")

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()

    def close(self) -> None:
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _split(total: int) -> list[int]:
    processes = max(1, min(4, math.ceil(total / PER_PROCESS)))
    return [total // processes + (1 if i < total % processes else 0) for i in range(processes)]


async def _wait_subscribers(base_url: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = (await asyncio.to_thread(metrics, base_url, ["insights_live_subscribers"])).get(
            "insights_live_subscribers", -1
        )
        if value == expected:
            return
        await asyncio.sleep(0.5)


async def _subscribe(
    point: FanoutPoint, server: Any, campaigns: str, cfg: Config, feeder: Feeder
) -> None:
    counts = _split(point.subscribers)
    connect_budget = 60 + point.subscribers / 50
    clients = []
    offset = 0
    for count in counts:
        clients.append(
            ClientProcess(
                [
                    "subscribe",
                    "--url",
                    server.ws_url,
                    "--key",
                    API_KEY,
                    "--campaigns",
                    campaigns,
                    "--count",
                    str(count),
                    "--offset",
                    str(offset),
                    "--connect-seconds",
                    str(connect_budget),
                    "--max-seconds",
                    str(connect_budget + cfg.fanout_window + 120),
                ]
            )
        )
        offset += count
    try:
        started = time.monotonic()
        connect_cpu = CpuMeter(server.pid).start()
        ready = [await c.message("ready", connect_budget + 30) for c in clients]
        point.connect_seconds = time.monotonic() - started
        point.connect_cpu = connect_cpu.percent()
        point.connected = sum(r["connected"] for r in ready)
        first_errors = [e for r in ready for e in r.get("first_errors", [])]
        print(
            f"  fanout {point.subscribers:,}: {point.connected:,} subscribed in "
            f"{point.connect_seconds:.1f} s (server CPU {point.connect_cpu:.0f}%, "
            f"RSS {rss_mib(server.pid):,.0f} MiB)"
            + (f"; first errors: {first_errors[:2]}" if first_errors else ""),
            flush=True,
        )
        # Changes start once everyone is subscribed (pushes would slow the connection burst).
        feeder.paused = False
        await asyncio.sleep(2 * cfg.live_interval)
        before = await asyncio.to_thread(metrics, server.url, LIVE_METRICS)
        lag_before = await asyncio.to_thread(histogram, server.url, PUSH_LAG)
        cpu = CpuMeter(server.pid).start()
        for c in clients:
            c.tell("start")
        await asyncio.sleep(cfg.fanout_window)
        for c in clients:
            c.tell("stop")
        point.cpu = cpu.percent()
        after = await asyncio.to_thread(metrics, server.url, LIVE_METRICS)
        lag_after = await asyncio.to_thread(histogram, server.url, PUSH_LAG)
        point.server_push_p50 = histogram_quantile(lag_before, lag_after, 0.5)
        point.server_push_p99 = histogram_quantile(lag_before, lag_after, 0.99)
        point.peak_rss, point.rss = peak_rss_mib(server.pid), rss_mib(server.pid)
        results = [await c.message("result", 120) for c in clients]
    finally:
        for c in clients:
            c.tell("stop")
        await asyncio.gather(*(asyncio.to_thread(c.close) for c in clients))
    lags = [lag for r in results for lag in r["lags"]]
    point.lag = Summary.of(lags)
    point.payloads = sum(r["payloads"] for r in results)
    point.receivers = sum(r["receivers"] for r in results)
    point.errors = sum(r["errors"] for r in results)
    point.client_cpu = sum(r["cpu_percent"] for r in results)
    point.ticks = after["insights_live_ticks"] - before["insights_live_ticks"]
    if point.ticks:
        delta = {k: after[k] - before[k] for k in LIVE_METRICS if k in after and k in before}
        point.reads_per_tick = delta["insights_live_store_reads"] / point.ticks
        point.snapshots_per_tick = delta["insights_live_snapshots_computed"] / point.ticks
        if delta["insights_live_store_reads"]:
            point.campaigns_per_read = (
                delta["insights_live_snapshots_computed"] / delta["insights_live_store_reads"]
            )
        point.pushes_per_tick = delta["insights_live_updates_pushed"] / point.ticks
        pushes = delta["insights_live_updates_pushed"]
        if pushes:
            point.cpu_per_push = point.cpu / 100 * cfg.fanout_window / pushes


async def _poll(point: FanoutPoint, server: Any, campaigns: str, cfg: Config) -> None:
    counts = _split(point.subscribers)
    clients = []
    offset = 0
    for count in counts:
        clients.append(
            ClientProcess(
                [
                    "poll",
                    "--url",
                    f"{server.url}/graphql",
                    "--key",
                    API_KEY,
                    "--campaigns",
                    campaigns,
                    "--count",
                    str(count),
                    "--offset",
                    str(offset),
                    "--interval",
                    str(cfg.live_interval),
                    "--duration",
                    str(cfg.poll_window),
                    "--connections",
                    "32",
                    "--max-seconds",
                    str(cfg.poll_window + 60),
                ]
            )
        )
        offset += count
    try:
        cpu = CpuMeter(server.pid).start()
        results = [await c.message("result", cfg.poll_window + 90) for c in clients]
        point.poll_cpu = cpu.percent()
    finally:
        await asyncio.gather(*(asyncio.to_thread(c.close) for c in clients))
    polls = sum(r["polls"] for r in results)
    seconds = max(r["seconds"] for r in results)
    point.poll_required = point.subscribers / cfg.live_interval
    point.poll_rate = polls / seconds if seconds else math.nan
    point.poll_latency = Summary.of([x for r in results for x in r["latencies"]])
    point.poll_errors = sum(r["errors"] for r in results)
    # Each poll reads its campaign once (the campaign DataLoader), as a tick reads it once.
    point.poll_reads_per_tick = point.poll_rate * cfg.live_interval


async def measure(size: int, cfg: Config, redis_db: int) -> FanoutPoint:
    assert cfg.services.redis_url is not None
    redis_url = cfg.services.redis_url.rsplit("/", 1)[0] + f"/{redis_db}"
    env = server_env(broadcast_url=redis_url, live_interval=cfg.live_interval)
    point = FanoutPoint(size)
    with running_server(env) as server:
        assert server.pid is not None
        async with GraphQLClient(server.url) as client:
            campaigns = [
                await client.create_campaign(f"fanout {i}", active=True) for i in range(CAMPAIGNS)
            ]
            feeder = Feeder(client, campaigns, cfg.live_interval / 2, f"fan{size}")
            feeder.start(limit_seconds=900)
            try:
                ids = ",".join(campaigns)
                await _subscribe(point, server, ids, cfg, feeder)
                print(
                    f"  fanout {size:,}: lag {point.lag.ms()}, server CPU {point.cpu:.0f}%, "
                    f"peak RSS {point.peak_rss:,.0f} MiB, store reads/tick "
                    f"{point.reads_per_tick:.2f}, snapshots/tick {point.snapshots_per_tick:.2f}, "
                    f"{point.receivers:,}/{point.connected:,} subscribers got payloads, "
                    f"{point.errors} errors, clients CPU {point.client_cpu:.0f}%, server's "
                    f"push-lag histogram p50 <= {point.server_push_p50:g} s, "
                    f"p99 <= {point.server_push_p99:g} s",
                    flush=True,
                )
                await _wait_subscribers(server.url, 0, 30)
                await _poll(point, server, ids, cfg)
                print(
                    f"  fanout {size:,} polling baseline: {point.poll_rate:,.0f} polls/s of "
                    f"{point.poll_required:,.0f} needed, latency {point.poll_latency.ms()}, "
                    f"server CPU {point.poll_cpu:.0f}%, {point.poll_errors} errors",
                    flush=True,
                )
            finally:
                await feeder.stop()
            if feeder.failures:
                print(f"  fanout feeder: {feeder.failures} failed posts", flush=True)
    return point


async def run(cfg: Config) -> Section:
    section = Section("fanout", "4. Subscription fan-out")
    if not cfg.services.redis_url:
        section.failed = "redis-server not available"
        return section
    points = []
    for i, size in enumerate(cfg.fanout_sizes):
        try:
            points.append(await measure(size, cfg, redis_db=i + 1))
        except Exception as error:
            print(f"  fanout {size:,} failed: {type(error).__name__}: {error}", flush=True)
            points.append(FanoutPoint(size, failed=f"{type(error).__name__}: {error}"[:200]))
    if all(p.failed for p in points):
        section.failed = points[-1].failed
        return section
    _rows(section, points, cfg)
    _body(section, points, cfg)
    return section


def _rows(section: Section, points: list[FanoutPoint], cfg: Config) -> None:
    big = [p for p in points if not p.failed][-1]
    target = 10_000
    note = f"at {big.subscribers:,}; the goal is for 10k" if big.subscribers < target else ""
    section.rows += [
        Row(
            "fan-out",
            f"tick-to-receipt lag p99, {big.subscribers:,} subscribers",
            f"{big.lag.p99 * 1000:,.0f} ms",
            f"polling: p99 {big.poll_latency.p99 * 1000:,.0f} ms per poll + up to "
            f"{cfg.live_interval:g} s staleness",
            math.nan,
            "< 1 s",
            big.lag.p99 < 1.0 and big.receivers >= big.connected > 0,
            note
            or (
                f"{'under' if big.lag.p99 < 1.0 else 'over'} by "
                f"{abs(big.lag.p99 - 1.0) * 1000:,.0f} ms"
                + (
                    f"; only {big.receivers:,} of {big.connected:,} got updates"
                    if big.receivers < big.connected
                    else ""
                )
            ),
        ),
        Row(
            "fan-out",
            f"server CPU, {big.subscribers:,} subscribers",
            f"{big.cpu:.0f}% of a core",
            f"polling: {big.poll_cpu:.0f}% ({big.poll_rate:,.0f} of "
            f"{big.poll_required:,.0f} polls/s served)",
            math.nan,
            "< 1 core",
            big.cpu < 100,
            note or f"{big.cpu:.0f}% vs 100%",
        ),
        Row(
            "fan-out",
            f"store reads per tick, {big.subscribers:,} subscribers, {CAMPAIGNS} changed campaigns",
            f"{big.reads_per_tick:.2f} ({big.snapshots_per_tick:.1f} campaigns read)",
            f"{big.poll_reads_per_tick:,.0f} served ({big.subscribers:,} needed)",
            big.subscribers / big.reads_per_tick if big.reads_per_tick else math.nan,
            f"= changed campaigns ({CAMPAIGNS})",
            bool(big.reads_per_tick <= 1.0 and big.campaigns_per_read <= CAMPAIGNS + 0.01),
            f"each tick with changes: one batched read of {big.campaigns_per_read:.0f} "
            "campaigns; ticks without changes read nothing",
        ),
    ]
    section.figures["subscribers_measured"] = big.subscribers
    section.figures["fanout_cpu"] = big.cpu
    section.figures["fanout_p99"] = big.lag.p99
    section.figures["fanout_rss"] = big.peak_rss
    ok = [
        p
        for p in points
        if not p.failed and p.lag.p99 < 1.0 and p.cpu < 100 and p.receivers >= p.connected > 0
    ]
    section.figures["subscribers_ok"] = ok[-1].subscribers if ok else 0
    per_push = [p.cpu_per_push for p in points if not p.failed and p.cpu_per_push > 0]
    if per_push:
        section.figures["cpu_per_push"] = statistics.median(per_push)
    section.figures["subscribers_smallest"] = points[0].subscribers


def _body(section: Section, points: list[FanoutPoint], cfg: Config) -> None:
    b = section.body
    b += [
        f"One `insights serve` process (memory:// store, Redis broadcast, "
        f"`INSIGHTS_LIVE_INTERVAL={cfg.live_interval:g}`), {CAMPAIGNS} ACTIVE campaigns, a "
        f"feeder posting 3 events per campaign every {cfg.live_interval / 2:g} s so every "
        "tick has all of them changed (it starts once every subscriber has its first payload, so the connection burst is measured apart). Subscribers: one graphql-transport-ws socket each "
        "(key in connection_init), subscription "
        "`insights(campaignIds: [$id]) { summary { delivery engagement lastEventAt asOf } "
        "buttons labels sentiments }`, spread evenly over the campaigns, held by "
        f"{'up to 4 client processes' if max(p.subscribers for p in points) > PER_PROCESS else 'one client process'} "
        f"(Python websockets on uvloop, {PER_PROCESS:,} sockets per process at most, "
        "default permessage-deflate offer, as browsers make). "
        f"Measured over {cfg.fanout_window:g} s after all had their first payload. Lag = "
        "receipt wall clock minus `summary.asOf` (the tick's time, ms precision); server CPU from "
        "/proc/PID/stat over the window (100% = one core); peak RSS = VmHWM of the server "
        "process (includes the connection burst). Store reads per tick from /metrics "
        "(`insights_live_store_reads_total` / `insights_live_ticks_total` over the window; "
        "a tick whose feeder events were delayed by a busy server has nothing to read, so "
        "reads per tick can be under 1; campaigns per read = snapshots computed / reads).",
        "",
        "| subscribers | subscribed (connect time, server CPU meanwhile) | lag median | lag p99 | payloads | got updates | "
        "server CPU | peak RSS | clients CPU | ticks | store reads / tick | campaigns per read | "
        "pushes / tick | server CPU per push | server's push lag p50 / p99 (histogram bucket) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in points:
        if p.failed:
            b.append(f"| {p.subscribers:,} | failed: {p.failed} |" + " |" * 13)
            continue
        b.append(
            f"| {p.subscribers:,} | {p.connected:,} ({p.connect_seconds:.0f} s, "
            f"{p.connect_cpu:.0f}%) | "
            f"{p.lag.median * 1000:,.0f} ms | {p.lag.p99 * 1000:,.0f} ms | {p.payloads:,} | "
            f"{p.receivers:,} | {p.cpu:.0f}% | {p.peak_rss:,.0f} MiB | {p.client_cpu:.0f}% | "
            f"{p.ticks:.0f} | {p.reads_per_tick:.2f} | {p.campaigns_per_read:.1f} | "
            f"{fmt_num(p.pushes_per_tick)} | {p.cpu_per_push * 1000:.2f} ms | "
            f"<= {p.server_push_p50:g} s / <= {p.server_push_p99:g} s |"
        )
    b += [
        "",
        f"**Baseline: polling.** The same number of dashboards, each posting the same "
        f"fields as a query every {cfg.live_interval:g} s (random phase, 32 keep-alive "
        f"connections per client process) for {cfg.poll_window:g} s. Each poll reads its "
        "campaign from the store once, so store reads per tick = polls served per interval; "
        "a full dashboard query (with trend) would read twice.",
        "",
        "| subscribers | polls/s needed | polls/s served | store reads / tick (needed) | "
        "poll latency median | poll latency p99 | server CPU | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in points:
        if p.failed:
            continue
        b.append(
            f"| {p.subscribers:,} | {p.poll_required:,.0f} | {p.poll_rate:,.0f} | "
            f"{p.poll_reads_per_tick:,.0f} ({p.subscribers:,}) | "
            f"{p.poll_latency.median * 1000:,.0f} ms | {p.poll_latency.p99 * 1000:,.0f} ms | "
            f"{p.poll_cpu:.0f}% | {p.poll_errors} |"
        )
    b += [
        "",
        "Clients and server share the machine's 2 cores: at the larger sizes the client "
        "processes need a core of their own, so part of the lag can be the clients' "
        "queueing, not the server's; the server's own histogram "
        "(`insights_live_publish_to_push_seconds`, tick time to push) separates the two. "
        "Server CPU per push = server CPU time over the window / updates pushed. "
        "Subscribers of one campaign with the same operation share one GraphQL execution "
        "per tick (`insights_live_executions`); what remains per subscriber is Strawberry's "
        "per-result handling, JSON encoding, permessage-deflate and the socket write.",
    ]
