"""Insights for a selection of campaigns: sums, recomputed rates, and the same numbers everywhere."""

from __future__ import annotations

import httpx
import pytest

from store import Store
from tests.factories import at
from tests.graphql import (
    STATS,
    Json,
    assert_clear_error,
    create_campaign,
    event,
    gql,
    gql_errors,
    iso,
    parse_time,
    record_all,
)

ALL_STATS = f"""
fragment AllStats on CampaignStats {{ {STATS} }}
"""
FRAGMENTS = f"""{ALL_STATS}
fragment Buttons on ButtonStat {{ buttonId text clicks uniqueClickers percentage }}
fragment Trend on TrendPoint {{ bucketStart sent delivered read failed clicks replies }}
"""

INSIGHTS = (
    """
query Insights($ids: [ID!]!, $from: DateTime, $to: DateTime) {
  insights(campaignIds: $ids) {
    campaigns { id name }
    isSingleCampaign
    summary { ...AllStats }
    comparison { campaign { id name } stats { ...AllStats } }
    buttons { ...Buttons }
    labels { label count percentage }
    sentiments { sentiment count percentage }
    trend(granularity: HOUR, from: $from, to: $to) { ...Trend }
  }
}
"""
    + FRAGMENTS
)

CAMPAIGN = (
    """
query Campaign($id: ID!, $from: DateTime, $to: DateTime) {
  campaign(id: $id) {
    id
    stats { ...AllStats }
    buttonStats { ...Buttons }
    labels { label count percentage }
    sentiments { sentiment count percentage }
    trend(granularity: HOUR, from: $from, to: $to) { ...Trend }
  }
}
"""
    + FRAGMENTS
)

SAME_NUMBERS = (
    """
query Same($id: ID!, $other: ID!) {
  campaign(id: $id) { stats { ...AllStats } }
  single: insights(campaignIds: [$id]) {
    summary { ...AllStats }
    comparison { stats { ...AllStats } }
  }
  pair: insights(campaignIds: [$other, $id]) {
    comparison { campaign { id } stats { ...AllStats } }
  }
  campaigns { edges { node { id stats { ...AllStats } } } }
}
"""
    + ALL_STATS
)

IDS_ONLY = """
query Ids($ids: [ID!]!) { insights(campaignIds: $ids) { campaigns { id } } }
"""


async def _insights(client: httpx.AsyncClient, ids: list[str], **variables: object) -> Json:
    insights: Json = (await gql(client, INSIGHTS, ids=ids, **variables))["insights"]
    return insights


async def _campaign(client: httpx.AsyncClient, campaign_id: str, **variables: object) -> Json:
    campaign: Json = (await gql(client, CAMPAIGN, id=campaign_id, **variables))["campaign"]
    return campaign


def _without_as_of(stats: Json) -> Json:
    return {key: value for key, value in stats.items() if key != "asOf"}


async def _two_campaigns(client: httpx.AsyncClient) -> tuple[Json, Json]:
    """Campaigns whose averaged rates differ from the rates of their summed counts.

    a: one recipient who clicked and replied: every rate 100.
    b: nine recipients sent, three delivered, nothing else.
    Summed: recipients 10, sent 10, delivered 4, read 1, clickers 1, responders 1.
    """
    a = await create_campaign(client, "a", buttons=[("buy", "Buy")])
    b = await create_campaign(client, "b", buttons=[("yes", "Yes"), ("no", "No")])
    await record_all(
        client,
        [
            event(a["id"], "BUTTON_CLICKED", "r1", 0, button="buy"),
            event(a["id"], "REPLIED", "r1", 70),
            event(a["id"], "LABEL_ADDED", "r1", 71, label="vip"),
            event(a["id"], "SENTIMENT_SET", "r1", 71, sentiment="POSITIVE"),
            *(event(b["id"], "SENT", f"s{i}", 30 + i) for i in range(1, 10)),
            *(event(b["id"], "DELIVERED", f"s{i}", 125) for i in range(1, 4)),
            event(b["id"], "LABEL_ADDED", "s1", 100, label="vip"),
            event(b["id"], "LABEL_ADDED", "s2", 100, label="lead"),
            event(b["id"], "SENTIMENT_SET", "s1", 100, sentiment="NEGATIVE"),
            event(b["id"], "SENTIMENT_SET", "s2", 100, sentiment="POSITIVE"),
        ],
    )
    return a, b


async def test_a_single_campaign_selection_shows_its_own_numbers_and_buttons(
    client: httpx.AsyncClient,
) -> None:
    a, _ = await _two_campaigns(client)

    insights = await _insights(client, [a["id"]])
    campaign = await _campaign(client, a["id"])

    assert insights["campaigns"] == [{"id": a["id"], "name": "a"}]
    assert insights["isSingleCampaign"] is True
    assert _without_as_of(insights["summary"]) == _without_as_of(campaign["stats"])
    assert [row["campaign"]["id"] for row in insights["comparison"]] == [a["id"]]
    assert insights["buttons"] == campaign["buttonStats"]
    assert insights["buttons"] == [
        {"buttonId": "buy", "text": "Buy", "clicks": 1, "uniqueClickers": 1, "percentage": 100}
    ]
    assert insights["labels"] == campaign["labels"]
    assert insights["sentiments"] == campaign["sentiments"]
    assert insights["trend"] == campaign["trend"]


async def test_the_selection_keeps_the_order_asked_for_and_drops_duplicates(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _two_campaigns(client)
    c = await create_campaign(client, "c")

    insights = await _insights(client, [b["id"], c["id"], a["id"], b["id"], c["id"]])

    order = [b["id"], c["id"], a["id"]]
    assert [row["id"] for row in insights["campaigns"]] == order
    assert [row["campaign"]["id"] for row in insights["comparison"]] == order
    assert insights["isSingleCampaign"] is False
    assert insights["buttons"] is None


async def test_one_campaign_asked_for_twice_is_a_single_campaign(
    client: httpx.AsyncClient,
) -> None:
    a, _ = await _two_campaigns(client)

    insights = await _insights(client, [a["id"], a["id"]])

    assert [row["id"] for row in insights["campaigns"]] == [a["id"]]
    assert insights["isSingleCampaign"] is True
    assert insights["buttons"] is not None


async def test_the_summary_sums_counts_and_recomputes_rates_from_the_sums(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _two_campaigns(client)

    insights = await _insights(client, [a["id"], b["id"]])

    summary = insights["summary"]
    assert summary["delivery"] == {
        "recipients": 10,
        "sent": 10,
        "delivered": 4,
        "read": 1,
        "failed": 0,
    }
    engagement = summary["engagement"]
    assert (engagement["totalClicks"], engagement["uniqueClickers"]) == (1, 1)
    assert engagement["responders"] == 1
    # Averaging the two campaigns' rates would give 50, 50, 66.7, 50, 50 and 50.
    assert engagement["clickThroughRate"] == pytest.approx(10)
    assert engagement["uniqueClickThroughRate"] == pytest.approx(10)
    assert engagement["deliveryRate"] == pytest.approx(40)
    assert engagement["openRate"] == pytest.approx(25)
    assert engagement["clickRate"] == pytest.approx(25)
    assert engagement["responseRate"] == pytest.approx(25)
    assert parse_time(summary["lastEventAt"]) == at(125)


async def test_comparison_has_one_row_per_campaign_with_its_own_numbers(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _two_campaigns(client)

    insights = await _insights(client, [b["id"], a["id"]])

    rows = insights["comparison"]
    assert [(row["campaign"]["id"], row["campaign"]["name"]) for row in rows] == [
        (b["id"], "b"),
        (a["id"], "a"),
    ]
    for row in rows:
        own = await _campaign(client, row["campaign"]["id"])
        assert _without_as_of(row["stats"]) == _without_as_of(own["stats"])
    assert rows[0]["stats"]["engagement"]["deliveryRate"] == pytest.approx(100 / 3)
    assert rows[1]["stats"]["engagement"]["clickThroughRate"] == pytest.approx(100)


async def test_labels_and_sentiments_are_summed_across_the_selection(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _two_campaigns(client)

    insights = await _insights(client, [a["id"], b["id"]])

    assert [(row["label"], row["count"]) for row in insights["labels"]] == [
        ("vip", 2),
        ("lead", 1),
    ]
    assert [row["percentage"] for row in insights["labels"]] == pytest.approx([200 / 3, 100 / 3])
    assert [(row["sentiment"], row["count"]) for row in insights["sentiments"]] == [
        ("POSITIVE", 2),
        ("NEUTRAL", 0),
        ("NEGATIVE", 1),
    ]
    assert [row["percentage"] for row in insights["sentiments"]] == pytest.approx(
        [200 / 3, 0, 100 / 3]
    )


async def test_the_trend_is_summed_across_the_selection(client: httpx.AsyncClient) -> None:
    a, b = await _two_campaigns(client)

    insights = await _insights(client, [a["id"], b["id"]])

    zero = dict.fromkeys(("sent", "delivered", "read", "failed", "clicks", "replies"), 0)
    expected = [
        (at(0), {**zero, "sent": 10, "delivered": 1, "read": 1, "clicks": 1}),
        (at(60), {**zero, "replies": 1}),
        (at(120), {**zero, "delivered": 3}),
    ]
    assert [(parse_time(p.pop("bucketStart")), p) for p in insights["trend"]] == expected


async def test_the_selection_trend_is_the_sum_of_the_campaign_trends(
    client: httpx.AsyncClient,
) -> None:
    a, b = await _two_campaigns(client)
    window = {"from": iso(at(-60)), "to": iso(at(180))}

    both = (await _insights(client, [a["id"], b["id"]], **window))["trend"]
    one = (await _campaign(client, a["id"], **window))["trend"]
    two = (await _campaign(client, b["id"], **window))["trend"]

    assert len(both) == len(one) == len(two) == 5
    for total, x, y in zip(both, one, two, strict=True):
        assert total["bucketStart"] == x["bucketStart"] == y["bucketStart"]
        for name in ("sent", "delivered", "read", "failed", "clicks", "replies"):
            assert total[name] == x[name] + y[name], (total["bucketStart"], name)


async def test_insights_of_campaigns_without_events(client: httpx.AsyncClient) -> None:
    a = await create_campaign(client, "a", buttons=[("buy", "Buy")])
    b = await create_campaign(client, "b")

    insights = await _insights(client, [a["id"], b["id"]])

    assert insights["summary"]["delivery"]["recipients"] == 0
    assert insights["summary"]["engagement"]["clickThroughRate"] is None
    assert insights["summary"]["lastEventAt"] is None
    assert insights["labels"] == []
    assert [row["count"] for row in insights["sentiments"]] == [0, 0, 0]
    assert insights["trend"] == []


@pytest.mark.parametrize("position", ["alone", "among-known"])
async def test_an_unknown_campaign_is_an_error_naming_it(
    client: httpx.AsyncClient, position: str
) -> None:
    a = await create_campaign(client)
    ids = ["cmp_nope"] if position == "alone" else [a["id"], "cmp_nope"]

    errors = await gql_errors(client, IDS_ONLY, ids=ids)

    error = assert_clear_error(errors, "NOT_FOUND")
    assert "cmp_nope" in error["message"]
    assert a["id"] not in error["message"]


async def test_an_id_that_is_not_text_is_not_found(client: httpx.AsyncClient) -> None:
    # An unpaired surrogate: JSON can carry it, but no stored id can hold it.
    errors = await gql_errors(client, IDS_ONLY, ids=["cmp_\ud800"])

    assert_clear_error(errors, "NOT_FOUND")


async def test_another_workspaces_campaign_is_not_found(
    client: httpx.AsyncClient, store: Store
) -> None:
    theirs = await store.create_campaign("someone-else", "Theirs", [], None)

    errors = await gql_errors(client, IDS_ONLY, ids=[theirs.id])

    error = assert_clear_error(errors, "NOT_FOUND")
    assert theirs.id in error["message"]


async def test_an_empty_selection_is_an_error(client: httpx.AsyncClient) -> None:
    errors = await gql_errors(client, IDS_ONLY, ids=[])

    assert_clear_error(errors, "INVALID_INPUT")


async def test_more_than_100_campaigns_is_a_limit_error(client: httpx.AsyncClient) -> None:
    errors = await gql_errors(client, IDS_ONLY, ids=[f"cmp_{i}" for i in range(101)])

    assert_clear_error(errors, "LIMIT_EXCEEDED")


async def test_the_limit_counts_campaigns_after_duplicates_are_removed(
    client: httpx.AsyncClient,
) -> None:
    ids = [f"cmp_{i}" for i in range(100)] + ["cmp_0"]

    errors = await gql_errors(client, IDS_ONLY, ids=ids)

    # 100 distinct ids are allowed; these just don't exist.
    assert_clear_error(errors, "NOT_FOUND")


async def test_the_same_numbers_everywhere_in_one_request(client: httpx.AsyncClient) -> None:
    a, b = await _two_campaigns(client)

    data = await gql(client, SAME_NUMBERS, id=a["id"], other=b["id"])

    from_campaign = data["campaign"]["stats"]
    [from_single_comparison] = [row["stats"] for row in data["single"]["comparison"]]
    [from_pair_comparison] = [
        row["stats"] for row in data["pair"]["comparison"] if row["campaign"]["id"] == a["id"]
    ]
    [from_list] = [
        edge["node"]["stats"]
        for edge in data["campaigns"]["edges"]
        if edge["node"]["id"] == a["id"]
    ]
    # asOf too: one request reads its numbers at one time.
    assert data["single"]["summary"] == from_campaign
    assert from_single_comparison == from_campaign
    assert from_pair_comparison == from_campaign
    assert from_list == from_campaign
    assert from_campaign["delivery"]["recipients"] == 1


async def test_the_same_numbers_across_requests(client: httpx.AsyncClient) -> None:
    a, b = await _two_campaigns(client)

    first = await gql(client, SAME_NUMBERS, id=a["id"], other=b["id"])
    second = await gql(client, SAME_NUMBERS, id=a["id"], other=b["id"])

    one, two = first["campaign"]["stats"], second["campaign"]["stats"]
    assert _without_as_of(one) == _without_as_of(two)
    assert _without_as_of(first["single"]["summary"]) == _without_as_of(two)
    assert _without_as_of(second["single"]["summary"]) == _without_as_of(one)
    assert parse_time(two["asOf"]) >= parse_time(one["asOf"])
