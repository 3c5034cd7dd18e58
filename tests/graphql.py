"""Speaking GraphQL to the app in tests: documents, event inputs and small readers of responses.

`client` is the httpx client of the `client` fixture (the app on the parametrised store).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from tests.factories import at

Json = dict[str, Any]

_event_ids = itertools.count(1)

STATS = """
    delivery { recipients sent delivered read failed }
    engagement {
      totalClicks uniqueClickers responders
      clickThroughRate uniqueClickThroughRate deliveryRate openRate clickRate responseRate
    }
    lastEventAt
    asOf
"""

CAMPAIGN_FIELDS = """
    id name status buttons { id text }
    createdAt updatedAt scheduledAt startedAt completedAt
"""

CREATE_CAMPAIGN = f"""
mutation Create($input: CreateCampaignInput!) {{
  createCampaign(input: $input) {{
    campaign {{ {CAMPAIGN_FIELDS} }}
    errors {{ field message code }}
  }}
}}
"""

CHANGE_STATUS = f"""
mutation Change($id: ID!, $status: CampaignStatus!) {{
  changeCampaignStatus(id: $id, status: $status) {{
    campaign {{ {CAMPAIGN_FIELDS} }}
    errors {{ field message code }}
  }}
}}
"""

RECORD_EVENTS = """
mutation Record($events: [CampaignEventInput!]!) {
  recordEvents(events: $events) {
    accepted
    duplicates
    rejected { index eventId code message }
  }
}
"""

CAMPAIGN_STATS = f"""
query Stats($id: ID!) {{
  campaign(id: $id) {{ stats {{ {STATS} }} }}
}}
"""


async def execute(client: httpx.AsyncClient, document: str, variables: Mapping[str, Any]) -> Json:
    """The whole response body; the HTTP status is 200 for every GraphQL response."""
    # ASCII-escaped JSON, so that tests can send any string, even unpaired surrogates.
    request = json.dumps({"query": document, "variables": variables}, ensure_ascii=True)
    response = await client.post(
        "/graphql", content=request, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


async def gql(client: httpx.AsyncClient, document: str, **variables: Any) -> Json:
    """`data` of a response that must have no errors."""
    body = await execute(client, document, variables)
    assert "errors" not in body, body["errors"]
    data: Json = body["data"]
    return data


async def gql_errors(client: httpx.AsyncClient, document: str, **variables: Any) -> list[Json]:
    """The top-level errors of a response that must have some."""
    body = await execute(client, document, variables)
    assert body.get("errors"), body
    errors: list[Json] = body["errors"]
    return errors


def codes(errors: Iterable[Json]) -> list[str | None]:
    """The `extensions.code` of each top-level error."""
    return [(error.get("extensions") or {}).get("code") for error in errors]


def assert_clear_error(errors: list[Json], code: str) -> Json:
    """Exactly one error, with `code`, and a message meant for people (not a masked 500)."""
    assert codes(errors) == [code], errors
    error = errors[0]
    assert "unexpected error" not in error["message"], error
    return error


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value!r} has no time zone"
    return moment


def event(
    campaign_id: str,
    kind: str,
    recipient: str,
    minutes: float = 0,
    *,
    event_id: str | None = None,
    button: str | None = None,
    label: str | None = None,
    sentiment: str | None = None,
) -> Json:
    """A CampaignEventInput, `minutes` after tests.factories.T0."""
    data: Json = {
        "eventId": event_id or f"gev-{next(_event_ids)}",
        "campaignId": campaign_id,
        "type": kind,
        "recipientId": recipient,
        "occurredAt": iso(at(minutes)),
    }
    if button is not None:
        data["buttonId"] = button
    if label is not None:
        data["label"] = label
    if sentiment is not None:
        data["sentiment"] = sentiment
    return data


async def create_campaign(
    client: httpx.AsyncClient,
    name: str = "Summer sale",
    buttons: Iterable[tuple[str, str]] = (("buy", "Buy"), ("later", "Later")),
    **fields: Any,
) -> Json:
    """A new campaign (buttons as (id, text) pairs); fails the test on user errors."""
    wanted = {"name": name, "buttons": [{"id": i, "text": t} for i, t in buttons], **fields}
    payload = (await gql(client, CREATE_CAMPAIGN, input=wanted))["createCampaign"]
    assert payload["errors"] == [], payload["errors"]
    campaign: Json = payload["campaign"]
    return campaign


async def change_status(client: httpx.AsyncClient, campaign_id: str, *statuses: str) -> Json:
    """Move a campaign through `statuses`; fails the test on user errors. The final payload."""
    payload: Json = {}
    for status in statuses:
        payload = (await gql(client, CHANGE_STATUS, id=campaign_id, status=status))[
            "changeCampaignStatus"
        ]
        assert payload["errors"] == [], payload["errors"]
    return payload


async def record_events(client: httpx.AsyncClient, events: list[Json]) -> Json:
    """The RecordEventsPayload of one recordEvents call."""
    payload: Json = (await gql(client, RECORD_EVENTS, events=events))["recordEvents"]
    return payload


async def record_all(client: httpx.AsyncClient, events: list[Json]) -> None:
    """Record events that must all be accepted."""
    payload = await record_events(client, events)
    assert payload["rejected"] == [], payload["rejected"]


async def stats_of(client: httpx.AsyncClient, campaign_id: str) -> Json:
    stats: Json = (await gql(client, CAMPAIGN_STATS, id=campaign_id))["campaign"]["stats"]
    return stats
