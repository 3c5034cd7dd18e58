"""API keys, roles, workspace isolation, limits and hostile input."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import websockets

from server.app import create_app
from server.auth import CACHE_SECONDS
from store import MemoryStore, Store
from store.keys import ApiKey, Role, generate_key, hash_key, key_id_of
from tests.conftest import app_settings
from tests.keys import EDITOR_KEY, INGEST_KEY, OTHER_KEY, TEST_KEY, VIEWER_KEY, auth
from tests.servers import in_process_server

CREATE = 'mutation { createCampaign(input: {name: "Sale", buttons: [{id: "b", text: "Go"}]}) { campaign { id } errors { code } } }'
LIST = "{ campaigns { totalCount } }"
RECORD = "mutation($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted rejected { code } } }"


def _events(campaign_id: str, n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "eventId": f"sec-{campaign_id}-{i}",
            "campaignId": campaign_id,
            "type": "BUTTON_CLICKED",
            "recipientId": f"r{i}",
            "occurredAt": "2026-12-01T10:00:00Z",
            "buttonId": "b",
        }
        for i in range(n)
    ]


@pytest.fixture
async def app_client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no key of its own: each test says which key it sends."""
    app = create_app(app_settings(), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def _gql(
    http: httpx.AsyncClient, query: str, key: str | None = TEST_KEY, **variables: Any
) -> httpx.Response:
    headers = auth(key) if key else {}
    return await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def _campaign(http: httpx.AsyncClient) -> str:
    body = (await _gql(http, CREATE)).json()
    return str(body["data"]["createCampaign"]["campaign"]["id"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ik_unknown_" + "x" * 40},
        {"Authorization": "Basic abc"},
        {"Authorization": TEST_KEY},
    ],
)
async def test_a_missing_or_unknown_key_is_401_unauthenticated(
    app_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await app_client.post("/graphql", json={"query": LIST}, headers=headers)

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphiql_loads_without_a_key(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200 and "graphiql" in response.text.lower()


@pytest.mark.parametrize(
    ("key", "operation", "allowed"),
    [
        (VIEWER_KEY, "query", True),
        (VIEWER_KEY, "create", False),
        (VIEWER_KEY, "record", False),
        (EDITOR_KEY, "query", True),
        (EDITOR_KEY, "create", True),
        (EDITOR_KEY, "record", False),
        (INGEST_KEY, "query", False),
        (INGEST_KEY, "create", False),
        (INGEST_KEY, "record", True),
    ],
)
async def test_roles_decide_what_a_key_may_do(
    app_client: httpx.AsyncClient, key: str, operation: str, allowed: bool
) -> None:
    campaign_id = await _campaign(app_client)
    query, variables = {
        "query": (LIST, {}),
        "create": (CREATE, {}),
        "record": (RECORD, {"e": _events(campaign_id)}),
    }[operation]

    body = (await _gql(app_client, query, key, **variables)).json()

    if allowed:
        assert "errors" not in body, body
    else:
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        # nothing was executed
        totals = (
            await _gql(
                app_client,
                "{ campaigns { totalCount edges { node { stats { engagement { totalClicks } } } } } }",
            )
        ).json()
        assert totals["data"]["campaigns"]["totalCount"] == 1
        assert (
            totals["data"]["campaigns"]["edges"][0]["node"]["stats"]["engagement"]["totalClicks"]
            == 0
        )


async def test_a_mutation_mixing_roles_runs_nothing_without_both(
    app_client: httpx.AsyncClient,
) -> None:
    campaign_id = await _campaign(app_client)
    query = 'mutation($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted } createCampaign(input: {name: "X"}) { campaign { id } } }'

    body = (await _gql(app_client, query, INGEST_KEY, e=_events(campaign_id))).json()

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _gql(app_client, LIST)).json()["data"]["campaigns"]["totalCount"] == 1


ISOLATION_QUERIES = [
    ("campaign", "query($id: ID!) { campaign(id: $id) { id name stats { delivery { sent } } } }"),
    (
        "insights",
        "query($id: ID!) { insights(campaignIds: [$id]) { summary { delivery { sent } } } }",
    ),
    (
        "update",
        'mutation($id: ID!) { updateCampaign(id: $id, input: {name: "Mine"}) { campaign { id } errors { code } } }',
    ),
    (
        "status",
        "mutation($id: ID!) { changeCampaignStatus(id: $id, status: ACTIVE) { campaign { id } errors { code } } }",
    ),
]


async def test_another_workspace_sees_nothing_and_changes_nothing(
    app_client: httpx.AsyncClient,
) -> None:
    # given a campaign with events in workspace "default"
    campaign_id = await _campaign(app_client)
    await _gql(app_client, RECORD, e=_events(campaign_id, 5))

    # when a key of workspace "other" walks every root field and mutation with its id
    seen = {}
    for name, query in ISOLATION_QUERIES:
        seen[name] = (await _gql(app_client, query, OTHER_KEY, id=campaign_id)).json()
    listed = (
        await _gql(
            app_client,
            '{ campaigns(search: "sale") { totalCount edges { node { id } } } }',
            OTHER_KEY,
        )
    ).json()
    events = [{**e, "eventId": "other-" + e["eventId"]} for e in _events(campaign_id, 2)]
    recorded = (await _gql(app_client, RECORD, OTHER_KEY, e=events)).json()

    # then it behaves exactly like a missing id, and nothing leaked or changed
    assert seen["campaign"]["data"]["campaign"] is None
    assert seen["insights"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert seen["update"]["data"]["updateCampaign"] == {
        "campaign": None,
        "errors": [{"code": "NOT_FOUND"}],
    }
    assert seen["status"]["data"]["changeCampaignStatus"] == {
        "campaign": None,
        "errors": [{"code": "NOT_FOUND"}],
    }
    assert listed["data"]["campaigns"] == {"totalCount": 0, "edges": []}
    assert recorded["data"]["recordEvents"] == {
        "accepted": 0,
        "rejected": [{"code": "NOT_FOUND"}] * 2,
    }
    mine = (await _gql(app_client, ISOLATION_QUERIES[0][1], id=campaign_id)).json()["data"][
        "campaign"
    ]
    assert mine["name"] == "Sale" and mine["stats"]["delivery"]["sent"] == 5


async def test_body_size_aliases_and_tokens_are_limited(app_client: httpx.AsyncClient) -> None:
    huge = await app_client.post(
        "/graphql",
        content=b'{"query": "' + b"x" * (1024 * 1024 + 10) + b'"}',
        headers={**auth(), "Content-Type": "application/json"},
    )
    aliases = (
        await _gql(app_client, "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }")
    ).json()
    tokens = (await _gql(app_client, "{ " + "__typename " * 5001 + "}")).json()
    thirty = (
        await _gql(app_client, "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }")
    ).json()

    assert (
        huge.status_code == 413
        and huge.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    )
    for body in (aliases, tokens):
        assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED", body
    assert "errors" not in thirty


async def test_query_depth_is_limited(store: Store) -> None:
    # The contract's deepest path is 7 levels, under the default of 10: a lower limit shows
    # the mechanism.
    app = create_app(app_settings(max_depth=3), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        shallow = (await _gql(http, "{ campaigns { totalCount } }")).json()
        deep = (await _gql(http, "{ campaigns { edges { node { buttons { id } } } } }")).json()

    assert "errors" not in shallow
    assert deep["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "depth" in deep["errors"][0]["message"]


async def test_the_request_rate_per_key_is_limited_with_a_retry_hint(store: Store) -> None:
    app = create_app(app_settings(rate_limit=1.0, rate_burst=2), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        codes = [(await _gql(http, LIST)).status_code for _ in range(3)]
        limited = await _gql(http, LIST)
        other = await _gql(http, LIST, OTHER_KEY)

    assert codes[:2] == [200, 200]
    assert limited.status_code == 429
    assert limited.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert float(limited.headers["Retry-After"]) >= 1
    assert limited.json()["errors"][0]["extensions"]["retryAfter"] > 0
    assert other.status_code == 200  # buckets are per key


async def test_a_slow_body_times_out(store: Store) -> None:
    async with in_process_server(store, body_timeout=0.5) as address:
        host, port = address.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {TEST_KEY}\r\nContent-Length: 100\r\n\r\n".encode()
            + b'{"query":'
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 5)
        writer.close()

    assert b" 408 " in status


async def test_unexpected_errors_are_masked_with_an_id_that_is_logged(
    app_client: httpx.AsyncClient,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(store, "search_campaigns", broken)
    with caplog.at_level(logging.ERROR, logger="insights.errors"):
        body = (await _gql(app_client, LIST)).json()

    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "hunter2" not in json.dumps(body) and "RuntimeError" not in json.dumps(body)
    assert error["extensions"]["errorId"] in caplog.text and "hunter2" in caplog.text


async def test_keys_never_appear_in_logs(
    app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await _gql(app_client, LIST)
        await _gql(app_client, LIST, "ik_wrong_" + "z" * 40)

    assert TEST_KEY not in caplog.text and "ik_wrong_" not in caplog.text


async def test_introspection_can_be_turned_off(store: Store) -> None:
    app = create_app(app_settings(introspection=False), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        body = (await _gql(http, "{ __schema { queryType { name } } }")).json()
        plain = (await _gql(http, LIST)).json()

    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "errors" not in plain


async def test_cors_is_off_by_default_and_an_allow_list_when_set(store: Store) -> None:
    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    results = {}
    for origins in ((), ("https://app.example",)):
        app = create_app(app_settings(cors_origins=origins), store=store)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            response = await http.options("/graphql", headers=preflight)
            results[origins] = response.headers.get("access-control-allow-origin")

    assert results[()] is None
    assert results[("https://app.example",)] == "https://app.example"


HOSTILE = [
    ("a huge name", CREATE.replace('"Sale"', json.dumps("n" * 200_000))),
    ("wrong types", '{ campaigns(first: "twenty") { totalCount } }'),
    ("a bad cursor", '{ campaigns(after: "%%%not-a-cursor") { totalCount } }'),
    (
        "NaN as a DateTime",
        'mutation { createCampaign(input: {name: "x", scheduledAt: "NaN"}) { errors { code } } }',
    ),
    (
        "Infinity as a DateTime",
        'mutation { createCampaign(input: {name: "x", scheduledAt: "Infinity"}) { errors { code } } }',
    ),
    (
        "a year-10000 DateTime",
        'mutation { createCampaign(input: {name: "x", scheduledAt: "10000-01-01T00:00:00Z"}) { errors { code } } }',
    ),
    (
        "an unknown zone",
        '{ insights(campaignIds: ["x"]) { trend(timeZone: "../../etc/passwd") { sent } } }',
    ),
    ("first out of range", "{ campaigns(first: 2147483647) { totalCount } }"),
    ("an int overflow", "{ campaigns(first: 99999999999999999999) { totalCount } }"),
    ("a null byte", '{ campaigns(search: "a\\u0000b") { totalCount } }'),
    ("a lone surrogate", '{ campaigns(search: "\\ud800") { totalCount } }'),
]


@pytest.mark.parametrize(("what", "query"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_input_gets_a_clear_answer_not_a_crash(
    app_client: httpx.AsyncClient, what: str, query: str
) -> None:
    response = await _gql(app_client, query)

    assert response.status_code < 500, response.text
    body = response.json()
    assert "data" in body or "errors" in body
    for error in body.get("errors") or []:
        assert error["extensions"].get("code") != "INTERNAL_SERVER_ERROR", (what, error)


async def test_far_future_and_ancient_events_are_rejected(app_client: httpx.AsyncClient) -> None:
    campaign_id = await _campaign(app_client)
    events = _events(campaign_id, 3)
    events[0]["occurredAt"] = "9999-12-31T23:59:59Z"
    events[1]["occurredAt"] = "1970-01-01T00:00:00Z"

    body = (await _gql(app_client, RECORD, e=events)).json()

    assert body["data"]["recordEvents"] == {
        "accepted": 1,
        "rejected": [{"code": "INVALID_INPUT"}] * 2,
    }


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe not utf-8", b'{"query": ', b"[]", b'{"query": 5}', b"null"]
)
async def test_a_malformed_body_is_a_client_error(
    app_client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await app_client.post(
        "/graphql", content=raw, headers={**auth(), "Content-Type": "application/json"}
    )

    assert 400 <= response.status_code < 500


async def test_ten_thousand_events_in_one_call_is_a_limit_error(
    app_client: httpx.AsyncClient,
) -> None:
    campaign_id = await _campaign(app_client)
    events = [
        {
            "eventId": str(i),
            "campaignId": campaign_id,
            "type": "SENT",
            "recipientId": str(i),
            "occurredAt": "2026-12-01T10:00:00Z",
        }
        for i in range(10_000)
    ]

    response = await _gql(app_client, RECORD, e=events)

    assert response.status_code in (200, 413)
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


# WebSockets


async def _ws_connect(address: str, payload: dict[str, Any] | None) -> Any:
    ws = await websockets.connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    if payload is not None:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def _close_code(ws: Any, timeout: float = 5) -> int | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), timeout)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@pytest.mark.parametrize(
    "payload",
    [{}, {"Authorization": "Bearer ik_nope_" + "n" * 40}, {"authorization": VIEWER_KEY}],
)
async def test_a_websocket_with_a_bad_key_is_closed_4403(payload: dict[str, str]) -> None:
    async with in_process_server(MemoryStore()) as address:
        ws = await _ws_connect(address, payload)
        assert await _close_code(ws) == 4403


async def test_the_websocket_key_header_name_is_case_insensitive() -> None:
    async with in_process_server(MemoryStore()) as address:
        ws = await _ws_connect(address, {"AUTHORIZATION": f"Bearer {VIEWER_KEY}"})
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.close()


async def test_a_websocket_without_connection_init_is_closed_4408() -> None:
    async with in_process_server(MemoryStore(), ws_init_timeout=0.3) as address:
        ws = await _ws_connect(address, None)
        assert await _close_code(ws) == 4408


async def test_a_revoked_keys_sockets_are_closed_within_one_interval() -> None:
    store = MemoryStore()
    key = generate_key()
    record = ApiKey(
        key_id_of(hash_key(key)),
        hash_key(key),
        "default",
        frozenset({Role.VIEWER}),
        "temp",
        datetime.now(UTC),
    )
    await store.create_api_key(record)
    async with in_process_server(store, live_interval=0.3) as address:
        ws = await _ws_connect(address, {"Authorization": f"Bearer {key}"})
        assert json.loads(await ws.recv())["type"] == "connection_ack"

        await store.revoke_api_key(record.key_id)

        assert await _close_code(ws, timeout=2 * 0.3 + 1) == 4403
        await asyncio.sleep(CACHE_SECONDS)  # HTTP lookups are cached this long
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"http://{address}/graphql", json={"query": LIST}, headers=auth(key)
            )
        assert response.status_code == 401


async def test_at_most_twenty_subscriptions_per_socket() -> None:
    store = MemoryStore()
    campaign = await store.create_campaign("default", "C", [], None)
    async with in_process_server(store) as address:
        ws = await _ws_connect(address, auth())
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        query = "subscription($i: [ID!]!) { insights(campaignIds: $i) { isSingleCampaign } }"
        for n in range(21):
            await ws.send(
                json.dumps(
                    {
                        "id": str(n),
                        "type": "subscribe",
                        "payload": {"query": query, "variables": {"i": [campaign.id]}},
                    }
                )
            )
        messages = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(21)]
        await ws.close()

    errors = [m for m in messages if m["type"] == "error"]
    assert len(errors) == 1 and errors[0]["id"] == "20"
    assert "limit" in json.dumps(errors[0]["payload"]).lower()
