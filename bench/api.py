"""Talking to the API the way clients do: servers started with a bench key, GraphQL documents,
and a small HTTP client that sends `Authorization: Bearer <key>`."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from bench.workload import BUTTONS, event_json
from store.models import EventInput
from tests.servers import ApiServer

API_KEY = "ik_bench_" + secrets.token_urlsafe(33)
BENCH_WORKSPACE = "default"
KEYS_JSON = json.dumps(
    [
        {
            "key": API_KEY,
            "workspace": BENCH_WORKSPACE,
            "roles": ["viewer", "editor", "ingest"],
            "name": "bench",
        }
    ]
)
AUTH = {"Authorization": f"Bearer {API_KEY}"}

DASHBOARD_QUERY = """
query Dashboard($id: ID!) {
  campaign(id: $id) {
    stats {
      delivery { recipients sent delivered read failed }
      engagement {
        totalClicks uniqueClickers responders clickThroughRate uniqueClickThroughRate
        deliveryRate openRate clickRate responseRate
      }
      lastEventAt
    }
    buttonStats { buttonId text clicks uniqueClickers percentage }
    labels { label count percentage }
    sentiments { sentiment count percentage }
    trend(granularity: HOUR) { bucketStart sent delivered read failed clicks replies }
  }
}
"""

TRIVIAL_QUERY = "{ __typename }"

# What a live dashboard header shows; the polling baseline asks the same as a query.
LIVE_FIELDS = """
insights(campaignIds: [$id]) {
  summary {
    delivery { recipients sent delivered read failed }
    engagement { totalClicks uniqueClickers responders clickThroughRate openRate responseRate }
    lastEventAt asOf
  }
  buttons { buttonId clicks percentage }
  labels { label count }
  sentiments { sentiment count }
}
"""
LIVE_SUBSCRIPTION = "subscription Live($id: ID!) {" + LIVE_FIELDS + "}"
LIVE_QUERY = "query Poll($id: ID!) {" + LIVE_FIELDS + "}"

CREATE_CAMPAIGN = """
mutation Create($input: CreateCampaignInput!) {
  createCampaign(input: $input) { campaign { id } errors { code message } }
}
"""
CHANGE_STATUS = """
mutation Status($id: ID!, $status: CampaignStatus!) {
  changeCampaignStatus(id: $id, status: $status) { campaign { status } errors { code message } }
}
"""
RECORD_EVENTS = """
mutation Ingest($events: [CampaignEventInput!]!) {
  recordEvents(events: $events) { accepted duplicates rejected { index code message } }
}
"""


def server_env(
    *,
    store_url: str = "memory://",
    broadcast_url: str = "memory://",
    live_interval: float = 5.0,
    store_timeout: float = 5.0,
) -> dict[str, str]:
    return {
        "INSIGHTS_API_KEYS": KEYS_JSON,
        "INSIGHTS_RATE_LIMIT": "1000000",
        "INSIGHTS_RATE_BURST": "1000000",
        "INSIGHTS_STORE_URL": store_url,
        "INSIGHTS_BROADCAST_URL": broadcast_url,
        "INSIGHTS_LIVE_INTERVAL": str(live_interval),
        "INSIGHTS_STORE_TIMEOUT": str(store_timeout),
    }


@contextlib.contextmanager
def running_server(env: Mapping[str, str]) -> Iterator[ApiServer]:
    """`insights serve` on a free 127.0.0.1 port; stopped (and its temp dir removed) on exit."""
    server = ApiServer(env)
    try:
        server.start(timeout=60)
        yield server
    finally:
        server.close()


def request_body(query: str, variables: Mapping[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": dict(variables or {})}).encode()


def events_body(events: Sequence[EventInput]) -> bytes:
    return request_body(RECORD_EVENTS, {"events": [event_json(e) for e in events]})


class ApiError(RuntimeError):
    pass


class GraphQLClient:
    """One keep-alive connection to a server's /graphql, with the bench key."""

    def __init__(self, base_url: str, *, timeout: float = 120.0) -> None:
        self.endpoint = f"{base_url}/graphql"
        self._http = httpx.AsyncClient(
            headers={**AUTH, "Content-Type": "application/json"},
            timeout=timeout,
            limits=httpx.Limits(max_connections=4),
        )

    async def __aenter__(self) -> GraphQLClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def post(self, body: bytes) -> dict[str, Any]:
        response = await self._http.post(self.endpoint, content=body)
        if response.status_code != 200:
            raise ApiError(f"HTTP {response.status_code}: {response.text[:300]}")
        result: dict[str, Any] = response.json()
        if result.get("errors"):
            raise ApiError(f"GraphQL errors: {json.dumps(result['errors'])[:500]}")
        data: dict[str, Any] = result["data"]
        return data

    async def call(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await self.post(request_body(query, variables))

    async def create_campaign(self, name: str, *, active: bool = False) -> str:
        buttons = [{"id": b.id, "text": b.text} for b in BUTTONS]
        data = await self.call(CREATE_CAMPAIGN, {"input": {"name": name, "buttons": buttons}})
        payload = data["createCampaign"]
        if payload["errors"]:
            raise ApiError(f"createCampaign: {payload['errors']}")
        campaign_id: str = payload["campaign"]["id"]
        if active:
            data = await self.call(CHANGE_STATUS, {"id": campaign_id, "status": "ACTIVE"})
            if data["changeCampaignStatus"]["errors"]:
                raise ApiError(f"changeCampaignStatus: {data['changeCampaignStatus']['errors']}")
        return campaign_id

    async def record(self, body: bytes) -> dict[str, Any]:
        """Post a pre-encoded recordEvents body; raise when any event was rejected."""
        payload: dict[str, Any] = (await self.post(body))["recordEvents"]
        if payload["rejected"]:
            raise ApiError(f"recordEvents rejected: {payload['rejected'][:3]}")
        return payload


def histogram(base_url: str, name: str, timeout: float = 60) -> dict[float, float]:
    """Cumulative bucket counts (upper bound -> count) of a Prometheus histogram."""
    text = httpx.get(f"{base_url}/metrics", timeout=timeout).text
    buckets: dict[float, float] = {}
    prefix = f"{name}_bucket{{"
    for line in text.splitlines():
        if line.startswith(prefix) and 'le="' in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def histogram_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound of the bucket holding quantile q of the observations between two scrapes."""
    bounds = sorted(after)
    delta = [after[b] - before.get(b, 0.0) for b in bounds]
    if not delta or delta[-1] <= 0:
        return float("nan")
    for bound, count in zip(bounds, delta, strict=True):
        if count >= q * delta[-1]:
            return bound
    return float("inf")


def metrics(base_url: str, names: Sequence[str], timeout: float = 60) -> dict[str, float]:
    """Values of the named counters/gauges from /metrics (`_total` suffix optional); a busy
    server may take a while to answer."""
    text = httpx.get(f"{base_url}/metrics", timeout=timeout).text
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, _, value = line.rpartition(" ")
        for wanted in names:
            if name in (wanted, wanted + "_total"):
                found[wanted] = float(value)
    return found
