"""recordEvents over GraphQL: what is accepted, counted once, or rejected one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from store import Store
from tests.graphql import (
    RECORD_EVENTS,
    Json,
    assert_clear_error,
    create_campaign,
    event,
    gql_errors,
    iso,
    record_all,
    record_events,
    stats_of,
)


def _rejections(payload: Json) -> list[tuple[int, str, str]]:
    return [(r["index"], r["eventId"], r["code"]) for r in payload["rejected"]]


async def test_a_batch_reports_accepted_duplicates_and_rejected_events(
    client: httpx.AsyncClient,
) -> None:
    # given
    c = await create_campaign(client)
    first = await record_events(
        client,
        [event(c["id"], "SENT", "r1", 0, event_id="e1"), event(c["id"], "SENT", "r2", 0)],
    )
    delivered = event(c["id"], "DELIVERED", "r1", 1, event_id="e3")

    # when
    second = await record_events(
        client,
        [
            event(c["id"], "SENT", "r1", 0, event_id="e1"),  # seen in the first batch
            delivered,
            delivered,  # repeated within this batch
            event("cmp_missing", "SENT", "r3", 0, event_id="e4"),
            event(c["id"], "BUTTON_CLICKED", "r1", 2, event_id="e5"),  # no buttonId
            event(c["id"], "READ", "r2", 3, event_id="e6"),
        ],
    )

    # then
    assert first == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert (second["accepted"], second["duplicates"]) == (2, 2)
    assert _rejections(second) == [(3, "e4", "NOT_FOUND"), (4, "e5", "INVALID_INPUT")]
    assert all(r["message"] for r in second["rejected"])
    delivery = (await stats_of(client, c["id"]))["delivery"]
    assert delivery == {"recipients": 2, "sent": 2, "delivered": 2, "read": 1, "failed": 0}


async def test_an_empty_batch_is_fine(client: httpx.AsyncClient) -> None:
    assert await record_events(client, []) == {"accepted": 0, "duplicates": 0, "rejected": []}


async def test_a_repeated_event_id_counts_once_even_with_other_content(
    client: httpx.AsyncClient,
) -> None:
    c = await create_campaign(client)
    await record_all(
        client, [event(c["id"], "BUTTON_CLICKED", "r1", 1, event_id="k", button="buy")]
    )

    again = await record_events(
        client,
        [
            event(c["id"], "BUTTON_CLICKED", "r1", 1, event_id="k", button="buy"),
            event(c["id"], "BUTTON_CLICKED", "r2", 2, event_id="k", button="later"),
        ],
    )

    assert again == {"accepted": 0, "duplicates": 2, "rejected": []}
    engagement = (await stats_of(client, c["id"]))["engagement"]
    assert (engagement["totalClicks"], engagement["uniqueClickers"]) == (1, 1)


async def test_event_ids_are_unique_across_the_workspaces_campaigns(
    client: httpx.AsyncClient,
) -> None:
    one, two = await create_campaign(client, "one"), await create_campaign(client, "two")

    result = await record_events(
        client,
        [
            event(one["id"], "SENT", "r1", event_id="same"),
            event(two["id"], "SENT", "r1", event_id="same"),
        ],
    )

    assert (result["accepted"], result["duplicates"]) == (1, 1)
    assert (await stats_of(client, one["id"]))["delivery"]["sent"] == 1
    assert (await stats_of(client, two["id"]))["delivery"]["sent"] == 0


async def test_more_than_1000_events_is_a_limit_error_and_nothing_is_recorded(
    client: httpx.AsyncClient,
) -> None:
    c = await create_campaign(client)
    events = [event(c["id"], "SENT", f"r{i}", i % 60) for i in range(1001)]

    errors = await gql_errors(client, RECORD_EVENTS, events=events)

    error = assert_clear_error(errors, "LIMIT_EXCEEDED")
    assert "1000" in error["message"].replace(",", "")
    assert (await stats_of(client, c["id"]))["delivery"]["sent"] == 0
    # Nothing was stored either: the same events are still new afterwards.
    assert (await record_events(client, events[:20]))["accepted"] == 20


async def test_1000_events_in_one_call_are_within_the_limit(client: httpx.AsyncClient) -> None:
    # Events of an unknown campaign keep this cheap on FerretDB: they are judged, not stored.
    events = [event("cmp_missing", "SENT", f"r{i}", i % 60) for i in range(1000)]

    result = await record_events(client, events)

    assert result["accepted"] == 0
    assert [r["index"] for r in result["rejected"]] == list(range(1000))
    assert {r["code"] for r in result["rejected"]} == {"NOT_FOUND"}


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        pytest.param({"type": "LABEL_ADDED", "label": "l" * 64}, True, id="label-64"),
        pytest.param({"type": "LABEL_ADDED", "label": "l" * 65}, False, id="label-65"),
        pytest.param({"type": "LABEL_REMOVED", "label": "l" * 65}, False, id="removed-label-65"),
        pytest.param({"type": "LABEL_ADDED", "label": "  "}, False, id="blank-label"),
        pytest.param({"eventId": "e" * 128}, True, id="event-id-128"),
        pytest.param({"eventId": "e" * 129}, False, id="event-id-129"),
        pytest.param({"eventId": ""}, False, id="empty-event-id"),
        pytest.param({"recipientId": "r" * 128}, True, id="recipient-id-128"),
        pytest.param({"recipientId": "r" * 129}, False, id="recipient-id-129"),
        pytest.param({"recipientId": ""}, False, id="empty-recipient-id"),
        pytest.param({"campaignId": "c" * 129}, False, id="campaign-id-129"),
        pytest.param({"type": "BUTTON_CLICKED", "buttonId": "b" * 129}, False, id="button-id-129"),
        pytest.param({"occurredAt": "1999-12-31T23:59:59Z"}, False, id="before-2000"),
        pytest.param(
            {"occurredAt": iso(datetime.now(UTC) + timedelta(days=2))}, False, id="far-future"
        ),
    ],
)
async def test_event_field_limits(client: httpx.AsyncClient, changes: Json, accepted: bool) -> None:
    c = await create_campaign(client)
    bad = {**event(c["id"], "SENT", "r1", 0), **changes}

    result = await record_events(client, [bad])

    if accepted:
        assert result == {"accepted": 1, "duplicates": 0, "rejected": []}
    else:
        assert result["accepted"] == 0
        assert _rejections(result) == [(0, bad["eventId"], "INVALID_INPUT")]
        assert (await stats_of(client, c["id"]))["delivery"]["recipients"] == 0


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
async def test_a_time_beyond_the_calendar_is_rejected_alone(
    client: httpx.AsyncClient, occurred_at: str
) -> None:
    # In UTC these times fall outside the years 1 to 9999 that a datetime can hold.
    c = await create_campaign(client)
    good = event(c["id"], "SENT", "r1", 0)
    bad = {**event(c["id"], "SENT", "r2", 0), "occurredAt": occurred_at}

    result = await record_events(client, [good, bad])

    assert result["accepted"] == 1
    assert _rejections(result) == [(1, bad["eventId"], "INVALID_INPUT")]
    assert (await stats_of(client, c["id"]))["delivery"]["recipients"] == 1


@pytest.mark.parametrize(
    ("kind", "missing"),
    [
        ("BUTTON_CLICKED", "buttonId"),
        ("LABEL_ADDED", "label"),
        ("LABEL_REMOVED", "label"),
        ("SENTIMENT_SET", "sentiment"),
    ],
)
async def test_an_event_without_the_field_its_type_needs_is_rejected(
    client: httpx.AsyncClient, kind: str, missing: str
) -> None:
    c = await create_campaign(client)

    result = await record_events(client, [event(c["id"], kind, "r1", 0, event_id="e1")])

    assert result["accepted"] == 0
    assert _rejections(result) == [(0, "e1", "INVALID_INPUT")]
    assert missing in result["rejected"][0]["message"]


async def test_a_click_on_a_button_the_campaign_does_not_have_is_rejected(
    client: httpx.AsyncClient,
) -> None:
    c = await create_campaign(client, buttons=[("buy", "Buy")])
    other = await create_campaign(client, "other", buttons=[("theirs", "Theirs")])

    result = await record_events(
        client,
        [
            event(c["id"], "BUTTON_CLICKED", "r1", 0, event_id="e1", button="nope"),
            event(c["id"], "BUTTON_CLICKED", "r1", 0, event_id="e2", button="theirs"),
            event(other["id"], "BUTTON_CLICKED", "r1", 0, event_id="e3", button="theirs"),
        ],
    )

    assert result["accepted"] == 1
    assert _rejections(result) == [(0, "e1", "INVALID_INPUT"), (1, "e2", "INVALID_INPUT")]
    assert "buttonId" in result["rejected"][0]["message"]
    assert (await stats_of(client, c["id"]))["engagement"]["totalClicks"] == 0


async def test_events_of_an_unknown_or_foreign_campaign_are_not_found(
    client: httpx.AsyncClient, store: Store
) -> None:
    theirs = await store.create_campaign("someone-else", "Theirs", [], None)

    result = await record_events(
        client,
        [
            event("cmp_missing", "SENT", "r1", 0, event_id="e1"),
            event(theirs.id, "SENT", "r1", 0, event_id="e2"),
        ],
    )

    assert result["accepted"] == 0
    assert _rejections(result) == [(0, "e1", "NOT_FOUND"), (1, "e2", "NOT_FOUND")]
    assert "cmp_missing" in result["rejected"][0]["message"]
    counters = (await store.get_campaigns("someone-else", [theirs.id]))[theirs.id].counters
    assert counters.recipients == 0


async def test_a_rejected_event_does_not_use_up_its_event_id(client: httpx.AsyncClient) -> None:
    c = await create_campaign(client)
    await record_events(client, [event(c["id"], "BUTTON_CLICKED", "r1", 0, event_id="e1")])

    fixed = await record_events(
        client, [event(c["id"], "BUTTON_CLICKED", "r1", 0, event_id="e1", button="buy")]
    )

    assert fixed == {"accepted": 1, "duplicates": 0, "rejected": []}


async def test_one_bad_event_does_not_block_the_good_ones(client: httpx.AsyncClient) -> None:
    c = await create_campaign(client)
    events = [
        event(c["id"], "SENT", "r1", 0),
        event(c["id"], "LABEL_ADDED", "r1", 1, label="x" * 65),
        event(c["id"], "BUTTON_CLICKED", "r2", 2, button="buy"),
        event(c["id"], "SENTIMENT_SET", "r2", 3),
        event(c["id"], "LABEL_ADDED", "r2", 4, label="vip"),
        event(c["id"], "SENTIMENT_SET", "r2", 5, sentiment="POSITIVE"),
    ]

    result = await record_events(client, events)

    assert result["accepted"] == 4
    assert [r["index"] for r in result["rejected"]] == [1, 3]
    stats = await stats_of(client, c["id"])
    assert stats["delivery"]["recipients"] == 2
    assert stats["engagement"]["totalClicks"] == 1
