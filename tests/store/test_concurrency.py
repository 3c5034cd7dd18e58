"""Many writers at once, overlapping eventIds: counts stay exact.

Runs on memory:// always, and on MongoDB only when INSIGHTS_TEST_MONGODB_URL points at a
real MongoDB: FerretDB applies updates as read-modify-write without atomicity, so
concurrent writers to one document can lose updates there (not a bug of ours to test).
"""

from __future__ import annotations

import asyncio
import random
import sys
import textwrap

import pytest

from store import MemoryStore, MongoStore, Store
from store.models import ButtonSpec, EventInput
from tests.conftest import Services
from tests.factories import event

WRITERS = 8


def _events(campaign_id: str) -> list[EventInput]:
    events = []
    for r in range(60):
        events.append(event(campaign_id, "SENT", f"r{r}", 0, event_id=f"s{r}"))
        events.append(event(campaign_id, "READ", f"r{r}", 5 + r % 7, event_id=f"d{r}"))
        if r % 3 == 0:
            events.append(
                event(campaign_id, "BUTTON_CLICKED", f"r{r}", 9, button="b", event_id=f"c{r}")
            )
        if r % 4 == 0:
            events.append(
                event(campaign_id, "LABEL_ADDED", f"r{r}", 3, label="lead", event_id=f"l{r}")
            )
    return events


async def _hammer(store: Store, workspace: str, campaign_id: str) -> None:
    events = _events(campaign_id)

    async def writer(seed: int) -> None:
        mine = events[:]
        random.Random(seed).shuffle(mine)
        for start in range(0, len(mine), 25):
            await store.record_events(workspace, mine[start : start + 25])

    await asyncio.gather(*(writer(seed) for seed in range(WRITERS)))


def _check(counters) -> None:  # type: ignore[no-untyped-def]
    assert (counters.recipients, counters.sent, counters.read) == (60, 60, 60)
    assert (counters.clicks, counters.clickers) == (20, 20)
    assert counters.labels == {"lead": 15}


@pytest.fixture
async def real_mongodb(services: Services, mongodb: MongoStore) -> MongoStore:
    if not services.real_mongodb:
        pytest.skip(
            "concurrent writers need real MongoDB (set INSIGHTS_TEST_MONGODB_URL): FerretDB's "
            "updates are not atomic under concurrent writers"
        )
    return mongodb


async def test_concurrent_writers_are_exact_on_memory(workspace: str) -> None:
    store = MemoryStore()
    campaign = await store.create_campaign(workspace, "C", [ButtonSpec("Go", "b")], None)

    await _hammer(store, workspace, campaign.id)

    _check((await store.get_campaigns(workspace, [campaign.id]))[campaign.id].counters)


async def test_concurrent_writers_are_exact_on_real_mongodb(
    real_mongodb: MongoStore, workspace: str
) -> None:
    campaign = await real_mongodb.create_campaign(workspace, "C", [ButtonSpec("Go", "b")], None)

    await _hammer(real_mongodb, workspace, campaign.id)

    _check((await real_mongodb.get_campaigns(workspace, [campaign.id]))[campaign.id].counters)


WRITER_PROCESS = textwrap.dedent(
    """
    import asyncio, json, random, sys
    from store import MongoStore
    from tests.store.test_concurrency import _events
    url, database, workspace, campaign_id, seed = sys.argv[1:]
    async def main():
        store = MongoStore(url, database=database)
        events = _events(campaign_id)
        random.Random(int(seed)).shuffle(events)
        for start in range(0, len(events), 25):
            await store.record_events(workspace, events[start:start + 25])
        await store.close()
    asyncio.run(main())
    """
)


async def test_two_processes_are_exact_on_real_mongodb(
    real_mongodb: MongoStore, services: Services, workspace: str
) -> None:
    campaign = await real_mongodb.create_campaign(workspace, "C", [ButtonSpec("Go", "b")], None)
    database = real_mongodb._db.name
    args = [services.mongodb_url, database, workspace, campaign.id]
    processes = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER_PROCESS, *args, str(seed))
        for seed in range(2)
    ]
    codes = [await p.wait() for p in processes]

    assert codes == [0, 0]
    _check((await real_mongodb.get_campaigns(workspace, [campaign.id]))[campaign.id].counters)
