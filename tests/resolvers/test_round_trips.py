"""A request makes a bounded number of store calls (and database commands), whatever its size.

The `store` fixture is overridden here: the app of the `client` fixture gets a proxy that
counts the awaited calls made on behalf of a request. On MongoDB the proxied store is a
second MongoStore on the same (cleaned) database whose client carries a pymongo
CommandListener, so database commands are counted too.

Only calls made while a request is being measured are counted (a context variable set
around the request): the app's background jobs (crash recovery, live updates, key checks)
run in their own tasks and don't count.
"""

from __future__ import annotations

import functools
import inspect
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from pymongo import AsyncMongoClient, monitoring

from store import MongoStore, Store
from store import mongo as mongo_backend
from store.models import ButtonSpec, CampaignRecord
from tests.factories import event
from tests.graphql import STATS, Json, gql

if TYPE_CHECKING:
    from tests.conftest import Services

_store_calls: ContextVar[Counter[str] | None] = ContextVar("store_calls", default=None)
_db_commands: ContextVar[Counter[str] | None] = ContextVar("db_commands", default=None)

TREND = "bucketStart sent delivered read failed clicks replies"
CAMPAIGN_FIELDS = f"""
    id name status buttons {{ id text }}
    createdAt updatedAt scheduledAt startedAt completedAt
    stats {{ {STATS} }}
    buttonStats {{ buttonId text clicks uniqueClickers percentage }}
    labels {{ label count percentage }}
    sentiments {{ sentiment count percentage }}
    trend(granularity: HOUR) {{ {TREND} }}
"""

EVERYTHING = f"""
query Everything($ids: [ID!]!) {{
  insights(campaignIds: $ids) {{
    campaigns {{ {CAMPAIGN_FIELDS} }}
    isSingleCampaign
    summary {{ {STATS} }}
    comparison {{ campaign {{ id name status }} stats {{ {STATS} }} }}
    buttons {{ buttonId text clicks uniqueClickers percentage }}
    labels {{ label count percentage }}
    sentiments {{ sentiment count percentage }}
    trend(granularity: HOUR) {{ {TREND} }}
  }}
}}
"""

LIST_EVERYTHING = f"""
query ListEverything($first: Int!) {{
  campaigns(first: $first) {{
    edges {{ cursor node {{ {CAMPAIGN_FIELDS} }} }}
    totalCount
  }}
}}
"""

CONTACTS_OF_EACH = """
query ContactsOfEach($ids: [ID!]!) {
  insights(campaignIds: $ids) {
    campaigns { id contacts(first: 5) { edges { node { recipientId state } } totalCount } }
  }
}
"""


class CountingStore:
    """Delegates every attribute to a store; counts awaited calls made while measuring."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        @functools.wraps(attribute)
        async def counted(*args: Any, **kwargs: Any) -> Any:
            calls = _store_calls.get()
            if calls is not None:
                calls[name] += 1
            return await attribute(*args, **kwargs)

        return counted


class CommandCounter(monitoring.CommandListener):
    """Counts the database commands started while measuring."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        commands = _db_commands.get()
        if commands is not None:
            commands[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def store(
    store: Store, services: Services, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[CountingStore]:
    if not isinstance(store, MongoStore):
        yield CountingStore(store)
        return
    # MongoStore makes its own client: give the one of this test's store a listener.
    listening = functools.partial(AsyncMongoClient, event_listeners=[CommandCounter()])
    monkeypatch.setattr(mongo_backend, "AsyncMongoClient", listening)
    inner = MongoStore(services.mongodb_url, database=store._db.name, journal_grace=0.5)
    monkeypatch.undo()
    try:
        yield CountingStore(inner)
    finally:
        await inner.close()


async def _measured(
    request: Callable[[], Awaitable[Json]],
) -> tuple[Json, Counter[str], Counter[str]]:
    calls: Counter[str] = Counter()
    commands: Counter[str] = Counter()
    calls_token, commands_token = _store_calls.set(calls), _db_commands.set(commands)
    try:
        data = await request()
    finally:
        _store_calls.reset(calls_token)
        _db_commands.reset(commands_token)
    return data, calls, commands


async def _campaigns_with_events(store: CountingStore, count: int) -> list[CampaignRecord]:
    """`count` campaigns of the API's workspace, each with one click (so a trend and numbers)."""
    buttons = [ButtonSpec("Buy", "buy"), ButtonSpec("Later", "later")]
    campaigns = [
        await store.inner.create_campaign("default", f"campaign {i}", buttons, None)
        for i in range(count)
    ]
    for start in range(0, count, 25):
        events = [
            event(c.id, "BUTTON_CLICKED", "r1", i % 180, button="buy")
            for i, c in enumerate(campaigns[start : start + 25], start)
        ]
        result = await store.inner.record_events("default", events)
        assert result.rejected == ()
    return campaigns


def _per_request(commands: Counter[str]) -> Counter[str]:
    """Commands whose number can't depend on the data: getMore only fetches a large
    result's further batches."""
    return Counter({name: n for name, n in commands.items() if name != "getMore"})


async def test_insights_with_every_field_makes_the_same_few_calls_for_10_or_100_campaigns(
    client: httpx.AsyncClient, store: CountingStore
) -> None:
    # given
    campaigns = await _campaigns_with_events(store, 100)
    ids = [c.id for c in campaigns]

    # when
    small, small_calls, small_commands = await _measured(
        lambda: gql(client, EVERYTHING, ids=ids[:10])
    )
    large, large_calls, large_commands = await _measured(lambda: gql(client, EVERYTHING, ids=ids))

    # then: the answers are complete
    assert len(small["insights"]["campaigns"]) == 10
    assert len(large["insights"]["campaigns"]) == 100
    assert large["insights"]["summary"]["engagement"]["totalClicks"] == 100
    assert all(c["trend"] for c in large["insights"]["campaigns"])
    # and the store was asked the same few times
    assert small_calls == large_calls, (small_calls, large_calls)
    assert sum(large_calls.values()) <= 5, large_calls
    if isinstance(store.inner, MongoStore):
        assert large_commands["find"] >= 1, "the command listener saw nothing"
        assert _per_request(small_commands) == _per_request(large_commands), (
            small_commands,
            large_commands,
        )
        assert sum(large_commands.values()) <= 10, large_commands


async def test_listing_campaigns_with_every_field_makes_the_same_few_calls(
    client: httpx.AsyncClient, store: CountingStore
) -> None:
    await _campaigns_with_events(store, 40)

    small, small_calls, small_commands = await _measured(
        lambda: gql(client, LIST_EVERYTHING, first=10)
    )
    large, large_calls, large_commands = await _measured(
        lambda: gql(client, LIST_EVERYTHING, first=40)
    )

    assert len(small["campaigns"]["edges"]) == 10
    assert len(large["campaigns"]["edges"]) == 40
    assert small_calls == large_calls, (small_calls, large_calls)
    assert sum(large_calls.values()) <= 5, large_calls
    if isinstance(store.inner, MongoStore):
        assert large_commands["find"] >= 1, "the command listener saw nothing"
        assert _per_request(small_commands) == _per_request(large_commands), (
            small_commands,
            large_commands,
        )
        assert sum(large_commands.values()) <= 10, large_commands


async def test_contacts_of_many_campaigns_are_read_in_one_store_call(
    client: httpx.AsyncClient, store: CountingStore
) -> None:
    campaigns = await _campaigns_with_events(store, 12)
    ids = [c.id for c in campaigns]

    small, small_calls, _ = await _measured(lambda: gql(client, CONTACTS_OF_EACH, ids=ids[:3]))
    large, large_calls, _ = await _measured(lambda: gql(client, CONTACTS_OF_EACH, ids=ids))

    assert [c["contacts"]["totalCount"] for c in large["insights"]["campaigns"]] == [1] * 12
    assert len(small["insights"]["campaigns"]) == 3
    assert small_calls == large_calls, (small_calls, large_calls)
    assert sum(large_calls.values()) <= 3, large_calls
    # Database commands are not bounded here: on MongoDB each campaign's page is its own
    # query and count (the contract says nothing about it).
