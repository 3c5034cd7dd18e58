"""2. Ingestion throughput: recordEvents over HTTP in batches of 1,000, and the store alone.

Baseline: one event per request (and, for the store alone, one event per call). Bodies
are encoded before the clock starts and sent one after another on one keep-alive
connection, so the figures are the server's. Where the time goes: a pyinstrument profile
of the store-alone ingestion on memory://, and on FerretDB the database commands' time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from pymongo import monitoring

from bench.api import (
    BENCH_WORKSPACE,
    RECORD_EVENTS,
    GraphQLClient,
    events_body,
    running_server,
    server_env,
)
from bench.config import Config
from bench.measure import Summary, fmt_num, fmt_ratio, ratio
from bench.procstat import CpuMeter
from bench.profiling import frames_table, inclusive_share, profile, top_frames
from bench.read_cost import PRINCIPAL
from bench.report import Row, Section
from bench.workload import BUTTONS, batches, event_json, events_for, window_start
from resolvers.context import InsightsContext
from schema import schema
from store import MemoryStore, MongoStore, Store
from store.models import EventInput

WINDOW = timedelta(hours=2)
MONGO_BUDGET = 120.0  # seconds per FerretDB phase; it slows down as collections grow


class Throughput:
    def __init__(self, label: str, events: int, seconds: float, per_call: list[float]) -> None:
        self.label, self.events, self.seconds = label, events, seconds
        self.per_call = Summary.of(per_call)
        self.cpu = float("nan")
        self.first_last = (per_call[0], per_call[-1]) if per_call else (0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else float("nan")

    def line(self) -> str:
        cpu = "" if self.cpu != self.cpu else f", server CPU {self.cpu:.0f}%"
        return (
            f"  ingest {self.label}: {self.events:,} events in {self.seconds:.1f} s = "
            f"{self.rate:,.0f} events/s; per call {self.per_call.ms()}{cpu}"
        )


class CommandTimes(monitoring.CommandListener):
    """Time per (command, collection) of the MongoDB client, while `active`."""

    def __init__(self) -> None:
        self.active = False
        self._started: dict[int, tuple[str, int]] = {}
        self.totals: dict[str, list[float]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active:
            target = event.command.get(event.command_name)
            statements = len(event.command.get("updates") or event.command.get("documents") or [])
            self._started[event.request_id] = (f"{event.command_name} {target}", statements)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        entry = self._started.pop(event.request_id, None)
        if entry is not None:
            total = self.totals.setdefault(entry[0], [0, 0, 0.0])
            total[0] += 1
            total[1] += entry[1]
            total[2] += event.duration_micros / 1e6

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._started.pop(event.request_id, None)


COMMANDS = CommandTimes()
monitoring.register(COMMANDS)


async def _http(
    client: GraphQLClient, label: str, bodies: Sequence[tuple[bytes, int]], budget: float
) -> Throughput:
    per_call: list[float] = []
    sent = 0
    started = time.perf_counter()
    for body, count in bodies:
        t0 = time.perf_counter()
        await client.record(body)
        per_call.append(time.perf_counter() - t0)
        sent += count
        if time.perf_counter() - started > budget:
            break
    return Throughput(label, sent, time.perf_counter() - started, per_call)


async def _store(
    store: Store, label: str, chunks: Sequence[Sequence[EventInput]], budget: float
) -> Throughput:
    per_call: list[float] = []
    done = 0
    started = time.perf_counter()
    for chunk in chunks:
        t0 = time.perf_counter()
        result = await store.record_events(BENCH_WORKSPACE, chunk)
        per_call.append(time.perf_counter() - t0)
        if result.rejected:
            raise RuntimeError(f"rejected: {result.rejected[:3]}")
        done += len(chunk)
        if time.perf_counter() - started > budget:
            break
    return Throughput(label, done, time.perf_counter() - started, per_call)


def _bodies(events: Sequence[EventInput], size: int) -> list[tuple[bytes, int]]:
    return [(events_body(chunk), len(chunk)) for chunk in batches(events, size)]


async def _over_http(
    base_url: str, pid: int, backend: str, batched: int, singles: int, budget: float
) -> tuple[Throughput, Throughput]:
    async with GraphQLClient(base_url) as client:
        campaign = await client.create_campaign(f"ingest {backend}")
        single_campaign = await client.create_campaign(f"ingest single {backend}")
        start = window_start()
        bodies = _bodies(events_for(campaign, batched, start=start, tag="hb", window=WINDOW), 1000)
        single_bodies = _bodies(
            events_for(single_campaign, singles, start=start, tag="hs", window=WINDOW), 1
        )
        cpu = CpuMeter(pid).start()
        batch = await _http(client, f"{backend} HTTP batches of 1,000", bodies, budget)
        batch.cpu = cpu.percent()
        cpu = CpuMeter(pid).start()
        single = await _http(client, f"{backend} HTTP one event/request", single_bodies, budget)
        single.cpu = cpu.percent()
    return batch, single


async def _store_alone(
    store: Store, backend: str, batched: int, singles: int, budget: float
) -> tuple[Throughput, Throughput]:
    start = window_start()
    campaign = await store.create_campaign(BENCH_WORKSPACE, "ingest store", BUTTONS, None)
    single_campaign = await store.create_campaign(BENCH_WORKSPACE, "ingest single", BUTTONS, None)
    events = events_for(campaign.id, batched, start=start, tag="sb", window=WINDOW)
    singles_ = events_for(single_campaign.id, singles, start=start, tag="ss", window=WINDOW)
    batch = await _store(
        store, f"{backend} store alone, batches of 1,000", list(batches(events)), budget
    )
    single = await _store(
        store, f"{backend} store alone, one event/call", list(batches(singles_, 1)), budget
    )
    return batch, single


async def run(cfg: Config) -> Section:
    section = Section("ingest", "2. Ingestion throughput")
    results: list[tuple[str, Throughput, Throughput]] = []

    with running_server(server_env()) as server:
        assert server.pid is not None
        batch, single = await _over_http(
            server.url, server.pid, "memory", cfg.ingest_events, cfg.single_event_requests, 600
        )
    results.append(("memory:// over HTTP", batch, single))
    batch, single = await _store_alone(
        MemoryStore(), "memory", cfg.ingest_events, cfg.single_event_requests, 600
    )
    results.append(("memory:// store alone", batch, single))
    for _, b, s in results:
        print(b.line(), s.line(), sep="\n", flush=True)

    # Where the time goes on memory://: the same store-alone ingestion under pyinstrument.
    profiled_store = MemoryStore()
    campaign = await profiled_store.create_campaign(BENCH_WORKSPACE, "profiled", BUTTONS, None)
    chunks = list(
        batches(
            events_for(
                campaign.id, cfg.ingest_events, start=window_start(), tag="pf", window=WINDOW
            )
        )
    )

    async def ingest_all() -> None:
        for chunk in chunks:
            await profiled_store.record_events(BENCH_WORKSPACE, chunk)

    profiler = await profile(ingest_all)
    frames, profiled_seconds = top_frames(profiler, 5)
    mutation = await _profile_mutation(cfg)

    mongo_notes: list[str] = []
    url = cfg.services.mongodb_url
    if url:
        mongo_batched = cfg.ingest_mongo_batches * 1000
        env = server_env(store_url=f"{url}bench_ingest_http", store_timeout=60)
        with running_server(env) as server:
            assert server.pid is not None
            batch, single = await _over_http(
                server.url,
                server.pid,
                "FerretDB",
                mongo_batched,
                cfg.single_event_requests_mongo,
                MONGO_BUDGET,
            )
        results.append(("FerretDB over HTTP", batch, single))
        store = MongoStore(url, timeout=60, database="bench_ingest_store")
        await store.create_indexes()
        COMMANDS.active = True
        try:
            batch, single = await _store_alone(
                store, "FerretDB", mongo_batched, cfg.single_event_requests_mongo, MONGO_BUDGET
            )
        finally:
            COMMANDS.active = False
            await store._client.drop_database("bench_ingest_store")
            await store.close()
        results.append(("FerretDB store alone", batch, single))
        for _, b, s in results[-2:]:
            print(b.line(), s.line(), sep="\n", flush=True)
        mongo_notes = _command_table()

    for label, batch, single in results:
        speedup = ratio(batch.rate, single.rate)
        section.rows.append(
            Row(
                "ingestion",
                f"events/s, {label}, batches of 1,000",
                f"{batch.rate:,.0f}/s",
                f"{single.rate:,.0f}/s (1 per {'request' if 'HTTP' in label else 'call'})",
                speedup,
                "-",
                None,
            )
        )
        key = label.split()[0].rstrip(":/").lower() + ("_http" if "HTTP" in label else "_store")
        section.figures[f"ingest_{key}"] = batch.rate
    _body(section, results, frames, profiled_seconds, mongo_notes, cfg)
    section.body += mutation
    return section


async def _profile_mutation(cfg: Config) -> list[str]:
    """The recordEvents mutation executed in-process (no HTTP) under pyinstrument."""
    store = MemoryStore()
    campaign = await store.create_campaign(BENCH_WORKSPACE, "mutation", BUTTONS, None)
    count = min(cfg.ingest_events, 20_000)
    variables = [
        {"events": [event_json(e) for e in chunk]}
        for chunk in batches(
            events_for(campaign.id, count, start=window_start(), tag="mu", window=WINDOW)
        )
    ]

    async def execute_all() -> None:
        for values in variables:
            context = InsightsContext(store=store, principal=PRINCIPAL)
            result = await schema.execute(
                RECORD_EVENTS, variable_values=values, context_value=context
            )
            if result.errors:
                raise RuntimeError(f"recordEvents failed: {result.errors}")

    profiler = await profile(execute_all)
    frames, seconds = top_frames(profiler, 5)
    in_store = inclusive_share(profiler, "record_events")
    print(
        f"  ingest mutation in-process: {count / seconds:,.0f} events/s, "
        f"{in_store:.0%} inside store.record_events",
        flush=True,
    )
    return [
        "",
        f"**Where the time goes on the HTTP path**: the `recordEvents` mutation executed "
        f"in-process with `schema.execute` (no HTTP), {count:,} events in batches of 1,000, "
        f"{seconds:.2f} s profiled ({count / seconds:,.0f} events/s under the profiler): "
        f"only {in_store:.0%} of it is inside `store.record_events`; the rest is GraphQL "
        "work on the 1,000 input objects (coercing variables, building the Strawberry "
        "inputs, converting them to `EventInput`). Top 5 frames by own time:",
        "",
        *frames_table(frames),
    ]


def _command_table() -> list[str]:
    rows = sorted(COMMANDS.totals.items(), key=lambda item: -item[1][2])[:8]
    total = sum(v[2] for v in COMMANDS.totals.values()) or 1e-9
    lines = [
        "| command collection | commands | statements | time | share of DB time |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {name} | {int(v[0]):,} | {int(v[1]):,} | {v[2]:.2f} s | {v[2] / total:.0%} |"
        for name, v in rows
    ]
    return lines


def _body(
    section: Section,
    results: list[tuple[str, Throughput, Throughput]],
    frames: list[Any],
    profiled_seconds: float,
    mongo_notes: list[str],
    cfg: Config,
) -> None:
    b = section.body
    b += [
        "Events of one campaign, ~3 per recipient, inside a 2-hour window, in the order a "
        "platform would report them (recipients in send order, each recipient's events "
        "together). HTTP: `recordEvents` posted to one `insights serve` process, bodies "
        "encoded before timing, one request at a time on one keep-alive connection "
        "(FerretDB is documented as not atomic under concurrent writers, and the memory "
        "store does the whole batch without awaiting, so concurrency would not add "
        "throughput on one process). Store alone: `store.record_events` in this process. "
        "Server CPU is the server process's CPU time over the phase (100% = one core).",
        "",
        "| what | events | events/s | per call median | per call p99 | first / last call | "
        "server CPU | baseline (1 event per call) events/s | batch / baseline |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, batch, single in results:
        cpu = "-" if batch.cpu != batch.cpu else f"{batch.cpu:.0f}%"
        b.append(
            f"| {label} | {batch.events:,} | {fmt_num(batch.rate)} | "
            f"{batch.per_call.median * 1000:,.1f} ms | {batch.per_call.p99 * 1000:,.1f} ms | "
            f"{batch.first_last[0] * 1000:,.0f} / {batch.first_last[1] * 1000:,.0f} ms | {cpu} | "
            f"{fmt_num(single.rate)} ({single.events:,} calls, median "
            f"{single.per_call.median * 1000:.2f} ms, p99 {single.per_call.p99 * 1000:.2f} ms) | "
            f"{fmt_ratio(ratio(batch.rate, single.rate))} |"
        )
    b += [
        "",
        f"Sizes: memory:// {cfg.ingest_events:,} events in batches and "
        f"{cfg.single_event_requests:,} single-event calls; FerretDB "
        f"{cfg.ingest_mongo_batches} batches ({cfg.ingest_mongo_batches * 1000:,} events) and "
        f"{cfg.single_event_requests_mongo:,} single-event calls, each phase on a fresh "
        f"database and stopped after {MONGO_BUDGET:.0f} s. FerretDB is not MongoDB.",
        "",
        f"**Where the time goes, memory:// store alone** (pyinstrument, "
        f"{cfg.ingest_events:,} events, {profiled_seconds:.2f} s profiled; top 5 frames by "
        "own time):",
        "",
        *frames_table(frames),
    ]
    if mongo_notes:
        b += [
            "",
            "**Where the time goes, FerretDB store alone**: time of the database commands "
            "(PyMongo command monitoring), by command and collection:",
            "",
            *mongo_notes,
        ]
