"""3. Query overhead: requests/s of the dashboard query vs `{ __typename }` on one server.

Load generator: wrk (Debian's package; POST bodies through a small Lua script), one thread
and a fixed number of keep-alive connections, on the same 2-core machine as the server.
Without wrk, a Python httpx client with as many connections does the same (slower
generator; the report says which one ran).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.api import (
    AUTH,
    DASHBOARD_QUERY,
    TRIVIAL_QUERY,
    GraphQLClient,
    events_body,
    request_body,
    running_server,
    server_env,
)
from bench.config import Config
from bench.measure import Summary, fmt_ratio, percentile, ratio
from bench.procstat import CpuMeter
from bench.report import Row, Section
from bench.workload import batches, events_for, window_start

CONNECTIONS = 32
EVENTS = 10_000
_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = [==[{auth}]==]
wrk.body = [==[{body}]==]
"""


@dataclass
class LoadRun:
    rps: float
    p50: float  # seconds
    p99: float
    requests: int
    errors: int
    cpu: float


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _seconds(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _seconds(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in found.groups())
    return rps, p50, p99, requests, errors


def run_wrk(url: str, body: bytes, seconds: int, pid: int, workdir: Path) -> LoadRun:
    script = workdir / "post.lua"
    script.write_text(_LUA.format(auth=AUTH["Authorization"], body=body.decode()))
    cpu = CpuMeter(pid).start()
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-s", str(script), url],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    ).stdout  # fmt: skip
    used = cpu.percent()
    rps, p50, p99, requests, errors = parse_wrk(out)
    return LoadRun(rps, p50, p99, requests, errors, used)


async def run_httpx(url: str, body: bytes, seconds: int, pid: int) -> LoadRun:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    headers = {**AUTH, "Content-Type": "application/json"}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, content=body)
                    if response.status_code != 200:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        cpu = CpuMeter(pid).start()
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.monotonic() - started
        used = cpu.percent()
    return LoadRun(
        len(latencies) / elapsed,
        percentile(latencies, 50),
        percentile(latencies, 99),
        len(latencies),
        errors,
        used,
    )


async def run(cfg: Config) -> Section:
    section = Section("query_overhead", "3. Query overhead")
    generator = "wrk" if shutil.which("wrk") else "httpx"
    results: dict[str, list[LoadRun]] = {"trivial": [], "dashboard": []}
    with running_server(server_env()) as server, tempfile.TemporaryDirectory() as tmp:
        assert server.pid is not None
        async with GraphQLClient(server.url) as client:
            campaign = await client.create_campaign("query overhead", active=True)
            events = events_for(campaign, EVENTS, start=window_start(), tag="qo")
            for chunk in batches(events):
                await client.record(events_body(chunk))
            data = await client.call(DASHBOARD_QUERY, {"id": campaign})
            assert data["campaign"]["stats"]["delivery"]["sent"] > 0
            await client.call(TRIVIAL_QUERY)
        bodies = {
            "trivial": request_body(TRIVIAL_QUERY),
            "dashboard": request_body(DASHBOARD_QUERY, {"id": campaign}),
        }
        url = f"{server.url}/graphql"
        for attempt in range(cfg.wrk_runs):
            for name in ("trivial", "dashboard"):  # interleaved, so drift hits both alike
                if generator == "wrk":
                    load = run_wrk(url, bodies[name], cfg.wrk_seconds, server.pid, Path(tmp))
                else:
                    load = await run_httpx(url, bodies[name], cfg.wrk_seconds, server.pid)
                results[name].append(load)
                print(
                    f"  query_overhead {name} run {attempt + 1}: {load.rps:,.0f} req/s, "
                    f"latency p50 {load.p50 * 1000:.1f} ms p99 {load.p99 * 1000:.1f} ms, "
                    f"{load.errors} errors, server CPU {load.cpu:.0f}%",
                    flush=True,
                )
    trivial = Summary.of([r.rps for r in results["trivial"]])
    dash = Summary.of([r.rps for r in results["dashboard"]])
    share = ratio(dash.median, trivial.median)
    section.rows.append(
        Row(
            "query overhead",
            "dashboard req/s vs `{ __typename }` req/s (median of runs)",
            f"{dash.median:,.0f}/s",
            f"{trivial.median:,.0f}/s",
            share,
            ">= 0.50x (50%)",
            share >= 0.5,
            f"{share:.0%} of trivial, {'above' if share >= 0.5 else 'short of'} the goal by "
            f"{abs(share - 0.5) * 100:.0f} points",
        )
    )
    section.figures["dashboard_rps"] = dash.median
    section.figures["trivial_rps"] = trivial.median
    b = section.body
    b += [
        f"Load generator: **{generator}**"
        + (
            f" (`wrk -t1 -c{CONNECTIONS} -d{cfg.wrk_seconds}s --latency`, POST bodies from a "
            "Lua script)"
            if generator == "wrk"
            else f" not found; a Python httpx client with {CONNECTIONS} connections"
        )
        + f", against one `insights serve` process (memory://, one campaign of {EVENTS:,} "
        f"events over 2 days, so the trend has 48 HOUR buckets). {cfg.wrk_runs} runs of "
        f"each query, interleaved. Each request carries the API key and passes the rate "
        "limiter (set to 1,000,000/s) and the access log, like production traffic.",
        "",
        "| query | run | req/s | latency p50 | latency p99 | errors | server CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, runs in results.items():
        for i, r in enumerate(runs, 1):
            b.append(
                f"| {name} | {i} | {r.rps:,.0f} | {r.p50 * 1000:.1f} ms | {r.p99 * 1000:.1f} ms "
                f"| {r.errors} | {r.cpu:.0f}% |"
            )
    b += [
        "",
        f"Median req/s: trivial {trivial.median:,.0f}, dashboard {dash.median:,.0f} "
        f"(dashboard = {fmt_ratio(share)} of trivial). Latency percentiles are wrk's, "
        "per run. The server is one process on one core; the load generator shares the "
        "other core with everything else on the machine.",
    ]
    return section
