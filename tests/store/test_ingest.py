"""Ingestion semantics, the same on every backend."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest

from store import Store
from store.models import ButtonSpec, CampaignRecord, ErrorCode, Sentiment, TrendQuery
from store.mongo import MongoStore
from tests.factories import at, event


async def _campaign(store: Store, workspace: str) -> CampaignRecord:
    return await store.create_campaign(
        workspace, "Summer sale", [ButtonSpec("Buy", "buy"), ButtonSpec("Later", "later")], None
    )


async def _counters(store: Store, workspace: str, campaign_id: str):  # type: ignore[no-untyped-def]
    return (await store.get_campaigns(workspace, [campaign_id]))[campaign_id].counters


async def test_a_repeated_event_id_counts_once_within_and_across_batches(
    store: Store, workspace: str
) -> None:
    c = await _campaign(store, workspace)
    click = event(c.id, "BUTTON_CLICKED", "r1", 1, button="buy", event_id="e1")

    first = await store.record_events(workspace, [click, click])
    second = await store.record_events(workspace, [click])

    assert (first.accepted, first.duplicates) == (1, 1)
    assert (second.accepted, second.duplicates) == (0, 1)
    counters = await _counters(store, workspace, c.id)
    assert counters.clicks == 1 and counters.buttons["buy"].clicks == 1


async def test_implied_states_count_first_time_transitions(store: Store, workspace: str) -> None:
    c = await _campaign(store, workspace)
    events = [
        event(c.id, "SENT", "r1", 0),
        event(c.id, "DELIVERED", "r1", 1),
        event(c.id, "READ", "r1", 2),
        event(c.id, "BUTTON_CLICKED", "r2", 3, button="buy"),
        event(c.id, "BUTTON_CLICKED", "r2", 4, button="later"),
        event(c.id, "REPLIED", "r3", 5),
        event(c.id, "FAILED", "r4", 6),
        event(c.id, "SENT", "r5", 7),
    ]

    await store.record_events(workspace, events)

    counters = await _counters(store, workspace, c.id)
    assert (counters.recipients, counters.sent, counters.delivered, counters.read) == (5, 4, 3, 3)
    assert (counters.failed, counters.clicks, counters.clickers, counters.responders) == (
        1,
        2,
        1,
        1,
    )
    assert counters.buttons["buy"].clicks == 1 and counters.buttons["later"].clickers == 1
    assert counters.first_event_at == at(0) and counters.last_event_at == at(7)


async def test_order_of_arrival_does_not_matter(store: Store, workspace: str) -> None:
    c1, c2 = await _campaign(store, workspace), await _campaign(store, workspace)
    stream = [
        ("READ", "r1", 5, {}),
        ("SENT", "r1", 1, {}),
        ("BUTTON_CLICKED", "r1", 6, {"button": "buy"}),
        ("LABEL_ADDED", "r1", 10, {"label": "lead"}),
        ("LABEL_REMOVED", "r1", 4, {"label": "lead"}),
        ("SENTIMENT_SET", "r1", 8, {"sentiment": "NEGATIVE"}),
        ("SENTIMENT_SET", "r1", 3, {"sentiment": "POSITIVE"}),
        ("FAILED", "r2", 2, {}),
        ("DELIVERED", "r2", 9, {}),
    ]
    forward = [
        event(c1.id, k, r, m, event_id=f"a{i}", **kw) for i, (k, r, m, kw) in enumerate(stream)
    ]
    backward = [
        event(c2.id, k, r, m, event_id=f"b{i}", **kw) for i, (k, r, m, kw) in enumerate(stream)
    ]
    random.Random(4).shuffle(backward)

    await store.record_events(workspace, forward)
    for e in backward:
        await store.record_events(workspace, [e])

    one, two = await _counters(store, workspace, c1.id), await _counters(store, workspace, c2.id)
    assert dataclasses.asdict(one) == dataclasses.asdict(two)
    assert one.labels == {"lead": 1} and one.sentiments == {Sentiment.NEGATIVE: 1}
    assert one.failed == 0 and one.delivered == 2


async def test_bad_events_are_rejected_by_index_and_the_good_ones_applied(
    store: Store, workspace: str
) -> None:
    c = await _campaign(store, workspace)
    events = [
        event(c.id, "SENT", "r1", 0),
        event("cmp_missing", "SENT", "r1", 0),
        event(c.id, "BUTTON_CLICKED", "r1", 1, button="nope"),
        event(c.id, "BUTTON_CLICKED", "r1", 1),
        event(c.id, "LABEL_ADDED", "r1", 1, label="x" * 65),
        event(c.id, "SENTIMENT_SET", "r1", 1),
        dataclasses.replace(event(c.id, "SENT", "r2", 0), recipient_id="r" * 129),
        event(c.id, "DELIVERED", "r1", 2),
    ]

    result = await store.record_events(workspace, events)

    assert result.accepted == 2
    assert [(r.index, r.code) for r in result.rejected] == [
        (1, ErrorCode.NOT_FOUND),
        (2, ErrorCode.INVALID_INPUT),
        (3, ErrorCode.INVALID_INPUT),
        (4, ErrorCode.INVALID_INPUT),
        (5, ErrorCode.INVALID_INPUT),
        (6, ErrorCode.INVALID_INPUT),
    ]
    assert "buttonId" in result.rejected[2].message and "label" in result.rejected[3].message
    assert (await _counters(store, workspace, c.id)).delivered == 1


async def test_another_workspaces_campaign_is_not_found(store: Store, workspace: str) -> None:
    c = await _campaign(store, workspace)

    result = await store.record_events("someone-else", [event(c.id, "SENT", "r1", 0)])

    assert [r.code for r in result.rejected] == [ErrorCode.NOT_FOUND]
    assert (await _counters(store, workspace, c.id)).sent == 0
    assert await store.get_campaigns("someone-else", [c.id]) == {}


async def test_event_ids_are_scoped_by_workspace(store: Store, workspace: str) -> None:
    mine = await _campaign(store, workspace)
    theirs = await _campaign(store, "other-" + workspace)

    await store.record_events(workspace, [event(mine.id, "SENT", "r1", event_id="same")])
    result = await store.record_events(
        "other-" + workspace, [event(theirs.id, "SENT", "r1", event_id="same")]
    )

    assert result.accepted == 1


async def test_a_label_count_drops_when_the_newest_event_removes_it(
    store: Store, workspace: str
) -> None:
    c = await _campaign(store, workspace)
    await store.record_events(
        workspace, [event(c.id, "LABEL_ADDED", r, 1, label="lead") for r in ("a", "b")]
    )

    await store.record_events(workspace, [event(c.id, "LABEL_REMOVED", "a", 2, label="lead")])

    assert (await _counters(store, workspace, c.id)).labels == {"lead": 1}


@pytest.mark.parametrize("moment", ["before-apply", "before-finalize", "before-marking"])
async def test_mongodb_crash_then_client_retry_is_exact(
    mongodb: MongoStore, workspace: str, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    # (A crash of the memory backend loses the whole process: there is nothing to retry.)
    store = mongodb
    c = await _campaign(store, workspace)
    batch = [event(c.id, "READ", f"r{i}", i, event_id=f"e{i}") for i in range(20)]
    batch += [
        event(c.id, "BUTTON_CLICKED", f"r{i}", 30, button="buy", event_id=f"k{i}") for i in range(5)
    ]
    target = {
        "before-apply": "_apply",
        "before-finalize": "_finalize",
        "before-marking": "_mark_applied",
    }[moment]
    original = getattr(MongoStore, target)

    async def crash(self: MongoStore, *args: object) -> None:
        raise ConnectionResetError("simulated crash")

    monkeypatch.setattr(MongoStore, target, crash)
    with pytest.raises(ConnectionResetError):
        await store.record_events(workspace, batch)
    monkeypatch.setattr(MongoStore, target, original)

    retry = await store.record_events(workspace, batch)

    assert retry.duplicates == len(batch)
    counters = await _counters(store, workspace, c.id)
    assert (counters.read, counters.clicks, counters.clickers) == (20, 5, 5)
    assert counters.buttons["buy"].clicks == 5
    rows = await store.trend(workspace, [TrendQuery(c.id, 15, at(-60), at(120))])
    assert sum(r.read for r in rows[0]) == 20 and sum(r.clicks for r in rows[0]) == 5


async def test_mongodb_recovery_applies_stored_events_without_a_retry(
    mongodb: MongoStore, workspace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = mongodb
    c = await _campaign(store, workspace)

    async def crash(self: MongoStore, *args: object) -> None:
        raise ConnectionResetError("simulated crash")

    monkeypatch.setattr(MongoStore, "_apply", crash)
    with pytest.raises(ConnectionResetError):
        await store.record_events(workspace, [event(c.id, "SENT", f"r{i}", i) for i in range(3)])
    monkeypatch.undo()

    fixed = await store.recover(older_than=timedelta(0))

    assert fixed == 3
    assert (await _counters(store, workspace, c.id)).sent == 3


async def test_an_event_that_changes_no_recipient_still_moves_last_event_at(
    store: Store, workspace: str
) -> None:
    # given a recipient who read at 0 and was labelled at 5 (labels don't count for lastEventAt)
    c = await _campaign(store, workspace)
    await store.record_events(
        workspace,
        [event(c.id, "READ", "r1", 0), event(c.id, "LABEL_ADDED", "r1", 5, label="x")],
    )

    # when a SENT at 3 arrives: the recipient's state doesn't change
    await store.record_events(workspace, [event(c.id, "SENT", "r1", 3)])

    # then the campaign's last delivery event moved to 3 all the same
    counters = await _counters(store, workspace, c.id)
    assert (counters.first_event_at, counters.last_event_at) == (at(0), at(3))
