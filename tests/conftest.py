"""Real services for the whole session, and the same tests against every store backend.

FerretDB (MongoDB wire protocol, embedded in tools/mongotest) and redis-server are
started once per session unless INSIGHTS_TEST_MONGODB_URL / INSIGHTS_TEST_REDIS_URL
name running servers. A server that can't start fails the run: it is never skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.settings import Settings
from store import MemoryStore, MongoStore, Store
from tests.keys import API_KEYS, auth
from tests.services import FerretDB, RedisServer


@dataclass(frozen=True)
class Services:
    mongodb_url: str
    redis_url: str
    # True when the MongoDB URL is a real MongoDB given by the caller, not our FerretDB.
    real_mongodb: bool
    ferretdb: FerretDB | None
    redis: RedisServer | None


@pytest.fixture(scope="session")
def services(request: pytest.FixtureRequest) -> Iterator[Services]:
    started: list[Any] = []
    mongodb_url = os.environ.get("INSIGHTS_TEST_MONGODB_URL")
    redis_url = os.environ.get("INSIGHTS_TEST_REDIS_URL")
    ferretdb = redis = None
    try:
        if not mongodb_url:
            ferretdb = FerretDB()
            ferretdb.start()
            started.append(ferretdb)
            mongodb_url = ferretdb.url
        if not redis_url:
            redis = RedisServer()
            redis.start()
            started.append(redis)
            redis_url = redis.url
        started_line = (
            "\n".join(
                f"[services] started {server.version} at {server.url} pid {server.pid}"
                for server in started
            )
            or "[services] using the servers given by INSIGHTS_TEST_*"
        )
        plugins = request.config.pluginmanager
        reporter, capture = (
            plugins.get_plugin("terminalreporter"),
            plugins.get_plugin("capturemanager"),
        )
        if reporter is not None and capture is not None:  # into the run's log, not captured
            with capture.global_and_fixture_disabled():
                reporter.write_line(
                    f"\n{started_line}\n[services] MongoDB {mongodb_url}  Redis {redis_url}"
                )
        yield Services(
            mongodb_url=mongodb_url,
            redis_url=redis_url,
            real_mongodb=ferretdb is None,
            ferretdb=ferretdb,
            redis=redis,
        )
    finally:
        for server in reversed(started):
            server.close()


@pytest.fixture(scope="session", autouse=True)
def _start_services(services: Services) -> None:
    """Start the real servers up front, so the log shows them whatever tests are selected."""


@pytest.fixture(scope="session")
async def mongo_store(services: Services) -> AsyncIterator[MongoStore]:
    store = MongoStore(
        services.mongodb_url, database=f"insights_test_{secrets.token_hex(4)}", journal_grace=0.5
    )
    await store.create_indexes()
    yield store
    await store._client.drop_database(store._db.name)
    await store.close()


@pytest.fixture
async def mongodb(mongo_store: MongoStore) -> MongoStore:
    """The MongoDB-backed store, emptied (Beanie's clean_db)."""
    for name in await mongo_store._db.list_collection_names():
        await mongo_store._db[name].delete_many({})
    return mongo_store


@pytest.fixture(params=["memory", "mongodb"])
async def store(request: pytest.FixtureRequest, mongo_store: MongoStore) -> AsyncIterator[Store]:
    """Each test using this runs once per backend, on a clean store."""
    if request.param == "memory":
        yield MemoryStore()
        return
    for name in await mongo_store._db.list_collection_names():
        await mongo_store._db[name].delete_many({})
    yield mongo_store


@pytest.fixture
def workspace() -> str:
    return "ws_" + secrets.token_hex(4)


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app on the parametrised store (in-process ASGI transport)."""
    app = create_app(app_settings(), store=store)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers=auth()
        ) as http,
    ):
        yield http


def app_settings(**overrides: Any) -> Settings:
    """Settings for in-process apps: the test keys, and no rate limit to speak of."""
    options: dict[str, Any] = {"api_keys": API_KEYS, "rate_limit": 1e6, "rate_burst": 10**6}
    return Settings(**(options | overrides))
