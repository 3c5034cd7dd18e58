from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.demo import seed_demo
from store import MemoryStore
from store.models import ButtonCount, CampaignRecord, CampaignStatus
from tests.services import REPO_ROOT, free_port

SCALE = 0.03  # about 2,900 recipients instead of 93,000: the same shape, fast

CAMPAIGNS = """
query Campaigns($statuses: [CampaignStatus!]) {
  campaigns(statuses: $statuses, first: 20) {
    totalCount
    edges { node { id name status stats { delivery { sent delivered read } } } }
  }
}
"""


def numbers(campaigns: tuple[CampaignRecord, ...]) -> dict[str, Any]:
    """Every count of every campaign by name, without the times (they follow the clock)."""
    return {
        c.name: (
            c.status,
            c.counters.recipients,
            c.counters.sent,
            c.counters.delivered,
            c.counters.read,
            c.counters.failed,
            c.counters.clicks,
            c.counters.clickers,
            c.counters.responders,
            {b.text: c.counters.buttons.get(b.id) for b in c.buttons},
            c.counters.labels,
            c.counters.sentiments,
        )
        for c in campaigns
    }


async def test_the_same_seed_gives_the_same_numbers() -> None:
    first = await seed_demo(MemoryStore(), seed=7, scale=SCALE)
    again = await seed_demo(MemoryStore(), seed=7, scale=SCALE)
    other = await seed_demo(MemoryStore(), seed=8, scale=SCALE)

    assert numbers(first.campaigns) == numbers(again.campaigns)
    assert first.events == again.events
    assert numbers(first.campaigns) != numbers(other.campaigns)


async def test_every_status_is_there_with_its_lifecycle_times() -> None:
    seeded = await seed_demo(MemoryStore(), seed=1, scale=SCALE)
    by_status = {c.status: c for c in seeded.campaigns}

    assert set(by_status) == set(CampaignStatus)
    assert sum(c.status is CampaignStatus.ACTIVE for c in seeded.campaigns) == 2
    for status in ("ACTIVE", "PAUSED", "COMPLETED", "CANCELLED"):
        assert by_status[CampaignStatus(status)].started_at is not None
    for status in ("COMPLETED", "CANCELLED"):
        assert by_status[CampaignStatus(status)].completed_at is not None
    assert by_status[CampaignStatus.SCHEDULED].scheduled_at is not None
    for status in ("DRAFT", "SCHEDULED", "PENDING"):
        assert by_status[CampaignStatus(status)].counters.recipients == 0


async def test_sent_campaigns_have_a_realistic_funnel_and_history() -> None:
    seeded = await seed_demo(MemoryStore(), seed=2, scale=SCALE)
    sent = [c for c in seeded.campaigns if c.counters.sent]

    assert len(sent) == 5
    for campaign in sent:
        counters = campaign.counters
        assert 0.95 <= counters.delivered / counters.sent <= 0.99
        assert 0.55 <= counters.read / counters.delivered <= 0.85
        assert counters.failed > 0
        assert counters.responders > 0 and counters.labels and counters.sentiments
        assert counters.first_event_at is not None and counters.last_event_at is not None
        assert (counters.last_event_at - counters.first_event_at).days >= 1


async def test_buttons_have_uneven_click_shares() -> None:
    seeded = await seed_demo(MemoryStore(), seed=3, scale=0.2)  # enough clicks to show shares

    for campaign in (c for c in seeded.campaigns if c.counters.clicks):
        shares = sorted(
            (
                campaign.counters.buttons.get(b.id, ButtonCount()).clicks / campaign.counters.clicks
                for b in campaign.buttons
            ),
            reverse=True,
        )
        assert shares[0] >= 0.4 and shares[0] - shares[-1] >= 0.25, (campaign.name, shares)


@dataclass
class DemoServer:
    url: str
    key: str
    stdout: list[str]


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    """`insights serve --demo` in a subprocess; its key comes from what it prints."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INSIGHTS_")}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--demo", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
        reader.start()
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90  # seeding takes ~10 s of CPU; CI machines are busy
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr.seek(0)
                    log = stderr.read().decode()[-3000:]
                    pytest.fail(f"serve --demo did not come up:\n{log}")
                time.sleep(0.1)
            yield DemoServer(url=url, key=_printed_key(lines), stdout=lines)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            reader.join(5)
            if process.stdout is not None:
                process.stdout.close()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def _printed_key(lines: list[str]) -> str:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in list(lines):
            if match := re.search(r"API key:\s+(ik_\S+)", line):
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no API key in the output:\n{''.join(lines)}")


async def query(server: DemoServer, document: str, **variables: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {server.key}"}) as http:
        response = await http.post(
            f"{server.url}/graphql", json={"query": document, "variables": variables}, timeout=10
        )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_serve_demo_answers_with_the_demo_campaigns(demo_server: DemoServer) -> None:
    data = await query(demo_server, CAMPAIGNS)

    nodes = [edge["node"] for edge in data["campaigns"]["edges"]]
    assert data["campaigns"]["totalCount"] == 8
    assert {node["status"] for node in nodes} == {s.value for s in CampaignStatus}
    assert "Black Friday 48h" in {node["name"] for node in nodes}
    assert max(node["stats"]["delivery"]["sent"] for node in nodes) >= 20_000
    printed = "".join(demo_server.stdout)
    assert f"{demo_server.url}/graphql" in printed and f"{demo_server.url}/dashboard" in printed


async def test_the_simulator_grows_the_active_campaigns(demo_server: DemoServer) -> None:
    async def sent() -> int:
        data = await query(demo_server, CAMPAIGNS, statuses=["ACTIVE"])
        return sum(e["node"]["stats"]["delivery"]["sent"] for e in data["campaigns"]["edges"])

    before = await sent()
    deadline = time.monotonic() + 15
    while (after := await sent()) <= before and time.monotonic() < deadline:
        await asyncio.sleep(0.5)

    assert after > before


async def test_simulate_sends_events_that_are_accepted(demo_server: DemoServer) -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "server.cli", "simulate", "--url", demo_server.url),
        *("--key", demo_server.key, "--rate", "40", "--duration", "3"),
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()

    assert process.returncode == 0, err.decode()
    summary = out.decode()
    accepted = re.search(r"accepted\s+([\d,]+)\s*$", summary, re.MULTILINE)
    assert accepted is not None, summary
    assert int(accepted.group(1).replace(",", "")) > 0
    assert re.search(r"errors\s+0\s*$", summary, re.MULTILINE), summary
