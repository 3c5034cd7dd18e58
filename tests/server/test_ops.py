"""Operators' endpoints: health, readiness, metrics, and request logs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.keys import auth
from tests.servers import ApiServer
from tests.services import FerretDB


def _ready(server: ApiServer) -> httpx.Response:
    return httpx.get(f"{server.url}/readyz", timeout=10)


@pytest.fixture
def own_database() -> Iterator[FerretDB]:
    """A FerretDB of this test's own, so stopping it disturbs no other test."""
    database = FerretDB()
    database.start()
    yield database
    database.close()


def test_readyz_turns_503_while_the_store_is_down_and_200_when_it_returns(
    own_database: FerretDB,
) -> None:
    env = {"INSIGHTS_STORE_URL": own_database.url + "ops", "INSIGHTS_STORE_TIMEOUT": "1"}
    with ApiServer(env) as server:
        assert _ready(server).status_code == 200

        own_database.stop()
        down = _ready(server)
        healthy = httpx.get(f"{server.url}/healthz", timeout=5)
        own_database.start()
        deadline = time.monotonic() + 15
        while _ready(server).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        back = _ready(server)

    assert down.status_code == 503 and down.json()["down"] == ["store"]
    assert healthy.status_code == 200  # alive, just not ready
    assert back.status_code == 200


def test_metrics_count_operations_events_and_errors() -> None:
    with ApiServer({}) as server:
        create = 'mutation Create { createCampaign(input: {name: "M", buttons: [{id: "b", text: "Go"}]}) { campaign { id } } }'
        body = httpx.post(
            f"{server.url}/graphql",
            json={"query": create, "operationName": "Create"},
            headers=auth(),
        ).json()
        campaign_id = body["data"]["createCampaign"]["campaign"]["id"]
        events = [
            {
                "eventId": "m1",
                "campaignId": campaign_id,
                "type": "SENT",
                "recipientId": "r",
                "occurredAt": "2026-12-01T10:00:00Z",
            },
            {
                "eventId": "m1",
                "campaignId": campaign_id,
                "type": "SENT",
                "recipientId": "r",
                "occurredAt": "2026-12-01T10:00:00Z",
            },
            {
                "eventId": "m2",
                "campaignId": "nope",
                "type": "SENT",
                "recipientId": "r",
                "occurredAt": "2026-12-01T10:00:00Z",
            },
        ]
        record = (
            "mutation Ingest($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted } }"
        )
        httpx.post(
            f"{server.url}/graphql",
            json={"query": record, "variables": {"e": events}},
            headers=auth(),
        )
        httpx.post(
            f"{server.url}/graphql",
            json={"query": 'query Bad { insights(campaignIds: ["x"]) { isSingleCampaign } }'},
            headers=auth(),
        )
        text = httpx.get(f"{server.url}/metrics").text
        _wait_for_log(server, lambda line: "mutation Ingest" in line)
        log = server.stderr_path.read_text()

    assert (
        'insights_graphql_requests_total{operation="Create",outcome="ok",type="mutation"} 1.0'
        in text
    )
    assert 'insights_events_total{result="accepted"} 1.0' in text
    assert 'insights_events_total{result="duplicate"} 1.0' in text
    assert 'insights_events_total{result="rejected"} 1.0' in text
    assert 'insights_graphql_errors_total{code="NOT_FOUND"} 1.0' in text
    assert "insights_live_subscribers 0.0" in text and "insights_live_ticks_total" in text
    assert "insights_graphql_request_seconds_bucket" in text
    assert "POST /graphql 200" in log and "mutation Ingest" in log


def _wait_for_log(server: ApiServer, wanted: object) -> str:
    """The first log line matching `wanted` (logs are written just after the response)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for line in server.stderr_path.read_text().splitlines():
            if wanted(line):  # type: ignore[operator]
                return line
        time.sleep(0.05)
    raise AssertionError("no such log line")


def test_logs_can_be_json() -> None:
    with ApiServer({"INSIGHTS_LOG_FORMAT": "json"}) as server:
        httpx.post(
            f"{server.url}/graphql",
            json={"query": "query Q { campaigns { totalCount } }"},
            headers=auth(),
        )
        access = _wait_for_log(server, lambda line: '"operation": "query Q"' in line)

    entry = json.loads(access)
    assert (
        entry["logger"] == "insights.access"
        and entry["status"] == 200
        and entry["path"] == "/graphql"
    )


async def test_a_shutdown_after_subscribers_left_is_clean() -> None:
    from tests.wsclient import Subscriber

    query = "subscription($i: [ID!]!) { insights(campaignIds: $i) { isSingleCampaign } }"
    create = 'mutation { createCampaign(input: {name: "Gone"}) { campaign { id } } }'
    with ApiServer({}) as server:
        body = httpx.post(f"{server.url}/graphql", json={"query": create}, headers=auth()).json()
        campaign_id = body["data"]["createCampaign"]["campaign"]["id"]
        # given subscribers that came and went (their sockets are still registered)
        for _ in range(3):
            subscriber = await Subscriber(server.ws_url, query, {"i": [campaign_id]}).start()
            await subscriber.close()
        # when the server is asked to stop
        server.stop()
        log = server.stderr_path.read_text()

    # then closing the sockets of clients that already left fails nothing
    assert "Traceback" not in log, log
    assert "shutdown failed" not in log, log
