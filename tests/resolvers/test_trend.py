"""A campaign's trend: buckets by granularity and time zone, ranges, late receipts, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.factories import T0, at
from tests.graphql import (
    STATS,
    Json,
    create_campaign,
    event,
    gql,
    gql_errors,
    iso,
    parse_time,
    record_all,
)

TREND = """
query Trend(
  $id: ID!, $granularity: Granularity! = HOUR, $from: DateTime, $to: DateTime,
  $zone: String! = "UTC"
) {
  campaign(id: $id) {
    trend(granularity: $granularity, from: $from, to: $to, timeZone: $zone) {
      bucketStart sent delivered read failed clicks replies
    }
  }
}
"""

DEFAULT_TREND = """
query DefaultTrend($id: ID!) {
  campaign(id: $id) { trend { bucketStart sent } }
}
"""

TREND_SIZE = """
query TrendSize($id: ID!, $granularity: Granularity!, $from: DateTime, $to: DateTime) {
  campaign(id: $id) { trend(granularity: $granularity, from: $from, to: $to) { sent } }
}
"""

TREND_AND_STATS = f"""
query TrendAndStats($id: ID!, $granularity: Granularity!, $zone: String!) {{
  campaign(id: $id) {{
    stats {{ {STATS} }}
    trend(granularity: $granularity, timeZone: $zone) {{
      bucketStart sent delivered read failed clicks replies
    }}
  }}
}}
"""

FIELDS = ("sent", "delivered", "read", "failed", "clicks", "replies")
ZERO = dict.fromkeys(FIELDS, 0)


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _minutes(moment: datetime) -> float:
    """`moment` as minutes after T0, for tests.graphql.event."""
    return (moment - T0) / timedelta(minutes=1)


Points = list[tuple[datetime, dict[str, int]]]


async def _trend(client: httpx.AsyncClient, campaign_id: str, **arguments: object) -> Points:
    points = (await gql(client, TREND, id=campaign_id, **arguments))["campaign"]["trend"]
    return [(parse_time(p.pop("bucketStart")), p) for p in points]


def _sent(points: Points) -> list[tuple[datetime, int]]:
    return [(start, counts["sent"]) for start, counts in points]


async def _new_campaign(client: httpx.AsyncClient) -> str:
    campaign_id: str = (await create_campaign(client))["id"]
    return campaign_id


async def test_minute_buckets_include_the_empty_ones(client: httpx.AsyncClient) -> None:
    c = await create_campaign(client)
    await record_all(
        client,
        [
            event(c["id"], "SENT", "r1", 0),
            event(c["id"], "SENT", "r2", 0.5),
            event(c["id"], "DELIVERED", "r1", 3),
        ],
    )

    points = await _trend(client, c["id"], granularity="MINUTE")

    assert points == [
        (at(0), {**ZERO, "sent": 2}),
        (at(1), ZERO),
        (at(2), ZERO),
        (at(3), {**ZERO, "delivered": 1}),
    ]


async def test_hour_buckets_are_the_default(client: httpx.AsyncClient) -> None:
    c = await create_campaign(client)
    await record_all(
        client,
        [
            event(c["id"], "SENT", "r1", 10),
            event(c["id"], "BUTTON_CLICKED", "r2", 170, button="buy"),
        ],
    )

    points = await _trend(client, c["id"])
    default = (await gql(client, DEFAULT_TREND, id=c["id"]))["campaign"]["trend"]

    assert points == [
        (at(0), {**ZERO, "sent": 1}),
        (at(60), ZERO),
        (at(120), {**ZERO, "sent": 1, "delivered": 1, "read": 1, "clicks": 1}),
    ]
    assert [(parse_time(p["bucketStart"]), p["sent"]) for p in default] == _sent(points)


async def test_day_buckets(client: httpx.AsyncClient) -> None:
    c = await _new_campaign(client)
    await record_all(
        client,
        [
            event(c, "SENT", "r1", 0),
            event(c, "REPLIED", "r1", _minutes(_utc(4, 14))),
            event(c, "FAILED", "r2", _minutes(_utc(4, 23, 59))),
        ],
    )

    points = await _trend(client, c, granularity="DAY")

    assert points == [
        (_utc(2, 0), {**ZERO, "sent": 1}),
        (_utc(3, 0), ZERO),
        (_utc(4, 0), {**ZERO, "delivered": 1, "read": 1, "replies": 1, "failed": 1}),
    ]


@pytest.mark.parametrize(
    ("window", "starts"),
    [
        pytest.param({}, [at(0), at(60), at(120)], id="default-first-to-last-event"),
        pytest.param(
            {"from": iso(at(-30)), "to": iso(at(195))},
            [at(-60), at(0), at(60), at(120), at(180)],
            id="wider",
        ),
        pytest.param({"from": iso(at(60)), "to": iso(at(119))}, [at(60)], id="narrower"),
        pytest.param({"from": iso(at(90))}, [at(60), at(120)], id="from-only"),
        pytest.param({"to": iso(at(65))}, [at(0), at(60)], id="to-only"),
        pytest.param({"from": iso(at(120)), "to": iso(at(120))}, [at(120)], id="one-instant"),
    ],
)
async def test_explicit_from_and_to_include_both_ends_buckets(
    client: httpx.AsyncClient, window: dict[str, str], starts: list[datetime]
) -> None:
    c = await _new_campaign(client)
    await record_all(
        client,
        [
            event(c, "SENT", "r1", 10),
            event(c, "SENT", "r2", 70),
            event(c, "SENT", "r3", 130),
        ],
    )

    points = await _trend(client, c, **window)

    assert [start for start, _ in points] == starts
    in_range = {at(0): 1, at(60): 1, at(120): 1}
    assert _sent(points) == [(start, in_range.get(start, 0)) for start in starts]


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"from": "2026-11-02T08:00:00", "to": "2026-11-02T12:00:00Z"}, id="from"),
        pytest.param({"from": "2026-11-02T08:00:00Z", "to": "2026-11-02T12:00:00"}, id="to"),
        pytest.param({"from": "2026-11-02T08:00:00", "to": "2026-11-02T12:00:00"}, id="both"),
    ],
)
async def test_a_time_without_an_offset_is_taken_as_utc(
    client: httpx.AsyncClient, window: dict[str, str]
) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 10), event(c, "SENT", "r2", 70)])

    points = await _trend(client, c, **window)

    assert _sent(points) == [(at(-60), 0), (at(0), 1), (at(60), 1), (at(120), 0), (at(180), 0)]


@pytest.mark.parametrize(
    ("zone", "hours", "days"),
    [
        pytest.param(
            "UTC",
            [(_utc(2, 9), 2)],
            [(_utc(2, 0), 3)],
            id="UTC",
        ),
        pytest.param(
            "Asia/Kolkata",  # +05:30
            [(_utc(2, 8, 30), 1), (_utc(2, 9, 30), 1)],
            [(_utc(1, 18, 30), 2), (_utc(2, 18, 30), 1)],
            id="Kolkata",
        ),
        pytest.param(
            "Asia/Kathmandu",  # +05:45
            [(_utc(2, 8, 15), 1), (_utc(2, 9, 15), 1)],
            [(_utc(1, 18, 15), 2), (_utc(2, 18, 15), 1)],
            id="Kathmandu",
        ),
    ],
)
async def test_buckets_start_at_local_hour_and_day_boundaries(
    client: httpx.AsyncClient,
    zone: str,
    hours: list[tuple[datetime, int]],
    days: list[tuple[datetime, int]],
) -> None:
    # given: 09:10Z, 09:40Z (the hour buckets) and 20:00Z (the next local day east of UTC)
    c = await _new_campaign(client)
    await record_all(
        client,
        [
            event(c, "SENT", "r1", 10),
            event(c, "SENT", "r2", 40),
            event(c, "SENT", "r3", _minutes(_utc(2, 20))),
        ],
    )
    early = {"to": iso(at(40))}

    # when
    hour_points = await _trend(client, c, granularity="HOUR", zone=zone, **early)
    day_points = await _trend(client, c, granularity="DAY", zone=zone)

    # then
    assert _sent(hour_points) == hours
    assert _sent(day_points) == days
    local = ZoneInfo(zone)
    for start, _ in hour_points:
        assert (start.astimezone(local).minute, start.astimezone(local).second) == (0, 0)
    for start, _ in day_points:
        assert start.astimezone(local).time() == datetime.min.time()


async def test_minute_buckets_in_a_quarter_hour_zone(client: httpx.AsyncClient) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 7.5), event(c, "SENT", "r2", 9)])

    points = await _trend(client, c, granularity="MINUTE", zone="Asia/Kathmandu")

    assert [start for start, _ in points] == [at(7), at(8), at(9)]
    assert [counts["sent"] for _, counts in points] == [1, 0, 1]


async def test_day_buckets_follow_daylight_saving_changes(client: httpx.AsyncClient) -> None:
    # New York left daylight saving time on 2026-11-01: that local day lasted 25 hours.
    c = await _new_campaign(client)
    await record_all(
        client,
        [
            event(c, "SENT", "r1", _minutes(_utc(1, 4, 30))),  # 00:30 EDT, Nov 1
            event(c, "SENT", "r2", _minutes(_utc(2, 4, 30))),  # 23:30 EST, Nov 1
            event(c, "SENT", "r3", _minutes(_utc(2, 5, 30))),  # 00:30 EST, Nov 2
        ],
    )

    points = await _trend(client, c, granularity="DAY", zone="America/New_York")

    assert _sent(points) == [(_utc(1, 4), 2), (_utc(2, 5), 1)]


async def test_a_late_receipt_moves_the_transition_into_the_earlier_bucket(
    client: httpx.AsyncClient,
) -> None:
    # given: a READ at 10:30 arrives first; it implies SENT and DELIVERED at 10:30
    c = await _new_campaign(client)
    await record_all(client, [event(c, "READ", "r1", 90)])
    before = await _trend(client, c, **{"from": iso(at(0))})

    # when: the SENT receipt of 09:15 arrives late
    await record_all(client, [event(c, "SENT", "r1", 15)])
    after = await _trend(client, c)

    # then
    assert before == [(at(0), ZERO), (at(60), {**ZERO, "sent": 1, "delivered": 1, "read": 1})]
    assert after == [(at(0), {**ZERO, "sent": 1}), (at(60), {**ZERO, "delivered": 1, "read": 1})]


async def test_a_later_delivery_takes_a_failure_back_out_of_its_bucket(
    client: httpx.AsyncClient,
) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0), event(c, "FAILED", "r1", 10)])
    before = await _trend(client, c, **{"to": iso(at(70))})

    await record_all(client, [event(c, "DELIVERED", "r1", 70)])
    after = await _trend(client, c)

    assert before == [(at(0), {**ZERO, "sent": 1, "failed": 1}), (at(60), ZERO)]
    assert after == [(at(0), {**ZERO, "sent": 1}), (at(60), {**ZERO, "delivered": 1})]


def _mixed_events(c: str) -> list[Json]:
    return [
        event(c, "SENT", "r1", 0),
        event(c, "DELIVERED", "r1", 5),
        event(c, "BUTTON_CLICKED", "r1", 61, button="buy"),
        event(c, "BUTTON_CLICKED", "r1", 62, button="later"),
        event(c, "SENT", "r2", 3),
        event(c, "FAILED", "r2", 4),
        event(c, "FAILED", "r3", 200),
        event(c, "REPLIED", "r4", 1500),
        event(c, "SENT", "r5", 1600),
        event(c, "FAILED", "r5", 1601),
        event(c, "DELIVERED", "r5", 1602),  # got further than SENT: not failed
        event(c, "READ", "r6", 3000),
        event(c, "SENT", "r6", 2999.5),
        event(c, "LABEL_ADDED", "r6", 3001, label="vip"),
        event(c, "SENTIMENT_SET", "r7", 10, sentiment="POSITIVE"),
    ]


@pytest.mark.parametrize("granularity", ["MINUTE", "HOUR", "DAY"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu"])
async def test_buckets_sum_to_the_totals(
    client: httpx.AsyncClient, granularity: str, zone: str
) -> None:
    c = await _new_campaign(client)
    await record_all(client, _mixed_events(c))

    data = (await gql(client, TREND_AND_STATS, id=c, granularity=granularity, zone=zone))[
        "campaign"
    ]

    totals = {name: sum(point[name] for point in data["trend"]) for name in FIELDS}
    delivery, engagement = data["stats"]["delivery"], data["stats"]["engagement"]
    assert totals == {
        "sent": delivery["sent"],
        "delivered": delivery["delivered"],
        "read": delivery["read"],
        "failed": delivery["failed"],
        "clicks": engagement["totalClicks"],
        "replies": engagement["responders"],
    }
    assert totals == {"sent": 5, "delivered": 4, "read": 3, "failed": 2, "clicks": 2, "replies": 1}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "UTC+5:30"])
async def test_an_unknown_time_zone_is_an_input_error(client: httpx.AsyncClient, zone: str) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0)])

    errors = await gql_errors(client, TREND, id=c, zone=zone)

    assert [(e.get("extensions") or {}).get("code") for e in errors] == ["INVALID_INPUT"]
    assert "unexpected error" not in errors[0]["message"]


async def test_from_after_to_is_an_input_error(client: httpx.AsyncClient) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0)])

    errors = await gql_errors(client, TREND, id=c, **{"from": iso(at(60)), "to": iso(at(0))})

    assert [(e.get("extensions") or {}).get("code") for e in errors] == ["INVALID_INPUT"]


@pytest.mark.parametrize(
    ("granularity", "window"),
    [
        pytest.param("MINUTE", {"from": iso(at(0)), "to": iso(at(10_000))}, id="10001-minutes"),
        pytest.param(
            "HOUR", {"from": "2025-01-01T00:00:00Z", "to": iso(at(0))}, id="about-16000-hours"
        ),
        pytest.param("MINUTE", {}, id="events-8-days-apart"),
    ],
)
async def test_a_range_of_more_than_10000_buckets_is_an_error(
    client: httpx.AsyncClient, granularity: str, window: dict[str, str]
) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0), event(c, "SENT", "r2", 8 * 24 * 60)])

    errors = await gql_errors(client, TREND_SIZE, id=c, granularity=granularity, **window)

    # The contract names no code for this; either of these reads right.
    assert [(e.get("extensions") or {}).get("code") for e in errors] in (
        ["INVALID_INPUT"],
        ["LIMIT_EXCEEDED"],
    )
    assert "unexpected error" not in errors[0]["message"]


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"from": "0001-01-01T00:00:00+05:00"}, id="from-before-year-1-in-utc"),
        pytest.param({"to": "9999-12-31T23:59:59-05:00"}, id="to-after-year-9999-in-utc"),
        pytest.param(
            {"from": "0001-01-01T00:00:00Z", "to": "0001-01-01T00:00:00Z"},
            id="year-1-in-new-york",
        ),
    ],
)
async def test_a_time_at_the_end_of_the_calendar_is_a_clear_error(
    client: httpx.AsyncClient, window: dict[str, str]
) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0)])

    errors = await gql_errors(
        client, TREND, id=c, granularity="DAY", zone="America/New_York", **window
    )

    assert [(e.get("extensions") or {}).get("code") for e in errors] in (
        ["INVALID_INPUT"],
        ["LIMIT_EXCEEDED"],
    )
    assert "unexpected error" not in errors[0]["message"]


async def test_a_range_of_exactly_10000_buckets_is_allowed(client: httpx.AsyncClient) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0), event(c, "SENT", "r2", 9_999)])

    points = (await gql(client, TREND_SIZE, id=c, granularity="MINUTE"))["campaign"]["trend"]

    assert len(points) == 10_000
    assert sum(p["sent"] for p in points) == 2
    assert points[0]["sent"] == points[-1]["sent"] == 1


async def test_events_far_apart_still_work_with_a_coarser_granularity(
    client: httpx.AsyncClient,
) -> None:
    c = await _new_campaign(client)
    await record_all(client, [event(c, "SENT", "r1", 0), event(c, "SENT", "r2", 8 * 24 * 60)])

    points = await _trend(client, c, granularity="DAY")

    assert len(points) == 9
    assert [counts["sent"] for _, counts in points] == [1, 0, 0, 0, 0, 0, 0, 0, 1]


async def test_a_campaign_without_events_has_an_empty_trend(client: httpx.AsyncClient) -> None:
    c = await _new_campaign(client)

    for granularity in ("MINUTE", "HOUR", "DAY"):
        assert await _trend(client, c, granularity=granularity) == []


async def test_an_explicit_range_without_events_has_empty_buckets(
    client: httpx.AsyncClient,
) -> None:
    c = await _new_campaign(client)

    points = await _trend(client, c, **{"from": iso(at(0)), "to": iso(at(150))})

    assert points == [(at(0), ZERO), (at(60), ZERO), (at(120), ZERO)]
