"""The Starlette app: GraphQL (and GraphiQL) at /graphql, resources owned by the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from pubsub.live import LiveUpdates
from resolvers.context import InsightsContext
from schema import schema
from server.metrics import LiveCollector, metrics_endpoint
from server.settings import Settings
from store import Store, open_store
from store.errors import StoreUnavailable

logger = logging.getLogger("insights")


class InsightsGraphQL(GraphQL[InsightsContext, None]):
    """Strawberry's ASGI app, giving each request a context with the app's store."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> InsightsContext:
        state = request.app.state
        return InsightsContext(
            store=state.store, live=state.live, request=request, response=response
        )


async def _recover_periodically(store: Store, interval: float) -> None:
    while True:
        try:
            fixed = await store.recover()
            if fixed:
                logger.warning("recovery: finished %d items a crashed process left behind", fixed)
        except StoreUnavailable as error:
            logger.warning("recovery skipped: %s", error)
        await asyncio.sleep(interval)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Starlette:
    """The app; with `store` given (tests), it uses that store and leaves closing it to the caller."""
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or await open_store(
            settings.store_url, timeout=settings.store_timeout
        )
        recovery = asyncio.create_task(
            _recover_periodically(app.state.store, settings.recovery_interval)
        )
        app.state.live = LiveUpdates(
            settings.broadcast_url, app.state.store, settings.live_interval
        )
        await app.state.live.start()
        try:
            yield
        finally:
            await app.state.live.stop()
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
            if owned:
                await app.state.store.close()

    graphql = InsightsGraphQL(schema)

    registry = CollectorRegistry()
    registry.register(
        LiveCollector(lambda: getattr(app.state, "live", None) and app.state.live.metrics)
    )

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/metrics", metrics_endpoint(registry)),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
        ],
        lifespan=lifespan,
    )
    return app


def app_factory() -> Starlette:
    """For `uvicorn --factory server.app:app_factory`."""
    return create_app()
