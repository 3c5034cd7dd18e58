"""The API itself as a real server process (uvicorn), for multi-process and fault tests."""

from __future__ import annotations

import sys
from collections.abc import Mapping

import httpx

from tests.keys import API_KEYS
from tests.services import ServerProcess


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
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "_total "):
                return float(line.split()[-1])
        raise KeyError(name)

    def rss_bytes(self) -> int:
        """Resident memory of the server process (the python child of `env`)."""
        assert self.pid is not None
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")
