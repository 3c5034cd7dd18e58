"""Campaign mutations, lookups and search over GraphQL, on every store backend."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime

import httpx
import pytest

from store import Store
from tests.graphql import (
    CAMPAIGN_FIELDS,
    CHANGE_STATUS,
    CREATE_CAMPAIGN,
    Json,
    assert_clear_error,
    change_status,
    create_campaign,
    event,
    gql,
    gql_errors,
    parse_time,
    record_all,
)

UPDATE_CAMPAIGN = f"""
mutation Update($id: ID!, $input: UpdateCampaignInput!) {{
  updateCampaign(id: $id, input: $input) {{
    campaign {{ {CAMPAIGN_FIELDS} }}
    errors {{ field message code }}
  }}
}}
"""

CAMPAIGN = f"""
query One($id: ID!) {{
  campaign(id: $id) {{ {CAMPAIGN_FIELDS} buttonStats {{ buttonId text clicks }} }}
}}
"""

SEARCH = """
query Search($search: String, $statuses: [CampaignStatus!], $first: Int! = 20, $after: String) {
  campaigns(search: $search, statuses: $statuses, first: $first, after: $after) {
    edges { cursor node { id name status createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""

CONTACT_CURSOR = """
query ContactCursor($id: ID!) {
  campaign(id: $id) { contacts(first: 1) { edges { cursor } } }
}
"""

STATUSES = ["DRAFT", "SCHEDULED", "PENDING", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED"]
ALLOWED = {
    "DRAFT": {"SCHEDULED", "PENDING", "ACTIVE", "CANCELLED"},
    "SCHEDULED": {"PENDING", "ACTIVE", "CANCELLED"},
    "PENDING": {"ACTIVE", "CANCELLED"},
    "ACTIVE": {"PAUSED", "COMPLETED", "CANCELLED"},
    "PAUSED": {"ACTIVE", "COMPLETED", "CANCELLED"},
    "COMPLETED": set(),
    "CANCELLED": set(),
}
# How a new (DRAFT) campaign gets to each status.
PATH_TO = {
    "DRAFT": [],
    "SCHEDULED": ["SCHEDULED"],
    "PENDING": ["PENDING"],
    "ACTIVE": ["ACTIVE"],
    "PAUSED": ["ACTIVE", "PAUSED"],
    "COMPLETED": ["ACTIVE", "COMPLETED"],
    "CANCELLED": ["CANCELLED"],
}


async def _create(client: httpx.AsyncClient, **input: object) -> Json:
    payload: Json = (await gql(client, CREATE_CAMPAIGN, input=input))["createCampaign"]
    return payload


async def _update(client: httpx.AsyncClient, campaign_id: str, **input: object) -> Json:
    payload: Json = (await gql(client, UPDATE_CAMPAIGN, id=campaign_id, input=input))[
        "updateCampaign"
    ]
    return payload


async def _campaign(client: httpx.AsyncClient, campaign_id: str) -> Json | None:
    found: Json | None = (await gql(client, CAMPAIGN, id=campaign_id))["campaign"]
    return found


async def _search(client: httpx.AsyncClient, **arguments: object) -> Json:
    connection: Json = (await gql(client, SEARCH, **arguments))["campaigns"]
    return connection


def _names(connection: Json) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


async def _create_in_order(client: httpx.AsyncClient, *names: str) -> list[Json]:
    """Campaigns created one after another, a few milliseconds apart (so newest is clear)."""
    created = []
    for name in names:
        created.append(await create_campaign(client, name))
        await asyncio.sleep(0.003)
    return created


# createCampaign


async def test_create_campaign_trims_the_name_and_starts_as_draft(
    client: httpx.AsyncClient,
) -> None:
    before = datetime.now(UTC)

    payload = await _create(
        client, name="  Summer sale \t", scheduledAt="2026-12-24T10:00:00+05:30"
    )

    assert payload["errors"] == []
    campaign = payload["campaign"]
    assert campaign["name"] == "Summer sale"
    assert campaign["status"] == "DRAFT"
    assert campaign["buttons"] == []
    assert parse_time(campaign["scheduledAt"]) == datetime(2026, 12, 24, 4, 30, tzinfo=UTC)
    assert campaign["startedAt"] is None and campaign["completedAt"] is None
    created = parse_time(campaign["createdAt"])
    assert before.replace(microsecond=0) <= created <= datetime.now(UTC)
    assert parse_time(campaign["updatedAt"]) == created
    assert await _campaign(client, campaign["id"]) == {**campaign, "buttonStats": []}


async def test_create_campaign_generates_missing_button_ids_and_keeps_given_ones(
    client: httpx.AsyncClient,
) -> None:
    payload = await _create(
        client,
        name="Buttons",
        buttons=[{"text": "Buy"}, {"id": "later", "text": "Later"}, {"text": "Info"}],
    )

    assert payload["errors"] == []
    buttons = payload["campaign"]["buttons"]
    assert [b["text"] for b in buttons] == ["Buy", "Later", "Info"]
    assert buttons[1]["id"] == "later"
    generated = [buttons[0]["id"], buttons[2]["id"]]
    assert all(generated) and len(set(generated)) == 2 and "later" not in generated
    stored = await _campaign(client, payload["campaign"]["id"])
    assert stored is not None and stored["buttons"] == buttons


async def test_create_campaign_accepts_the_limits(client: httpx.AsyncClient) -> None:
    payload = await _create(
        client,
        name="n" * 200,
        buttons=[{"id": f"b{i}", "text": "t" * 25} for i in range(10)],
    )

    assert payload["errors"] == []
    assert len(payload["campaign"]["name"]) == 200
    assert len(payload["campaign"]["buttons"]) == 10


@pytest.mark.parametrize(
    ("input", "field"),
    [
        pytest.param({"name": ""}, ["input", "name"], id="empty-name"),
        pytest.param({"name": "  \t "}, ["input", "name"], id="blank-name"),
        pytest.param({"name": "n" * 201}, ["input", "name"], id="201-char-name"),
        pytest.param(
            {"name": "x", "buttons": [{"text": f"b{i}"} for i in range(11)]},
            ["input", "buttons"],
            id="11-buttons",
        ),
        pytest.param(
            {"name": "x", "buttons": [{"text": "ok"}, {"text": "t" * 26}]},
            ["input", "buttons", "1", "text"],
            id="26-char-button-text",
        ),
        pytest.param(
            {"name": "x", "buttons": [{"text": " "}]},
            ["input", "buttons", "0", "text"],
            id="blank-button-text",
        ),
        pytest.param(
            {"name": "x", "buttons": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]},
            ["input", "buttons", "1", "id"],
            id="duplicate-button-ids",
        ),
        pytest.param(
            {"name": "x", "buttons": [{"id": "", "text": "A"}]},
            ["input", "buttons", "0", "id"],
            id="empty-button-id",
        ),
        pytest.param(
            {"name": "x", "buttons": [{"id": "b" * 129, "text": "A"}]},
            ["input", "buttons", "0", "id"],
            id="129-char-button-id",
        ),
    ],
)
async def test_create_campaign_reports_bad_input_as_a_user_error(
    client: httpx.AsyncClient, input: Json, field: list[str]
) -> None:
    payload = await _create(client, **input)

    assert payload["campaign"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "INVALID_INPUT")]
    assert payload["errors"][0]["message"]
    assert (await _search(client))["totalCount"] == 0


@pytest.mark.parametrize("mutation", ["create", "update"])
@pytest.mark.parametrize("scheduled_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
async def test_a_scheduled_time_beyond_the_calendar_is_a_user_error(
    client: httpx.AsyncClient, mutation: str, scheduled_at: str
) -> None:
    # In UTC these times fall outside the years 1 to 9999 that a datetime can hold.
    if mutation == "create":
        payload = await _create(client, name="x", scheduledAt=scheduled_at)
    else:
        campaign = await create_campaign(client)
        payload = await _update(client, campaign["id"], scheduledAt=scheduled_at)

    assert payload["campaign"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["input", "scheduledAt"], "INVALID_INPUT")
    ]


# updateCampaign


async def test_update_campaign_renames_and_keeps_what_was_left_out(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client, "Old name", scheduledAt="2026-12-24T10:00:00Z")
    await asyncio.sleep(0.003)

    payload = await _update(client, campaign["id"], name="  New name ")

    assert payload["errors"] == []
    updated = payload["campaign"]
    assert updated["name"] == "New name"
    assert updated["buttons"] == campaign["buttons"]
    assert updated["scheduledAt"] == campaign["scheduledAt"]
    assert updated["createdAt"] == campaign["createdAt"]
    assert parse_time(updated["updatedAt"]) > parse_time(campaign["updatedAt"])
    assert (await _campaign(client, campaign["id"]) or {})["name"] == "New name"


async def test_update_campaign_renames_a_button_and_keeps_its_id_and_clicks(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client, buttons=[("buy", "Buy"), ("later", "Later")])
    await record_all(client, [event(campaign["id"], "BUTTON_CLICKED", "r1", button="buy")])

    payload = await _update(
        client,
        campaign["id"],
        buttons=[{"id": "buy", "text": "Buy now"}, {"id": "later", "text": "Later"}],
    )

    assert payload["errors"] == []
    assert payload["campaign"]["buttons"] == [
        {"id": "buy", "text": "Buy now"},
        {"id": "later", "text": "Later"},
    ]
    stored = await _campaign(client, campaign["id"])
    assert stored is not None
    assert stored["buttonStats"][0] == {"buttonId": "buy", "text": "Buy now", "clicks": 1}


async def test_a_button_with_clicks_cannot_be_removed(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client, buttons=[("buy", "Buy"), ("later", "Later")])
    await record_all(client, [event(campaign["id"], "BUTTON_CLICKED", "r1", button="buy")])

    payload = await _update(client, campaign["id"], buttons=[{"id": "later", "text": "Later"}])

    assert payload["campaign"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == (["input", "buttons"], "INVALID_INPUT")
    assert "buy" in error["message"]
    stored = await _campaign(client, campaign["id"])
    assert stored is not None and stored["buttons"] == campaign["buttons"]


async def test_a_button_without_clicks_can_be_removed(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client, buttons=[("buy", "Buy"), ("later", "Later")])
    await record_all(client, [event(campaign["id"], "BUTTON_CLICKED", "r1", button="buy")])

    payload = await _update(client, campaign["id"], buttons=[{"id": "buy", "text": "Buy"}])

    assert payload["errors"] == []
    assert payload["campaign"]["buttons"] == [{"id": "buy", "text": "Buy"}]
    stored = await _campaign(client, campaign["id"])
    assert stored is not None
    assert stored["buttonStats"] == [{"buttonId": "buy", "text": "Buy", "clicks": 1}]


async def test_update_campaign_clears_scheduled_at_with_null(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client, scheduledAt="2026-12-24T10:00:00Z")
    assert campaign["scheduledAt"] is not None

    payload = await _update(client, campaign["id"], scheduledAt=None)

    assert payload["errors"] == []
    assert payload["campaign"]["scheduledAt"] is None
    assert (await _campaign(client, campaign["id"]) or {})["scheduledAt"] is None


async def test_update_campaign_sets_scheduled_at(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client)

    payload = await _update(client, campaign["id"], scheduledAt="2026-12-24T10:00:00+05:45")

    assert payload["errors"] == []
    assert parse_time(payload["campaign"]["scheduledAt"]) == datetime(
        2026, 12, 24, 4, 15, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("input", "field"),
    [
        pytest.param({"name": " "}, ["input", "name"], id="blank-name"),
        pytest.param({"name": "n" * 201}, ["input", "name"], id="201-char-name"),
        pytest.param(
            {"buttons": [{"text": f"b{i}"} for i in range(11)]},
            ["input", "buttons"],
            id="11-buttons",
        ),
        pytest.param(
            {"buttons": [{"id": "buy", "text": "b" * 26}]},
            ["input", "buttons", "0", "text"],
            id="26-char-button-text",
        ),
        pytest.param(
            {"buttons": [{"id": "buy", "text": "A"}, {"id": "buy", "text": "B"}]},
            ["input", "buttons", "1", "id"],
            id="duplicate-button-ids",
        ),
    ],
)
async def test_update_campaign_reports_bad_input_and_changes_nothing(
    client: httpx.AsyncClient, input: Json, field: list[str]
) -> None:
    campaign = await create_campaign(client)

    payload = await _update(client, campaign["id"], **input)

    assert payload["campaign"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, "INVALID_INPUT")]
    stored = await _campaign(client, campaign["id"])
    assert stored is not None
    assert {k: stored[k] for k in campaign} == campaign


async def test_update_of_an_unknown_campaign_is_not_found(client: httpx.AsyncClient) -> None:
    payload = await _update(client, "cmp_missing", name="x")

    assert payload["campaign"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert "cmp_missing" in payload["errors"][0]["message"]


async def test_another_workspaces_campaign_behaves_like_a_missing_one(
    client: httpx.AsyncClient, store: Store
) -> None:
    theirs = await store.create_campaign("someone-else", "Theirs", [], None)

    updated = await _update(client, theirs.id, name="Mine now")
    changed = (await gql(client, CHANGE_STATUS, id=theirs.id, status="ACTIVE"))[
        "changeCampaignStatus"
    ]

    assert await _campaign(client, theirs.id) is None
    assert (await _search(client))["totalCount"] == 0
    assert [e["code"] for e in updated["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in changed["errors"]] == ["NOT_FOUND"]
    stored = (await store.get_campaigns("someone-else", [theirs.id]))[theirs.id]
    assert (stored.name, stored.status) == ("Theirs", "DRAFT")


# changeCampaignStatus


@pytest.mark.parametrize("target", STATUSES)
@pytest.mark.parametrize("source", STATUSES)
async def test_change_status_follows_the_transition_table(
    client: httpx.AsyncClient, source: str, target: str
) -> None:
    # given
    campaign = await create_campaign(client)
    await change_status(client, campaign["id"], *PATH_TO[source])

    # when
    payload = (await gql(client, CHANGE_STATUS, id=campaign["id"], status=target))[
        "changeCampaignStatus"
    ]

    # then
    stored = await _campaign(client, campaign["id"])
    assert stored is not None
    if target in ALLOWED[source]:
        assert payload["errors"] == []
        assert payload["campaign"]["status"] == target
        assert stored["status"] == target
    else:
        assert payload["campaign"] is None
        [error] = payload["errors"]
        assert error["code"] == "INVALID_TRANSITION"
        assert error["field"] == ["status"]
        assert source in error["message"] and target in error["message"]
        assert stored["status"] == source


async def test_started_at_is_set_on_first_activation_and_kept_after_a_pause(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client)
    scheduled = (await change_status(client, campaign["id"], "SCHEDULED"))["campaign"]
    assert scheduled["startedAt"] is None

    active = (await change_status(client, campaign["id"], "ACTIVE"))["campaign"]
    started = active["startedAt"]
    assert started is not None
    assert parse_time(started) >= parse_time(campaign["createdAt"])
    await asyncio.sleep(0.003)
    paused = (await change_status(client, campaign["id"], "PAUSED"))["campaign"]
    await asyncio.sleep(0.003)
    again = (await change_status(client, campaign["id"], "ACTIVE"))["campaign"]

    assert paused["startedAt"] == started and again["startedAt"] == started
    assert again["completedAt"] is None
    assert parse_time(again["updatedAt"]) > parse_time(paused["updatedAt"])


@pytest.mark.parametrize("final", ["COMPLETED", "CANCELLED"])
async def test_completed_at_is_set_when_a_campaign_ends(
    client: httpx.AsyncClient, final: str
) -> None:
    campaign = await create_campaign(client)
    active = (await change_status(client, campaign["id"], "ACTIVE"))["campaign"]
    assert active["completedAt"] is None

    ended = (await change_status(client, campaign["id"], final))["campaign"]

    assert ended["status"] == final
    assert ended["completedAt"] is not None
    assert parse_time(ended["completedAt"]) >= parse_time(active["startedAt"])
    assert ended["startedAt"] == active["startedAt"]


async def test_cancelling_a_draft_sets_completed_at_but_not_started_at(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client)

    cancelled = (await change_status(client, campaign["id"], "CANCELLED"))["campaign"]

    assert cancelled["startedAt"] is None
    assert cancelled["completedAt"] is not None


async def test_change_status_of_an_unknown_campaign_is_not_found(
    client: httpx.AsyncClient,
) -> None:
    payload = (await gql(client, CHANGE_STATUS, id="cmp_missing", status="ACTIVE"))[
        "changeCampaignStatus"
    ]

    assert payload["campaign"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


# campaign(id)


async def test_campaign_is_null_for_an_unknown_id(client: httpx.AsyncClient) -> None:
    await create_campaign(client)

    assert await _campaign(client, "cmp_missing") is None
    assert await _campaign(client, "") is None
    assert await _campaign(client, "x" * 1000) is None


# An unpaired surrogate: JSON can carry it, but it is no text a stored id could hold.
NOT_TEXT = "cmp_\ud800"


async def test_campaign_is_null_for_an_id_that_is_not_text(client: httpx.AsyncClient) -> None:
    await create_campaign(client)

    assert await _campaign(client, NOT_TEXT) is None


async def test_update_of_an_id_that_is_not_text_is_not_found(client: httpx.AsyncClient) -> None:
    payload = await _update(client, NOT_TEXT, name="x")

    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]


async def test_a_search_that_is_not_text_finds_nothing(client: httpx.AsyncClient) -> None:
    await create_campaign(client)

    connection = await _search(client, search="\ud800")

    assert connection["totalCount"] == 0 and connection["edges"] == []


# campaigns(search, statuses, first, after)


async def _search_fixture(client: httpx.AsyncClient) -> dict[str, Json]:
    """Four campaigns, oldest first; none of the names contains a status-name prefix."""
    summer, winter, camp, friday = await _create_in_order(
        client, "Summer sale", "Winter deals", "summer camp", "Black Friday"
    )
    await change_status(client, summer["id"], "ACTIVE")
    await change_status(client, camp["id"], "ACTIVE", "PAUSED")
    await change_status(client, friday["id"], "ACTIVE")
    return {"summer": summer, "winter": winter, "camp": camp, "friday": friday}


async def test_campaigns_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    await _create_in_order(client, "one", "two", "three", "four")

    connection = await _search(client)

    assert _names(connection) == ["four", "three", "two", "one"]
    created = [parse_time(edge["node"]["createdAt"]) for edge in connection["edges"]]
    assert created == sorted(created, reverse=True)
    assert connection["totalCount"] == 4
    assert connection["pageInfo"]["hasNextPage"] is False
    assert connection["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize("search", ["summer", "SUMMER", "Summer", "ummer"])
async def test_search_matches_a_name_substring_case_insensitively(
    client: httpx.AsyncClient, search: str
) -> None:
    await _search_fixture(client)

    connection = await _search(client, search=search)

    assert _names(connection) == ["summer camp", "Summer sale"]
    assert connection["totalCount"] == 2


@pytest.mark.parametrize("search", ["act", "Act", "ACTIVE"])
async def test_search_matches_a_status_name_prefix(client: httpx.AsyncClient, search: str) -> None:
    await _search_fixture(client)

    connection = await _search(client, search=search)

    assert _names(connection) == ["Black Friday", "Summer sale"]
    assert connection["totalCount"] == 2


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("(today)", ["50% off (today)"]),
        ("c++ &", ["C++ & co."]),
        ("a.b", ["a.b|c"]),
        ("b|c", ["a.b|c"]),
        ("% off", ["50% off (today)"]),
        (".*", []),
        ("été", ["Émile ÉTÉ"]),
    ],
)
async def test_search_takes_the_text_literally(
    client: httpx.AsyncClient, search: str, expected: list[str]
) -> None:
    await _create_in_order(client, "50% off (today)", "C++ & co.", "a.b|c", "Émile ÉTÉ")

    connection = await _search(client, search=search)

    assert _names(connection) == expected


async def test_a_search_longer_than_a_name_can_be_is_an_error(client: httpx.AsyncClient) -> None:
    errors = await gql_errors(client, SEARCH, search="s" * 201)

    assert_clear_error(errors, "INVALID_INPUT")


async def test_search_does_not_match_the_middle_of_a_status_name(
    client: httpx.AsyncClient,
) -> None:
    await _search_fixture(client)

    connection = await _search(client, search="tive")

    assert _names(connection) == []
    assert connection["totalCount"] == 0


async def test_search_by_status_prefix_finds_other_statuses_too(
    client: httpx.AsyncClient,
) -> None:
    await _search_fixture(client)

    assert _names(await _search(client, search="pau")) == ["summer camp"]
    assert _names(await _search(client, search="dra")) == ["Winter deals"]


async def test_statuses_filter_alone_and_with_a_search(client: httpx.AsyncClient) -> None:
    await _search_fixture(client)

    active_or_paused = await _search(client, statuses=["ACTIVE", "PAUSED"])
    drafts = await _search(client, statuses=["DRAFT"])
    summer_active = await _search(client, search="summer", statuses=["ACTIVE"])
    none = await _search(client, statuses=["COMPLETED"])

    assert _names(active_or_paused) == ["Black Friday", "summer camp", "Summer sale"]
    assert active_or_paused["totalCount"] == 3
    assert _names(drafts) == ["Winter deals"]
    assert _names(summer_active) == ["Summer sale"] and summer_active["totalCount"] == 1
    assert _names(none) == [] and none["totalCount"] == 0
    assert none["pageInfo"]["startCursor"] is None and none["pageInfo"]["endCursor"] is None


async def test_pagination_walks_every_campaign_exactly_once(client: httpx.AsyncClient) -> None:
    # given
    created = await _create_in_order(client, *(f"campaign {i}" for i in range(7)))
    everything = await _search(client, first=100)
    cursor_of = {edge["node"]["id"]: edge["cursor"] for edge in everything["edges"]}

    # when
    pages: list[Json] = []
    after = None
    while True:
        page = await _search(client, first=3, after=after)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 10

    # then
    walked = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    assert walked == [c["id"] for c in reversed(created)]
    assert [len(page["edges"]) for page in pages] == [3, 3, 1]
    assert [page["totalCount"] for page in pages] == [7, 7, 7]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    for page in pages:
        assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        for edge in page["edges"]:
            assert edge["cursor"] == cursor_of[edge["node"]["id"]]


async def test_pagination_with_a_search_counts_only_matches(client: httpx.AsyncClient) -> None:
    await _create_in_order(client, "a summer 1", "winter", "a summer 2", "a summer 3")

    first = await _search(client, search="summer", first=2)
    second = await _search(client, search="summer", first=2, after=first["pageInfo"]["endCursor"])

    assert _names(first) == ["a summer 3", "a summer 2"]
    assert _names(second) == ["a summer 1"]
    assert first["totalCount"] == second["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] and not second["pageInfo"]["hasNextPage"]


async def test_a_page_of_exactly_the_remaining_items_has_no_next_page(
    client: httpx.AsyncClient,
) -> None:
    await _create_in_order(client, "one", "two", "three", "four")

    first = await _search(client, first=2)
    second = await _search(client, first=2, after=first["pageInfo"]["endCursor"])

    assert first["pageInfo"]["hasNextPage"] is True
    assert _names(second) == ["two", "one"]
    assert second["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_campaigns_page_size_outside_1_to_100_is_an_error(
    client: httpx.AsyncClient, first: int
) -> None:
    await create_campaign(client)

    errors = await gql_errors(client, SEARCH, first=first)

    assert_clear_error(errors, "INVALID_INPUT")


async def test_campaigns_page_size_of_100_is_allowed(client: httpx.AsyncClient) -> None:
    await create_campaign(client)

    assert (await _search(client, first=100))["totalCount"] == 1


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!",
        "",
        _b64(b"not json"),
        _b64(json.dumps({"a": 1}).encode()),
        _b64(json.dumps(["campaign", "soon", "cmp_x"]).encode()),
        _b64(json.dumps(["campaign", 10**30, "cmp_x"]).encode()),
        _b64(b"\xff\xfe"),
    ],
)
async def test_a_garbage_cursor_is_a_clear_error(client: httpx.AsyncClient, cursor: str) -> None:
    await create_campaign(client)

    errors = await gql_errors(client, SEARCH, after=cursor)

    error = assert_clear_error(errors, "INVALID_INPUT")
    assert "cursor" in error["message"]


async def test_a_contact_cursor_is_not_a_campaign_cursor(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client)
    await record_all(client, [event(campaign["id"], "SENT", "r1")])
    contacts = (await gql(client, CONTACT_CURSOR, id=campaign["id"]))["campaign"]["contacts"]
    contact_cursor = contacts["edges"][0]["cursor"]

    errors = await gql_errors(client, SEARCH, after=contact_cursor)

    assert_clear_error(errors, "INVALID_INPUT")
