"""Schemathesis (a fuzzer nobody here wrote) generates queries and mutations from the
schema and sends them to a running server: no 5xx, every response a GraphQL response."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.keys import auth
from tests.servers import ApiServer

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api() -> Iterator[ApiServer]:
    with ApiServer({"INSIGHTS_LIVE_INTERVAL": "1"}) as server:
        # Some data, so generated queries reach real campaigns and numbers.
        create = 'mutation { createCampaign(input: {name: "Fuzz", buttons: [{id: "b", text: "Go"}]}) { campaign { id } } }'
        body = httpx.post(f"{server.url}/graphql", json={"query": create}, headers=auth()).json()
        campaign_id = body["data"]["createCampaign"]["campaign"]["id"]
        events = [
            {
                "eventId": f"f{i}",
                "campaignId": campaign_id,
                "type": "BUTTON_CLICKED",
                "recipientId": f"r{i}",
                "occurredAt": "2026-12-01T10:00:00Z",
                "buttonId": "b",
            }
            for i in range(5)
        ]
        record = "mutation($e: [CampaignEventInput!]!) { recordEvents(events: $e) { accepted } }"
        httpx.post(
            f"{server.url}/graphql",
            json={"query": record, "variables": {"e": events}},
            headers=auth(),
        )
        yield server


@pytest.fixture(scope="module")
def graphql_schema(api: ApiServer) -> Any:
    return schemathesis.graphql.from_url(f"{api.url}/graphql", headers=auth())


def _is_graphql_response(response: Any) -> None:
    body = response.json()
    assert isinstance(body, dict) and ("data" in body or "errors" in body), body
    for error in body.get("errors") or []:
        assert isinstance(error.get("message"), str)
        assert error.get("extensions", {}).get("code") != "INTERNAL_SERVER_ERROR", error


def _fuzz(operation: Any, tried: dict[str, int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call(headers=auth())
        assert response.status_code < 500, response.text
        _is_graphql_response(response)
        tried[operation.label] = tried.get(operation.label, 0) + 1

    run()


def test_generated_operations_never_break_the_server(graphql_schema: Any) -> None:
    # (Schemathesis's pytest plugin doesn't load under pytest 9, so its strategies are
    # driven by Hypothesis directly, one root field at a time.)
    tried: dict[str, int] = {}
    for result in graphql_schema.get_all_operations():
        _fuzz(result.ok(), tried)
    print(f"\nschemathesis cases per root field: {tried}")
    assert len(tried) >= 7  # campaigns, campaign, insights and the four mutations
