"""The Starlette app: GraphQL (and GraphiQL) at /graphql, resources owned by the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from pubsub.live import LiveUpdates
from resolvers.context import InsightsContext
from schema import build_schema
from server.auth import Authenticator, bearer_token, parse_static_keys
from server.guard import GraphQLGuard
from server.metrics import LiveCollector, metrics_endpoint
from server.observability import AccessLog, Observability
from server.ratelimit import LocalBuckets, RedisBuckets
from server.settings import Settings
from server.sockets import SocketRegistry
from store import Store, open_store
from store.errors import StoreUnavailable

logger = logging.getLogger("insights")
DASHBOARD = Path(__file__).parent / "dashboard"
READY_TIMEOUT = 2.0


class InsightsGraphQL(GraphQL[InsightsContext, None]):
    """Strawberry's ASGI app, giving each request a context with the app's resources."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> InsightsContext:
        state = request.app.state
        return InsightsContext(
            store=state.store,
            live=state.live,
            principal=request.scope.get("state", {}).get("principal"),
            on_ingested=state.observability.ingested,
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: InsightsContext) -> dict[str, object] | None:
        """The key comes in connection_init's payload: {"Authorization": "Bearer …"}."""
        params = context.connection_params or {}
        header = next(
            (v for k, v in params.items() if isinstance(k, str) and k.lower() == "authorization"),
            None,
        )
        state = context.request.app.state
        principal = await state.authenticator.authenticate(
            bearer_token(header) if isinstance(header, str) else None
        )
        if principal is None:
            raise ConnectionRejectionError({"message": "missing, unknown or revoked API key"})
        context.authenticate(principal)
        state.sockets.add(context.request, principal)
        return None


async def _every(interval: float, what: str, job: Callable[[], Awaitable[Any]]) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await job()
        except StoreUnavailable as error:
            logger.warning("%s skipped: %s", what, error)
        except Exception:
            logger.exception("%s failed", what)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Starlette:
    """The app; with `store` given (tests), it uses that store and leaves closing it to the caller."""
    settings = settings or Settings.from_env()
    static_keys = parse_static_keys(settings.api_keys)
    registry = CollectorRegistry()
    observability = Observability(registry)
    schema = build_schema(
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        introspection=settings.introspection,
        extra_extensions=[observability.extension()],
    )
    graphql = InsightsGraphQL(
        schema,
        connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
        max_subscriptions_per_connection=settings.max_subscriptions,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = store is None
        state = app.state
        state.observability = observability
        state.store = store or await open_store(settings.store_url, timeout=settings.store_timeout)
        state.authenticator = Authenticator(static_keys, state.store)
        redis = settings.broadcast_url.startswith(("redis://", "rediss://"))
        buckets = state.rate_buckets = (
            RedisBuckets(settings.broadcast_url, settings.rate_limit, settings.rate_burst)
            if redis
            else LocalBuckets(settings.rate_limit, settings.rate_burst)
        )
        state.sockets = SocketRegistry()
        with contextlib.suppress(StoreUnavailable):
            fixed = await state.store.recover()
            if fixed:
                logger.warning("recovery: finished %d items a crashed process left behind", fixed)
        state.live = LiveUpdates(settings.broadcast_url, state.store, settings.live_interval)
        state.live.metrics.observe_push_lag = observability.push_lag.observe
        await state.live.start()
        static_ids = {key.key_id for key in static_keys.values()}
        tasks = [
            asyncio.create_task(
                _every(settings.recovery_interval, "recovery", state.store.recover)
            ),
            asyncio.create_task(
                _every(
                    settings.live_interval,
                    "revoked-key check",
                    lambda: state.sockets.close_revoked(state.store, static_ids),
                )
            ),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await state.sockets.close_all()
            await state.live.stop()
            await buckets.close()
            if owned:
                await state.store.close()

    registry.register(
        LiveCollector(lambda: getattr(app.state, "live", None) and app.state.live.metrics)
    )

    async def healthz(request: Request) -> Response:
        """The process is alive."""
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        """The store and the broadcast are reachable; 503 naming what is down otherwise."""
        down = []
        try:
            await asyncio.wait_for(app.state.store.ping(), timeout=READY_TIMEOUT)
        except (StoreUnavailable, TimeoutError):
            down.append("store")
        if not await app.state.live.reachable():
            down.append("broadcast")
        if down:
            return JSONResponse({"status": "unavailable", "down": down}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    middleware = [Middleware(AccessLog)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    app = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint(registry)),
            Route("/graphql", GraphQLGuard(graphql, settings), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Mount("/dashboard", StaticFiles(directory=DASHBOARD, html=True), name="dashboard"),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    return app


def app_factory() -> Starlette:
    """For `uvicorn --factory server.app:app_factory`."""
    return create_app()
