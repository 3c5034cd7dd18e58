"""A campaign's numbers over GraphQL, checked against hand-computed ones."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest

from tests.factories import at
from tests.graphql import (
    STATS,
    Json,
    create_campaign,
    event,
    gql,
    parse_time,
    record_all,
)

NUMBERS = f"""
query Numbers($id: ID!) {{
  campaign(id: $id) {{
    stats {{ {STATS} }}
    buttonStats {{ buttonId text clicks uniqueClickers percentage }}
    labels {{ label count percentage }}
    sentiments {{ sentiment count percentage }}
  }}
}}
"""

BUTTONS = (("buy", "Buy"), ("later", "Later"), ("info", "Info"))


def known_events(campaign_id: str) -> list[Json]:
    """Nine recipients; the comments say what each one counts toward."""
    c = campaign_id
    return [
        # r1: sent, delivered, read; 3 clicks (2 on buy, 1 on later); labels vip, lead;
        # sentiment POSITIVE then NEGATIVE (the later one wins).
        event(c, "SENT", "r1", 0),
        event(c, "DELIVERED", "r1", 1),
        event(c, "READ", "r1", 2),
        event(c, "BUTTON_CLICKED", "r1", 3, button="buy"),
        event(c, "BUTTON_CLICKED", "r1", 4, button="buy"),
        event(c, "BUTTON_CLICKED", "r1", 5, button="later"),
        event(c, "LABEL_ADDED", "r1", 6, label="vip"),
        event(c, "LABEL_ADDED", "r1", 6, label="lead"),
        event(c, "SENTIMENT_SET", "r1", 7, sentiment="NEGATIVE"),
        event(c, "SENTIMENT_SET", "r1", 6, sentiment="POSITIVE"),
        # r2: a click on buy implies read, delivered and sent; labels vip, lead; POSITIVE.
        event(c, "SENT", "r2", 0),
        event(c, "BUTTON_CLICKED", "r2", 10, button="buy"),
        event(c, "LABEL_ADDED", "r2", 11, label="vip"),
        event(c, "LABEL_ADDED", "r2", 11, label="lead"),
        event(c, "SENTIMENT_SET", "r2", 11, sentiment="POSITIVE"),
        # r3: a reply implies read, delivered and sent; label vip; "old" added then removed.
        event(c, "SENT", "r3", 0),
        event(c, "REPLIED", "r3", 12),
        event(c, "LABEL_ADDED", "r3", 13, label="vip"),
        event(c, "LABEL_ADDED", "r3", 13, label="old"),
        event(c, "LABEL_REMOVED", "r3", 14, label="old"),
        event(c, "SENTIMENT_SET", "r3", 14, sentiment="POSITIVE"),
        # r4: sent, then failed: counts as failed.
        event(c, "SENT", "r4", 0),
        event(c, "FAILED", "r4", 15),
        # r5: failed without a sent: a recipient and failed, not sent.
        event(c, "FAILED", "r5", 16),
        # r6: delivered; r7: only sent.
        event(c, "SENT", "r6", 0),
        event(c, "DELIVERED", "r6", 17),
        event(c, "SENT", "r7", 18),
        # r8: delivered and failed: it got further than SENT, so it is not failed.
        event(c, "FAILED", "r8", 19),
        event(c, "DELIVERED", "r8", 20),
        # r9: only a sentiment and a label: not a recipient.
        event(c, "SENTIMENT_SET", "r9", 1, sentiment="NEUTRAL"),
        event(c, "LABEL_ADDED", "r9", 1, label="spam"),
    ]


async def _numbers(client: httpx.AsyncClient, campaign_id: str) -> Json:
    numbers: Json = (await gql(client, NUMBERS, id=campaign_id))["campaign"]
    return numbers


async def _campaign_with_known_events(client: httpx.AsyncClient) -> Json:
    campaign = await create_campaign(client, buttons=BUTTONS)
    events = known_events(campaign["id"])
    await record_all(client, events)
    # Repeats change nothing.
    await record_all(client, events[:5])
    return campaign


async def test_stats_match_hand_computed_numbers(client: httpx.AsyncClient) -> None:
    # given
    campaign = await _campaign_with_known_events(client)
    before = datetime.now(UTC)

    # when
    stats = (await _numbers(client, campaign["id"]))["stats"]

    # then
    assert stats["delivery"] == {
        "recipients": 8,  # r1..r8
        "sent": 7,  # all but r5
        "delivered": 5,  # r1, r2, r3, r6, r8
        "read": 3,  # r1, r2, r3
        "failed": 2,  # r4, r5
    }
    engagement = stats["engagement"]
    assert (engagement["totalClicks"], engagement["uniqueClickers"]) == (4, 2)
    assert engagement["responders"] == 1
    assert engagement["clickThroughRate"] == pytest.approx(4 / 8 * 100)
    assert engagement["uniqueClickThroughRate"] == pytest.approx(2 / 8 * 100)
    assert engagement["deliveryRate"] == pytest.approx(5 / 7 * 100)
    assert engagement["openRate"] == pytest.approx(3 / 5 * 100)
    assert engagement["clickRate"] == pytest.approx(2 / 5 * 100)
    assert engagement["responseRate"] == pytest.approx(1 / 5 * 100)
    assert parse_time(stats["lastEventAt"]) == at(20)
    as_of = parse_time(stats["asOf"])
    assert before.replace(microsecond=0) <= as_of <= datetime.now(UTC)


async def test_a_campaign_without_events_has_zeros_and_null_rates(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client, buttons=BUTTONS)

    numbers = await _numbers(client, campaign["id"])

    stats = numbers["stats"]
    assert stats["delivery"] == dict.fromkeys(
        ("recipients", "sent", "delivered", "read", "failed"), 0
    )
    assert stats["engagement"] == {
        "totalClicks": 0,
        "uniqueClickers": 0,
        "responders": 0,
        "clickThroughRate": None,
        "uniqueClickThroughRate": None,
        "deliveryRate": None,
        "openRate": None,
        "clickRate": None,
        "responseRate": None,
    }
    assert stats["lastEventAt"] is None
    assert parse_time(stats["asOf"])
    assert numbers["buttonStats"] == [
        {"buttonId": b, "text": t, "clicks": 0, "uniqueClickers": 0, "percentage": None}
        for b, t in BUTTONS
    ]
    assert numbers["labels"] == []
    assert numbers["sentiments"] == [
        {"sentiment": s, "count": 0, "percentage": 0} for s in ("POSITIVE", "NEUTRAL", "NEGATIVE")
    ]


async def test_a_rate_is_null_only_when_its_own_denominator_is_zero(
    client: httpx.AsyncClient,
) -> None:
    # Two failures and nothing else: recipients 2, sent 0, delivered 0.
    campaign = await create_campaign(client)
    await record_all(
        client,
        [event(campaign["id"], "FAILED", "r1", 0), event(campaign["id"], "FAILED", "r2", 1)],
    )

    stats = (await _numbers(client, campaign["id"]))["stats"]

    assert stats["delivery"] == {
        "recipients": 2,
        "sent": 0,
        "delivered": 0,
        "read": 0,
        "failed": 2,
    }
    engagement = stats["engagement"]
    assert engagement["clickThroughRate"] == 0
    assert engagement["uniqueClickThroughRate"] == 0
    for rate in ("deliveryRate", "openRate", "clickRate", "responseRate"):
        assert engagement[rate] is None, rate
    assert parse_time(stats["lastEventAt"]) == at(1)


async def test_click_through_rate_may_exceed_100(client: httpx.AsyncClient) -> None:
    campaign = await create_campaign(client)
    await record_all(
        client,
        [event(campaign["id"], "BUTTON_CLICKED", "r1", m, button="buy") for m in range(3)],
    )

    engagement = (await _numbers(client, campaign["id"]))["stats"]["engagement"]

    assert engagement["clickThroughRate"] == pytest.approx(300)
    assert engagement["uniqueClickThroughRate"] == pytest.approx(100)


async def test_button_stats_list_every_button_most_clicked_first(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign_with_known_events(client)

    rows = (await _numbers(client, campaign["id"]))["buttonStats"]

    assert [(r["buttonId"], r["text"], r["clicks"], r["uniqueClickers"]) for r in rows] == [
        ("buy", "Buy", 3, 2),
        ("later", "Later", 1, 1),
        ("info", "Info", 0, 0),
    ]
    assert [r["percentage"] for r in rows] == pytest.approx([75, 25, 0])
    assert sum(r["percentage"] for r in rows) == pytest.approx(100)


async def test_button_percentages_sum_to_100_with_awkward_shares(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client, buttons=BUTTONS)
    c = campaign["id"]
    clicks = ["buy"] * 1 + ["later"] * 1 + ["info"] * 1
    await record_all(
        client, [event(c, "BUTTON_CLICKED", f"r{i}", i, button=b) for i, b in enumerate(clicks)]
    )

    rows = (await _numbers(client, c))["buttonStats"]

    assert [r["percentage"] for r in rows] == pytest.approx([100 / 3] * 3)
    assert sum(r["percentage"] for r in rows) == pytest.approx(100)
    # Ties keep the configured order.
    assert [r["buttonId"] for r in rows] == ["buy", "later", "info"]


async def test_labels_most_frequent_first_with_percentages(client: httpx.AsyncClient) -> None:
    campaign = await _campaign_with_known_events(client)

    labels = (await _numbers(client, campaign["id"]))["labels"]

    # vip: r1, r2, r3; lead: r1, r2; spam: r9; "old" was removed again.
    assert [(row["label"], row["count"]) for row in labels] == [
        ("vip", 3),
        ("lead", 2),
        ("spam", 1),
    ]
    assert [row["percentage"] for row in labels] == pytest.approx([50, 100 / 3, 100 / 6])


async def test_sentiments_are_three_rows_in_order_with_the_latest_sentiment(
    client: httpx.AsyncClient,
) -> None:
    campaign = await _campaign_with_known_events(client)

    sentiments = (await _numbers(client, campaign["id"]))["sentiments"]

    # r1 NEGATIVE (set later than its POSITIVE), r2 and r3 POSITIVE, r9 NEUTRAL.
    assert [(row["sentiment"], row["count"]) for row in sentiments] == [
        ("POSITIVE", 2),
        ("NEUTRAL", 1),
        ("NEGATIVE", 1),
    ]
    assert [row["percentage"] for row in sentiments] == pytest.approx([50, 25, 25])


async def test_sentiments_without_any_of_one_kind_still_list_it(
    client: httpx.AsyncClient,
) -> None:
    campaign = await create_campaign(client)
    await record_all(
        client, [event(campaign["id"], "SENTIMENT_SET", "r1", 0, sentiment="NEGATIVE")]
    )

    sentiments = (await _numbers(client, campaign["id"]))["sentiments"]

    assert sentiments == [
        {"sentiment": "POSITIVE", "count": 0, "percentage": 0},
        {"sentiment": "NEUTRAL", "count": 0, "percentage": 0},
        {"sentiment": "NEGATIVE", "count": 1, "percentage": 100},
    ]


async def test_numbers_do_not_depend_on_the_order_events_arrive_in(
    client: httpx.AsyncClient,
) -> None:
    # given: the same events, in order in one batch and shuffled in small batches
    ordered = await create_campaign(client, "ordered", buttons=BUTTONS)
    shuffled = await create_campaign(client, "shuffled", buttons=BUTTONS)
    await record_all(client, known_events(ordered["id"]))
    events = known_events(shuffled["id"])
    random.Random(7).shuffle(events)
    for start in range(0, len(events), 4):
        await record_all(client, events[start : start + 4])

    # when
    one, two = await _numbers(client, ordered["id"]), await _numbers(client, shuffled["id"])

    # then
    del one["stats"]["asOf"], two["stats"]["asOf"]
    assert one == two


async def test_labels_and_button_ids_may_hold_any_characters(client: httpx.AsyncClient) -> None:
    # MongoDB keys can't hold "." or start with "$": the store must not trip over them.
    odd = [("btn.1", "Dot"), ("$buy", "Dollar"), ("ключ", "Key")]
    campaign = await create_campaign(client, buttons=odd)
    c = campaign["id"]
    await record_all(
        client,
        [
            event(c, "BUTTON_CLICKED", "r1", 0, button="btn.1"),
            event(c, "BUTTON_CLICKED", "r2", 1, button="btn.1"),
            event(c, "BUTTON_CLICKED", "r1", 2, button="$buy"),
            event(c, "LABEL_ADDED", "r1", 3, label="a.b"),
            event(c, "LABEL_ADDED", "r2", 3, label="a.b"),
            event(c, "LABEL_ADDED", "r1", 3, label="$set"),
            event(c, "LABEL_ADDED", "r1", 3, label="café ☕"),
            event(c, "LABEL_REMOVED", "r1", 4, label="café ☕"),
        ],
    )

    numbers = await _numbers(client, c)

    assert [(r["buttonId"], r["clicks"]) for r in numbers["buttonStats"]] == [
        ("btn.1", 2),
        ("$buy", 1),
        ("ключ", 0),
    ]
    assert [(r["label"], r["count"]) for r in numbers["labels"]] == [("a.b", 2), ("$set", 1)]
