"""A load-generating client process for the fan-out benchmark (bench/fanout.py starts it).

    python -m bench.fanout_client subscribe --url ws://127.0.0.1:PORT/graphql --campaigns A,B \
        --count 2500 --offset 0 --key ik_...
    python -m bench.fanout_client poll --url http://127.0.0.1:PORT/graphql --campaigns A,B \
        --count 2500 --interval 2 --duration 10 --key ik_...

`subscribe` holds `count` graphql-transport-ws subscriptions (one per socket), prints
{"event": "ready", ...}, records tick-to-receipt lag (receipt wall clock minus the
payload's summary.asOf) between the lines "start" and "stop" on stdin, prints
{"event": "result", ...} and exits. `poll` is the baseline: `count` simulated dashboards
each posting the same fields as a query once per interval, for `duration` seconds.
Both only talk to loopback addresses and stop by themselves after --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import resource
import sys
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bench.api import LIVE_QUERY, LIVE_SUBSCRIPTION

CONNECT_CONCURRENCY = 64


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


class Subscribers:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.campaigns: list[str] = args.campaigns.split(",")
        self.measuring = False
        self.lags: list[float] = []
        self.payloads = 0
        self.receivers: set[int] = set()
        self.errors: list[str] = []
        self.connected = 0
        self.closed_early = 0

    async def one(self, index: int, gate: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect

        campaign = self.campaigns[(self.args.offset + index) % len(self.campaigns)]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.args.key}"}}
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": LIVE_SUBSCRIPTION, "variables": {"id": campaign}},
        }
        try:
            async with gate:
                ws = await connect(
                    self.args.url,
                    subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                    open_timeout=60,
                    close_timeout=1,
                    ping_interval=None,
                    max_queue=4,
                    compression=None if self.args.no_deflate else "deflate",
                )
                await ws.send(json.dumps(init))
                ack = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if ack.get("type") != "connection_ack":
                    raise RuntimeError(f"no ack: {ack}")
                await ws.send(json.dumps(subscribe))
                first_message = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if first_message.get("type") != "next" or first_message["payload"].get("errors"):
                    raise RuntimeError(f"first message: {str(first_message)[:200]}")
                self.connected += 1
            async with ws:
                async for raw in ws:
                    message = json.loads(raw)
                    kind = message.get("type")
                    if kind == "next":
                        if self.measuring:
                            received = time.time()
                            as_of = message["payload"]["data"]["insights"]["summary"]["asOf"]
                            self.lags.append(received - datetime.fromisoformat(as_of).timestamp())
                            self.payloads += 1
                            self.receivers.add(index)
                    elif kind == "ping":
                        await ws.send('{"type":"pong"}')
                    elif kind in ("error", "complete"):
                        self.errors.append(str(message)[:200])
                        return
            if self.measuring:
                self.closed_early += 1
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if len(self.errors) < 20:
                self.errors.append(f"{type(error).__name__}: {error}"[:200])
            else:
                self.errors.append("")

    async def run(self) -> None:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        started = time.monotonic()
        tasks = [asyncio.create_task(self.one(i, gate)) for i in range(self.args.count)]
        deadline = started + self.args.connect_seconds
        while time.monotonic() < deadline:
            if self.connected + len(self.errors) >= self.args.count:
                break
            await asyncio.sleep(0.1)
        _emit(
            {
                "event": "ready",
                "connected": self.connected,
                "failed": len(self.errors),
                "seconds": round(time.monotonic() - started, 2),
                "first_errors": [e for e in self.errors if e][:3],
            }
        )
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        cpu = 0.0
        wall = time.monotonic()
        while True:
            line = (await reader.readline()).decode().strip()
            if line == "start":
                self.lags.clear()
                self.payloads, self.receivers, self.closed_early = 0, set(), 0
                cpu, wall = _cpu(), time.monotonic()
                self.measuring = True
            elif line == "stop" or not line:
                self.measuring = False
                break
        used = (_cpu() - cpu) / max(1e-9, time.monotonic() - wall) * 100
        _emit(
            {
                "event": "result",
                "lags": [round(x, 4) for x in self.lags],
                "payloads": self.payloads,
                "receivers": len(self.receivers),
                "connected": self.connected,
                "errors": len(self.errors),
                "closed_early": self.closed_early,
                "cpu_percent": round(used, 1),
            }
        )
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 20)


async def poll(args: argparse.Namespace) -> None:
    """`count` dashboards due every `interval` s (random phase), served by `connections`
    workers in due order: when the server can't keep up, polls start late and fewer are
    served; latency is measured from each poll's due time (what a dashboard waits)."""
    import heapq

    import httpx

    campaigns = args.campaigns.split(",")
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    bodies = [json.dumps({"query": LIVE_QUERY, "variables": {"id": c}}).encode() for c in campaigns]
    started = time.monotonic()
    deadline = started + args.duration
    due = [(started + random.random() * args.interval, i) for i in range(args.count)]
    heapq.heapify(due)
    cpu = _cpu()
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=args.duration + 5) as http:

        async def worker() -> None:
            nonlocal errors
            while due:
                at, index = heapq.heappop(due)
                if at >= deadline:
                    return
                heapq.heappush(due, (at + args.interval, index))
                await asyncio.sleep(max(0.0, at - time.monotonic()))
                body = bodies[(args.offset + index) % len(bodies)]
                try:
                    response = await http.post(args.url, content=body)
                    ok = response.status_code == 200 and not response.json().get("errors")
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    errors += 1
                elif time.monotonic() <= deadline:
                    latencies.append(time.monotonic() - at)

        workers = [asyncio.create_task(worker()) for _ in range(args.connections)]
        await asyncio.wait(workers, timeout=args.duration + 2)
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    elapsed = min(time.monotonic(), deadline) - started
    _emit(
        {
            "event": "result",
            "polls": len(latencies),
            "errors": errors,
            "seconds": round(elapsed, 3),
            "latencies": [round(x, 4) for x in latencies],
            "cpu_percent": round((_cpu() - cpu) / max(1e-9, time.monotonic() - started) * 100, 1),
        }
    )


def _loopback(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        raise argparse.ArgumentTypeError(f"{url}: only loopback servers")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.fanout_client")
    parser.add_argument("mode", choices=["subscribe", "poll"])
    parser.add_argument("--url", type=_loopback, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--campaigns", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--connect-seconds", type=float, default=120)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--no-deflate", action="store_true", help="don't offer permessage-deflate")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    work = Subscribers(args).run() if args.mode == "subscribe" else poll(args)

    async def bounded() -> None:
        try:
            await asyncio.wait_for(work, args.max_seconds)
        except TimeoutError:
            _emit({"event": "timeout"})

    runner(bounded())


if __name__ == "__main__":
    main()
