"""The recipients behind a campaign's numbers: state, engagement, filters and keyset pages."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.factories import at
from tests.graphql import (
    Json,
    assert_clear_error,
    create_campaign,
    event,
    gql,
    gql_errors,
    parse_time,
    record_all,
)

CONTACTS = """
query Contacts($id: ID!, $filter: ContactFilter, $first: Int! = 50, $after: String) {
  campaign(id: $id) {
    contacts(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        node { recipientId state clicks replied labels sentiment lastEventAt }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
    }
  }
}
"""

CAMPAIGN_CURSOR = """
query CampaignCursor { campaigns(first: 1) { edges { cursor } } }
"""


async def _contacts(client: httpx.AsyncClient, campaign_id: str, **arguments: object) -> Json:
    campaign = (await gql(client, CONTACTS, id=campaign_id, **arguments))["campaign"]
    connection: Json = campaign["contacts"]
    return connection


def _ids(connection: Json) -> list[str]:
    return [edge["node"]["recipientId"] for edge in connection["edges"]]


async def _campaign_with_contacts(client: httpx.AsyncClient) -> str:
    """Seven contacts with distinct latest interactions, and one recipient who isn't one."""
    c: str = (await create_campaign(client))["id"]
    await record_all(
        client,
        [
            # a: read, clicked, replied, labelled and with a sentiment; latest at 6
            event(c, "SENT", "a", 0),
            event(c, "DELIVERED", "a", 1),
            event(c, "READ", "a", 2),
            event(c, "BUTTON_CLICKED", "a", 3, button="buy"),
            event(c, "REPLIED", "a", 4),
            event(c, "LABEL_ADDED", "a", 5, label="vip"),
            event(c, "LABEL_ADDED", "a", 5, label="lead"),
            event(c, "LABEL_ADDED", "a", 5, label="old"),
            event(c, "LABEL_REMOVED", "a", 5.5, label="old"),
            event(c, "SENTIMENT_SET", "a", 6, sentiment="POSITIVE"),
            # b: delivered; latest at 7
            event(c, "SENT", "b", 1),
            event(c, "DELIVERED", "b", 7),
            # c: only sent; latest at 2
            event(c, "SENT", "c", 2),
            # d: sent, then failed; latest at 8
            event(c, "SENT", "d", 3),
            event(c, "FAILED", "d", 8),
            # e: failed without a sent; latest at 9
            event(c, "FAILED", "e", 9),
            # f: failed, but delivered later: not FAILED; latest at 10
            event(c, "SENT", "f", 4),
            event(c, "FAILED", "f", 5),
            event(c, "DELIVERED", "f", 10),
            # g: clicked twice (implies read) and no reply; NEGATIVE; latest at 11
            event(c, "BUTTON_CLICKED", "g", 10.5, button="buy"),
            event(c, "BUTTON_CLICKED", "g", 11, button="later"),
            event(c, "SENTIMENT_SET", "g", 10.5, sentiment="NEGATIVE"),
            # h: only a label, never messaged: no delivery state, so not a contact
            event(c, "LABEL_ADDED", "h", 12, label="vip"),
        ],
    )
    return c


async def test_contacts_newest_interaction_first_with_their_engagement(
    client: httpx.AsyncClient,
) -> None:
    c = await _campaign_with_contacts(client)

    connection = await _contacts(client, c)

    assert _ids(connection) == ["g", "f", "e", "d", "b", "a", "c"]
    assert connection["totalCount"] == 7
    nodes = {edge["node"]["recipientId"]: edge["node"] for edge in connection["edges"]}
    for node in nodes.values():
        node["lastEventAt"] = parse_time(node["lastEventAt"])
        node["labels"] = sorted(node["labels"])  # the contract gives them in no order
    assert nodes["a"] == {
        "recipientId": "a",
        "state": "READ",
        "clicks": 1,
        "replied": True,
        "labels": ["lead", "vip"],
        "sentiment": "POSITIVE",
        "lastEventAt": at(6),
    }
    assert nodes["g"] == {
        "recipientId": "g",
        "state": "READ",
        "clicks": 2,
        "replied": False,
        "labels": [],
        "sentiment": "NEGATIVE",
        "lastEventAt": at(11),
    }
    states = {recipient: node["state"] for recipient, node in nodes.items()}
    assert states == {
        "a": "READ",
        "b": "DELIVERED",
        "c": "SENT",
        "d": "FAILED",
        "e": "FAILED",
        "f": "DELIVERED",
        "g": "READ",
    }
    assert nodes["b"]["lastEventAt"] == at(7) and nodes["c"]["lastEventAt"] == at(2)
    assert all(nodes[r]["sentiment"] is None for r in "bcdef")
    assert all(nodes[r]["clicks"] == 0 and not nodes[r]["replied"] for r in "bcdef")


@pytest.mark.parametrize(
    ("contact_filter", "expected"),
    [
        pytest.param({}, ["g", "f", "e", "d", "b", "a", "c"], id="empty-filter"),
        pytest.param({"state": "READ"}, ["g", "a"], id="read"),
        pytest.param({"state": "DELIVERED"}, ["f", "b"], id="delivered"),
        pytest.param({"state": "SENT"}, ["c"], id="sent"),
        pytest.param({"state": "FAILED"}, ["e", "d"], id="failed"),
        pytest.param({"clicked": True}, ["g", "a"], id="clicked"),
        pytest.param({"clicked": False}, ["f", "e", "d", "b", "c"], id="not-clicked"),
        pytest.param({"replied": True}, ["a"], id="replied"),
        pytest.param({"replied": False}, ["g", "f", "e", "d", "b", "c"], id="not-replied"),
        pytest.param(
            {"state": "READ", "clicked": True, "replied": False}, ["g"], id="read-clicked-silent"
        ),
        pytest.param({"state": "READ", "replied": True}, ["a"], id="read-replied"),
        pytest.param({"state": "FAILED", "clicked": True}, [], id="failed-clicked"),
        pytest.param({"clicked": False, "replied": False}, ["f", "e", "d", "b", "c"], id="idle"),
    ],
)
async def test_contact_filters(
    client: httpx.AsyncClient, contact_filter: Json, expected: list[str]
) -> None:
    c = await _campaign_with_contacts(client)

    connection = await _contacts(client, c, filter=contact_filter)

    assert _ids(connection) == expected
    assert connection["totalCount"] == len(expected)


async def test_a_filtered_page_counts_every_match(client: httpx.AsyncClient) -> None:
    c = await _campaign_with_contacts(client)

    connection = await _contacts(client, c, filter={"clicked": False}, first=2)

    assert _ids(connection) == ["f", "e"]
    assert connection["totalCount"] == 5
    assert connection["pageInfo"]["hasNextPage"] is True


async def test_pagination_walks_every_contact_exactly_once(client: httpx.AsyncClient) -> None:
    # given: 12 contacts, three at a time sharing their latest interaction
    campaign = await create_campaign(client)
    c = campaign["id"]
    recipients = [f"r{i:02d}" for i in range(12)]
    await record_all(client, [event(c, "SENT", r, i // 3) for i, r in enumerate(recipients)])
    everything = await _contacts(client, c, first=100)
    cursor_of = {edge["node"]["recipientId"]: edge["cursor"] for edge in everything["edges"]}

    # when
    pages: list[Json] = []
    after = None
    while True:
        page = await _contacts(client, c, first=5, after=after)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10

    # then: newest first, ties by recipient id (descending), each contact once
    walked = [r for page in pages for r in _ids(page)]
    assert walked == sorted(recipients, key=lambda r: (int(r[1:]) // 3, r), reverse=True)
    assert walked == _ids(everything)
    assert [len(page["edges"]) for page in pages] == [5, 5, 2]
    assert [page["totalCount"] for page in pages] == [12, 12, 12]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        for edge in page["edges"]:
            assert edge["cursor"] == cursor_of[edge["node"]["recipientId"]]


async def test_pagination_with_a_filter(client: httpx.AsyncClient) -> None:
    c = await _campaign_with_contacts(client)

    first = await _contacts(client, c, filter={"replied": False}, first=4)
    second = await _contacts(
        client, c, filter={"replied": False}, first=4, after=first["pageInfo"]["endCursor"]
    )

    assert _ids(first) + _ids(second) == ["g", "f", "e", "d", "b", "c"]
    assert first["totalCount"] == second["totalCount"] == 6
    assert second["pageInfo"]["hasNextPage"] is False


async def test_a_campaign_without_events_has_no_contacts(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client)

    connection = await _contacts(client, campaign["id"])

    assert connection["edges"] == [] and connection["totalCount"] == 0
    assert connection["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_contacts_of_one_campaign_are_not_anothers(client: httpx.AsyncClient) -> None:
    c = await _campaign_with_contacts(client)
    other = await create_campaign(client, "other")
    await record_all(client, [event(other["id"], "SENT", "a", 100)])

    assert _ids(await _contacts(client, other["id"])) == ["a"]
    assert (await _contacts(client, c))["totalCount"] == 7


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        _b64(b"[1, 2"),
        _b64(json.dumps(["contact", "later", "a"]).encode()),
        _b64(json.dumps(["contact", 1, 2]).encode()),
    ],
)
async def test_a_bad_cursor_is_a_clear_error(client: httpx.AsyncClient, cursor: str) -> None:
    c = await _campaign_with_contacts(client)

    errors = await gql_errors(client, CONTACTS, id=c, after=cursor)

    error = assert_clear_error(errors, "INVALID_INPUT")
    assert error["path"] == ["campaign", "contacts"]
    assert "cursor" in error["message"]


async def test_a_campaign_cursor_is_not_a_contact_cursor(client: httpx.AsyncClient) -> None:
    c = await _campaign_with_contacts(client)
    campaign_cursor = (await gql(client, CAMPAIGN_CURSOR))["campaigns"]["edges"][0]["cursor"]

    errors = await gql_errors(client, CONTACTS, id=c, after=campaign_cursor)

    assert_clear_error(errors, "INVALID_INPUT")


@pytest.mark.parametrize("first", [0, 101])
async def test_contacts_page_size_outside_1_to_100_is_an_error(
    client: httpx.AsyncClient, first: int
) -> None:
    c = await _campaign_with_contacts(client)

    errors = await gql_errors(client, CONTACTS, id=c, first=first)

    assert_clear_error(errors, "INVALID_INPUT")
