"""Soak: minutes of mixed load on one server process, checking memory, errors and update lag.

    scripts/soak [--minutes 10] [--subscribers 200] [--rate 100]

One `insights serve` process gets steady ingestion, `--subscribers` live subscriptions and
a trickle of dashboard queries. Its store is a FerretDB of its own (MongoDB wire protocol),
so the data lives outside the server process and the server's memory should stay flat;
with `--memory-store` the data grows inside the process (memory then grows with it). Passes when memory at the end is
within 10 % of memory after the first minute, no request or subscription failed, and the
update lag (tick time to receipt) of the last minute is no worse than 2x the first's.
Results go to bench/SOAK.md. Loopback only; every loop is bounded by --minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.keys import auth  # noqa: E402
from tests.servers import ApiServer  # noqa: E402
from tests.services import FerretDB  # noqa: E402
from tests.wsclient import Subscriber  # noqa: E402

DASHBOARD = """query($id: ID!) { insights(campaignIds: [$id]) {
  summary { delivery { sent delivered read } engagement { totalClicks clickThroughRate } }
  buttons { text clicks percentage } labels { label count } sentiments { sentiment count }
  trend(granularity: HOUR) { bucketStart sent clicks } } }"""
LIVE = "subscription($ids: [ID!]!) { insights(campaignIds: $ids) { summary { delivery { sent } asOf } } }"
RECORD = "mutation($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted rejected { message } } }"


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else 0.0


async def soak(
    minutes: float, subscribers: int, rate: int, memory_store: bool
) -> dict[str, object]:
    database = None if memory_store else FerretDB()
    env = {"INSIGHTS_LIVE_INTERVAL": "5"}
    if database is not None:
        database.start()
        env["INSIGHTS_STORE_URL"] = database.url + "soak"
    try:
        return await _soak(env, minutes, subscribers, rate)
    finally:
        if database is not None:
            database.close()


async def _soak(
    env: dict[str, str], minutes: float, subscribers: int, rate: int
) -> dict[str, object]:
    with ApiServer(env) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=auth(), timeout=30) as http:
            ids = []
            for i in range(5):
                create = f'mutation {{ createCampaign(input: {{name: "Soak {i}", buttons: [{{id: "b", text: "Go"}}]}}) {{ campaign {{ id }} }} }}'
                body = (await http.post("/graphql", json={"query": create})).json()
                ids.append(body["data"]["createCampaign"]["campaign"]["id"])
                status = "mutation($i: ID!) { changeCampaignStatus(id: $i, status: ACTIVE) { errors { code } } }"
                await http.post("/graphql", json={"query": status, "variables": {"i": ids[-1]}})
            clients = [
                Subscriber(server.ws_url, LIVE, {"ids": [ids[n % 5]]}) for n in range(subscribers)
            ]
            await asyncio.gather(*(c.start() for c in clients))
            errors = 0
            started = time.monotonic()
            end = started + minutes * 60
            rss_after_first_minute = None
            sent = 0

            async def ingest() -> None:
                nonlocal errors, sent
                while time.monotonic() < end:
                    now = datetime.now(UTC).isoformat()
                    events = [
                        {
                            "eventId": secrets.token_hex(8),
                            "campaignId": ids[n % 5],
                            "type": ("SENT", "READ", "BUTTON_CLICKED")[n % 3],
                            "recipientId": f"r{secrets.randbelow(20_000)}",
                            "occurredAt": now,
                            **({"buttonId": "b"} if n % 3 == 2 else {}),
                        }
                        for n in range(rate)
                    ]
                    response = await http.post(
                        "/graphql", json={"query": RECORD, "variables": {"e": events}}
                    )
                    if response.status_code != 200 or "errors" in response.json():
                        errors += 1
                    sent += len(events)
                    await asyncio.sleep(1)

            async def query() -> None:
                nonlocal errors
                while time.monotonic() < end:
                    response = await http.post(
                        "/graphql", json={"query": DASHBOARD, "variables": {"id": ids[0]}}
                    )
                    if response.status_code != 200 or "errors" in response.json():
                        errors += 1
                    await asyncio.sleep(0.2)

            async def sample() -> None:
                nonlocal rss_after_first_minute
                await asyncio.sleep(min(60, minutes * 60 / 2))
                rss_after_first_minute = server.rss_bytes()

            await asyncio.gather(ingest(), query(), sample())
            rss_end = server.rss_bytes()
            lags: list[tuple[float, float]] = []
            for client in clients:
                for received_at, data in client.payloads[1:]:
                    as_of = datetime.fromisoformat(data["insights"]["summary"]["asOf"])
                    wall = time.time() - (time.monotonic() - received_at)
                    lags.append((received_at - started, wall - as_of.timestamp()))
            subscription_errors = sum(len(c.errors) for c in clients)
            await asyncio.gather(*(c.close() for c in clients))
    window = min(60.0, minutes * 60 / 2)
    first = [lag for at, lag in lags if at < window]
    last = [lag for at, lag in lags if at >= minutes * 60 - window]
    assert rss_after_first_minute is not None
    return {
        "minutes": minutes,
        "subscribers": subscribers,
        "events_per_second": rate,
        "events_sent": sent,
        "request_errors": errors,
        "subscription_errors": subscription_errors,
        "rss_after_first_minute_mib": round(rss_after_first_minute / 2**20, 1),
        "rss_end_mib": round(rss_end / 2**20, 1),
        "rss_growth_percent": round((rss_end / rss_after_first_minute - 1) * 100, 1),
        "lag_first_minute_p50_s": round(statistics.median(first), 3) if first else None,
        "lag_first_minute_p99_s": round(p99(first), 3),
        "lag_last_minute_p50_s": round(statistics.median(last), 3) if last else None,
        "lag_last_minute_p99_s": round(p99(last), 3),
        "updates_received": len(lags),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=int, default=100, help="events per second")
    parser.add_argument("--memory-store", action="store_true", help="memory:// instead of FerretDB")
    args = parser.parse_args()
    result = asyncio.run(soak(args.minutes, args.subscribers, args.rate, args.memory_store))
    result["store"] = "memory://" if args.memory_store else "FerretDB (embedded, out of process)"
    passed = (
        result["request_errors"] == 0
        and result["subscription_errors"] == 0
        and abs(float(result["rss_growth_percent"])) <= 10  # type: ignore[arg-type]
        and float(result["lag_last_minute_p99_s"])
        <= 2 * max(float(result["lag_first_minute_p99_s"]), 0.25)  # type: ignore[arg-type]
    )
    result["passed"] = passed
    print(json.dumps(result, indent=2))
    report = ROOT / "bench" / "SOAK.md"
    report.write_text(
        f"# Soak run, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}; "
        f"one `insights serve` process, store {result['store']}, live interval 5 s; clients on the same machine.\n\n"
        "```json\n" + json.dumps(result, indent=2) + "\n```\n"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
