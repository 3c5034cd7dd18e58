"""Live updates end to end: real server processes, real Redis, real clients."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import secrets
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from store import MemoryStore
from tests.conftest import Services
from tests.keys import auth
from tests.servers import ApiServer, CountingStore, in_process_server, read_metric
from tests.wsclient import Subscriber

INTERVAL = 0.5
SUBSCRIPTION = """
subscription Live($ids: [ID!]!) {
  insights(campaignIds: $ids) {
    summary { delivery { sent } asOf }
    comparison { campaign { id status } stats { delivery { sent } } }
    buttons { clicks }
    trend(granularity: HOUR) { sent }
  }
}
"""
CREATE = 'mutation($n: String!) { createCampaign(input: {name: $n, buttons: [{id: "b", text: "Go"}]}) { campaign { id } } }'
STATUS = "mutation($id: ID!, $s: CampaignStatus!) { changeCampaignStatus(id: $id, status: $s) { errors { message } } }"
RECORD = "mutation($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted rejected { message } } }"


def _post(base: str, query: str, **variables: Any) -> dict[str, Any]:
    body = httpx.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers=auth(), timeout=30
    ).json()
    assert not body.get("errors"), body
    return body["data"]  # type: ignore[no-any-return]


def _active_campaigns(base: str, count: int) -> list[str]:
    ids = []
    for i in range(count):
        campaign_id = _post(base, CREATE, n=f"Live {i}")["createCampaign"]["campaign"]["id"]
        _post(base, STATUS, id=campaign_id, s="ACTIVE")
        ids.append(campaign_id)
    return ids


def _send(base: str, campaign_ids: list[str], recipients: int = 1) -> None:
    events = [
        {
            "eventId": secrets.token_hex(8),
            "campaignId": campaign_id,
            "type": "SENT",
            "recipientId": secrets.token_hex(4),
            "occurredAt": "2026-12-01T10:00:00Z",
        }
        for campaign_id in campaign_ids
        for _ in range(recipients)
    ]
    result = _post(base, RECORD, e=events)["recordEvents"]
    assert result["accepted"] == len(events), result


def _sent_of(campaign_id: str, at_least: int):  # type: ignore[no-untyped-def]
    def check(data: dict[str, Any]) -> bool:
        rows = data.get("insights", {}).get("comparison", [])
        return any(
            r["campaign"]["id"] == campaign_id and r["stats"]["delivery"]["sent"] >= at_least
            for r in rows
        )

    return check


@pytest.fixture
def cluster(services: Services) -> Iterator[tuple[ApiServer, ApiServer]]:
    """Two API processes sharing the FerretDB-backed store and one Redis."""
    env = {
        "INSIGHTS_STORE_URL": services.mongodb_url.rstrip("/") + f"/live_{secrets.token_hex(4)}",
        "INSIGHTS_BROADCAST_URL": services.redis_url,
        "INSIGHTS_LIVE_INTERVAL": str(INTERVAL),
    }
    a, b = ApiServer(env), ApiServer(env)
    with a, b:
        yield a, b


@pytest.fixture
def single() -> Iterator[ApiServer]:
    """One API process on the embedded default (memory store, memory broadcast)."""
    with ApiServer({"INSIGHTS_LIVE_INTERVAL": "0.2"}) as server:
        yield server


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_both_protocols_work_with_the_gql_client(single: ApiServer, protocol: str) -> None:
    # given an active campaign and a gql client (a library we did not write)
    [campaign_id] = _active_campaigns(single.url, 1)
    transport = WebsocketsTransport(
        url=single.ws_url, subprotocols=[protocol], close_timeout=1, init_payload=auth()
    )
    received: list[int] = []

    # when we subscribe and send one event after the first payload
    async with Client(transport=transport) as session:
        request = gql(SUBSCRIPTION)
        request.variable_values = {"ids": [campaign_id]}
        stream = session.subscribe(request)
        async for result in stream:
            received.append(result["insights"]["summary"]["delivery"]["sent"])
            if len(received) == 1:
                await asyncio.to_thread(_send, single.url, [campaign_id])
            else:
                break

    # then the first payload came at once and the next one carries the event
    assert received == [0, 1]


async def test_an_event_through_one_process_reaches_a_subscriber_on_another(
    cluster: tuple[ApiServer, ApiServer],
) -> None:
    a, b = cluster
    [campaign_id] = _active_campaigns(a.url, 1)
    subscriber = await Subscriber(b.ws_url, SUBSCRIPTION, {"ids": [campaign_id]}).start()
    try:
        sent_at = time.monotonic()
        await asyncio.to_thread(_send, a.url, [campaign_id])
        await subscriber.wait_for(_sent_of(campaign_id, 1), timeout=INTERVAL + 1)
        lag = time.monotonic() - sent_at
        print(f"\nevent via process A seen by a subscriber on process B after {lag:.2f}s")
        assert lag <= INTERVAL + 1
    finally:
        await subscriber.close()


def _computed(*servers: ApiServer) -> float:
    return sum(s.metric("insights_live_snapshots_computed") for s in servers)


async def test_each_changed_campaign_is_computed_once_per_tick_cluster_wide(
    cluster: tuple[ApiServer, ApiServer],
) -> None:
    # given 10 active campaigns and 50 subscribers spread over both processes
    a, b = cluster
    campaign_ids = _active_campaigns(a.url, 10)
    paused = _active_campaigns(a.url, 1)[0]
    _post(a.url, STATUS, id=paused, s="PAUSED")
    await asyncio.sleep(3 * INTERVAL)  # let the status-change updates go out
    subscribers = [
        Subscriber(
            (a if i % 2 else b).ws_url,
            SUBSCRIPTION,
            {"ids": [campaign_ids[i % 10], campaign_ids[(i + 3) % 10], paused]},
        )
        for i in range(50)
    ]
    await asyncio.gather(*(s.start() for s in subscribers))
    try:
        for round_ in (1, 2):
            before = _computed(a, b)
            # when events change all 10 active campaigns (and the paused one)
            await asyncio.to_thread(_send, a.url, [*campaign_ids, paused], 3)
            await asyncio.gather(
                *(
                    s.wait_for(_sent_of(s.variables["ids"][0], 3 * round_), INTERVAL + 2)
                    for s in subscribers
                )
            )
            await asyncio.sleep(2 * INTERVAL)
            # then each active campaign's snapshot was computed once, not per process or subscriber
            assert _computed(a, b) - before == 10
    finally:
        await asyncio.gather(*(s.close() for s in subscribers))


async def test_a_campaign_that_completes_gets_one_final_update(single: ApiServer) -> None:
    [campaign_id] = _active_campaigns(single.url, 1)
    subscriber = await Subscriber(single.ws_url, SUBSCRIPTION, {"ids": [campaign_id]}).start()
    try:
        _post(single.url, STATUS, id=campaign_id, s="COMPLETED")
        await subscriber.wait_for(
            lambda d: d["insights"]["comparison"][0]["campaign"]["status"] == "COMPLETED", 3
        )
        count = len(subscriber.payloads)
        await asyncio.to_thread(_send, single.url, [campaign_id])  # a late receipt
        await asyncio.sleep(1.0)
        assert len(subscriber.payloads) == count
    finally:
        await subscriber.close()


async def test_subscribers_resume_after_redis_restarts(
    cluster: tuple[ApiServer, ApiServer], services: Services
) -> None:
    if services.redis is None:
        pytest.skip("INSIGHTS_TEST_REDIS_URL points at a Redis this test can't restart")
    a, b = cluster
    campaign_ids = _active_campaigns(a.url, 2)
    subscribers = [
        Subscriber(s.ws_url, SUBSCRIPTION, {"ids": [campaign_ids[i % 2]]})
        for i, s in enumerate([a, b, a, b, a, b])
    ]
    await asyncio.gather(*(s.start() for s in subscribers))
    try:
        # when redis-server dies mid-stream and comes back
        await asyncio.to_thread(services.redis.kill)
        await asyncio.sleep(2)
        await asyncio.to_thread(services.redis.start)
        back = time.monotonic()
        # then events sent after it is back reach every subscriber within 3 intervals
        await asyncio.to_thread(_send, a.url, campaign_ids)
        await asyncio.gather(
            *(s.wait_for(_sent_of(s.variables["ids"][0], 1), 3 * INTERVAL + 1) for s in subscribers)
        )
        took = time.monotonic() - back
        print(f"\nall subscribers updated {took:.2f}s after redis-server came back")
        assert took <= 3 * INTERVAL + 1
    finally:
        await asyncio.gather(*(s.close() for s in subscribers))


async def test_a_subscriber_that_stops_reading_does_not_grow_server_memory() -> None:
    import websockets

    with ApiServer({"INSIGHTS_LIVE_INTERVAL": "0.05"}) as server:
        [campaign_id] = _active_campaigns(server.url, 1)
        # given a client that subscribes and then never reads again
        ws = await websockets.connect(
            server.ws_url, subprotocols=["graphql-transport-ws"], max_queue=1
        )  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": auth()}))
        await ws.recv()
        query = SUBSCRIPTION.replace("trend(granularity: HOUR)", "trend(granularity: MINUTE)")
        subscribe = {"query": query, "variables": {"ids": [campaign_id]}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=auth()) as http:

            async def tick(n: int) -> None:
                events = [
                    {
                        "eventId": f"e{n}-{i}",
                        "campaignId": campaign_id,
                        "type": "SENT",
                        "recipientId": f"r{n}-{i}",
                        "occurredAt": f"2026-12-01T{n % 24:02d}:{i:02d}:00Z",
                    }
                    for i in range(10)
                ]
                response = await http.post(
                    "/graphql", json={"query": RECORD, "variables": {"e": events}}
                )
                assert response.status_code == 200
                await asyncio.sleep(0.05)

            for n in range(100):
                await tick(n)
            baseline = server.rss_bytes()
            # when 1,000 more ticks go by
            for n in range(100, 1100):
                await tick(n)
            grown = server.rss_bytes() - baseline
        with contextlib.suppress(Exception):
            await ws.close()
        print(f"\nserver RSS grew {grown / 2**20:.1f} MiB over 1,000 ticks with a stuck subscriber")
        # then memory stayed within a fixed bound (the data itself grows by 10,000 recipients)
        assert grown < 40 * 2**20


async def test_a_tick_reads_each_campaign_once_however_many_subscribers() -> None:
    store = CountingStore(MemoryStore())
    async with in_process_server(store, live_interval=0.3) as address:
        base = f"http://{address}"
        campaign_ids = await asyncio.to_thread(_active_campaigns, base, 3)
        subscribers = [
            Subscriber(f"ws://{address}/graphql", SUBSCRIPTION, {"ids": campaign_ids})
            for _ in range(20)
        ]
        await asyncio.gather(*(s.start() for s in subscribers))
        try:
            before = dict(store.calls)
            await asyncio.to_thread(_send, base, campaign_ids)
            await asyncio.gather(
                *(s.wait_for(_sent_of(campaign_ids[0], 1), 3) for s in subscribers)
            )
            await asyncio.sleep(0.1)
            delta = {k: v - before.get(k, 0) for k, v in store.calls.items()}
            # one read of the changed campaigns for the tick, one trend read shared by all 20
            assert delta.get("get_campaigns") == 1, delta
            assert delta.get("trend") == 1, delta
        finally:
            await asyncio.gather(*(s.close() for s in subscribers))


def test_python_is_the_venv() -> None:
    assert sys.prefix != sys.base_prefix


async def test_queries_over_one_websocket_read_afresh_each_time() -> None:
    import websockets

    store = MemoryStore()
    campaign = await store.create_campaign("default", "C", [], None)
    query = "query($i: ID!) { campaign(id: $i) { stats { delivery { sent } } } }"
    sent = []
    async with (
        in_process_server(store) as address,
        websockets.connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[list-item]
    ):
        await ws.send(json.dumps({"type": "connection_init", "payload": auth()}))
        await ws.recv()
        for n in range(2):
            payload = {"query": query, "variables": {"i": campaign.id}}
            await ws.send(json.dumps({"id": str(n), "type": "subscribe", "payload": payload}))
            while (message := json.loads(await ws.recv()))["type"] != "next":
                pass
            sent.append(message["payload"]["data"]["campaign"]["stats"]["delivery"]["sent"])
            await asyncio.to_thread(_send, f"http://{address}", [campaign.id])

    assert sent == [0, 1]


async def test_a_long_subscription_does_not_grow_graphql_memory_per_push() -> None:
    import tracemalloc

    def graphql_bytes() -> int:
        gc.collect()
        traces = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(True, "*/graphql/*")]
        )
        return sum(stat.size for stat in traces.statistics("filename"))

    tracemalloc.start()
    try:
        async with in_process_server(MemoryStore(), live_interval=0.05) as address:
            base = f"http://{address}"
            [campaign_id] = await asyncio.to_thread(_active_campaigns, base, 1)
            subscriber = await Subscriber(
                f"ws://{address}/graphql", SUBSCRIPTION, {"ids": [campaign_id]}
            ).start()
            try:

                async def push(sent: int) -> None:
                    await asyncio.to_thread(_send, base, [campaign_id])
                    await subscriber.wait_for(_sent_of(campaign_id, sent), 5)

                for sent in range(1, 51):
                    await push(sent)
                baseline = graphql_bytes()
                # when 300 more updates are pushed to the same subscription
                for sent in range(51, 351):
                    await push(sent)
                grown = graphql_bytes() - baseline
            finally:
                await subscriber.close()
    finally:
        tracemalloc.stop()
    print(f"\ngraphql-core's memory grew {grown / 1024:.1f} KiB over 300 pushes")
    # then graphql-core holds nothing per push (graphql-core 3.3's own memo kept ~2-5 KB each)
    assert not subscriber.errors
    assert grown < 64 * 1024


async def test_subscribers_with_the_same_operation_share_one_execution_per_tick() -> None:
    async with in_process_server(MemoryStore(), live_interval=0.3) as address:
        base = f"http://{address}"
        first, second = await asyncio.to_thread(_active_campaigns, base, 2)
        # given 10 subscribers to one campaign and 10 to both, all with the same document
        groups = {(first,): 10, (first, second): 10}
        subscribers = [
            Subscriber(f"ws://{address}/graphql", SUBSCRIPTION, {"ids": list(ids)})
            for ids, count in groups.items()
            for _ in range(count)
        ]
        await asyncio.gather(*(s.start() for s in subscribers))
        try:
            await asyncio.sleep(1.0)  # let the tick of the status changes go by
            before = {
                name: await asyncio.to_thread(read_metric, base, name)
                for name in ("insights_live_executions", "insights_live_updates_pushed")
            }
            # when one event changes the first campaign
            await asyncio.to_thread(_send, base, [first])
            await asyncio.gather(*(s.wait_for(_sent_of(first, 1), 3) for s in subscribers))
            await asyncio.sleep(0.1)
            delta = {
                name: await asyncio.to_thread(read_metric, base, name) - value
                for name, value in before.items()
            }
        finally:
            await asyncio.gather(*(s.close() for s in subscribers))
    # then every subscriber got its own selection's numbers, computed once per selection
    assert delta == {"insights_live_executions": 2, "insights_live_updates_pushed": 20}
    for subscriber in subscribers:
        _, data = subscriber.payloads[-1]
        ids = [row["campaign"]["id"] for row in data["insights"]["comparison"]]
        assert ids == subscriber.variables["ids"]
        assert data["insights"]["summary"]["delivery"]["sent"] == 1
        assert not subscriber.errors
