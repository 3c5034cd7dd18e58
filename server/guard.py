"""In front of /graphql: API key, request rate, body size and body time limits.

GraphiQL's page itself (a GET without a query) loads without a key; everything else
needs `Authorization: Bearer <key>`. WebSockets authenticate in connection_init
(see server/app.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth import Authenticator, bearer_token
from server.settings import Settings


class Buckets(Protocol):
    async def take(self, key: str) -> float | None: ...


async def _reply(send: Send, status: int, message: str, code: str, **extra: Any) -> None:
    error: dict[str, Any] = {"message": message, "extensions": {"code": code, **extra}}
    body = json.dumps({"data": None, "errors": [error]}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    if "retryAfter" in extra:
        headers.append((b"retry-after", str(max(1, round(extra["retryAfter"]))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _is_page_request(scope: Scope) -> bool:
    """A browser asking for GraphiQL: GET with no query in the URL."""
    return scope["method"] == "GET" and b"query=" not in scope.get("query_string", b"")


class GraphQLGuard:
    """Uses the authenticator and rate buckets the lifespan puts on the app's state."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_page_request(scope):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        authenticator: Authenticator = state.authenticator
        buckets: Buckets = state.rate_buckets
        headers = dict(scope["headers"])
        principal = await authenticator.authenticate(
            bearer_token(headers.get(b"authorization", b"").decode("latin-1"))
        )
        if principal is None:
            await _reply(
                send,
                401,
                "missing, unknown or revoked API key: send Authorization: Bearer <key>",
                "UNAUTHENTICATED",
            )
            return
        wait = await buckets.take(principal.key_id)
        if wait is not None:
            await _reply(
                send,
                429,
                f"too many requests for this API key; retry in {wait:.2f}s",
                "LIMIT_EXCEEDED",
                retryAfter=round(wait, 3),
            )
            return
        limit = self.settings.max_body_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, f"request body over {limit} bytes", "LIMIT_EXCEEDED")
            return
        try:
            body = await asyncio.wait_for(
                self._read_body(receive, limit), self.settings.body_timeout
            )
        except TimeoutError:
            await _reply(
                send,
                408,
                f"request body not received within {self.settings.body_timeout:g}s",
                "LIMIT_EXCEEDED",
            )
            return
        if body is None:
            await _reply(send, 413, f"request body over {limit} bytes", "LIMIT_EXCEEDED")
            return
        if scope["method"] == "POST" and b"json" in headers.get(b"content-type", b""):
            problem = _json_problem(body)
            if problem:
                await _reply(send, 400, problem, "BAD_REQUEST")
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)


def _json_problem(body: bytes) -> str | None:
    """Why a JSON request body can't be a GraphQL request, or None when it can."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "the request body is not valid JSON"
    if not isinstance(data, dict):
        return 'the request body must be a JSON object like {"query": "..."}'
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
