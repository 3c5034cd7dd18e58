"""A minimal graphql-transport-ws test client: enough to hold many subscriptions cheaply."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Mapping
from typing import Any

import websockets

from tests.keys import TEST_KEY


class Subscriber:
    def __init__(
        self, url: str, query: str, variables: Mapping[str, Any], key: str = TEST_KEY
    ) -> None:
        self.url, self.query, self.variables, self.key = url, query, dict(variables), key
        self.payloads: list[tuple[float, dict[str, Any]]] = []
        self.errors: list[Any] = []
        self._task: asyncio.Task[None] | None = None
        self._first = asyncio.Event()
        self.close_code: int | None = None
        self.closed = asyncio.Event()

    async def start(self) -> Subscriber:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._first.wait(), 15)
        return self

    async def _run(self) -> None:
        try:
            await self._session()
        except websockets.ConnectionClosed as closed:
            self.close_code = closed.rcvd.code if closed.rcvd else None
        finally:
            self.closed.set()

    async def _session(self) -> None:
        async with websockets.connect(self.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.key}"}}
            await ws.send(json.dumps(init))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": self.query, "variables": self.variables},
                    }
                )
            )
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "next":
                    if message["payload"].get("errors"):
                        self.errors.append(message["payload"]["errors"])
                    self.payloads.append((time.monotonic(), message["payload"].get("data") or {}))
                    self._first.set()
                elif message["type"] == "error":
                    self.errors.append(message["payload"])
                    self._first.set()
                elif message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
            self.close_code = ws.close_code

    async def wait_for(self, predicate: Any, timeout: float) -> float:
        """Seconds until a payload satisfies `predicate` (checks what came already too)."""
        start = time.monotonic()
        while True:
            for received_at, data in self.payloads:
                if predicate(data):
                    return max(0.0, received_at - start)
            if time.monotonic() - start > timeout:
                raise TimeoutError(
                    f"no matching payload within {timeout}s; last: {self.payloads[-1:]}"
                )
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
