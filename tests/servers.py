"""The API itself as a real server process (uvicorn), for multi-process and fault tests."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import uvicorn

from server.app import create_app
from tests.keys import API_KEYS
from tests.services import ServerProcess, free_port


class ApiServer(ServerProcess):
    """`insights serve` on a loopback port, configured by INSIGHTS_* variables."""

    name = "insights-api"

    def __init__(self, env: Mapping[str, str], port: int | None = None) -> None:
        super().__init__(port)
        self.env = {"INSIGHTS_API_KEYS": API_KEYS, "INSIGHTS_RATE_LIMIT": "100000", **env}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def _command(self) -> list[str]:
        assignments = [f"{key}={value}" for key, value in self.env.items()]
        serve = [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)]
        return ["env", *assignments, *serve]

    def _is_ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def metric(self, name: str) -> float:
        return read_metric(self.url, name)

    def rss_bytes(self) -> int:
        """Resident memory of the server process (the python child of `env`)."""
        assert self.pid is not None
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")


def read_metric(base_url: str, name: str) -> float:
    """A counter or gauge from a server's /metrics (`name` with or without `_total`)."""
    text = httpx.get(f"{base_url}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "_total "):
            return float(line.split()[-1])
    raise KeyError(name)


@contextlib.asynccontextmanager
async def in_process_server(store: Any, **settings: Any) -> AsyncIterator[str]:
    """The app under uvicorn in this event loop, so tests can count its store calls."""
    port = free_port()
    from tests.conftest import app_settings

    app = create_app(app_settings(**settings), store=store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class CountingStore:
    """Delegates to a store and counts calls by method name."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, dict[str, int]()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return await attribute(*args, **kwargs)

        return counted
