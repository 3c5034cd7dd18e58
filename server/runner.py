"""uvicorn, with the shutdown this service promises: on SIGTERM stop accepting, close open
WebSockets with 1001 (going away), let in-flight requests finish, exit within 10 s."""

from __future__ import annotations

import asyncio
import logging
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette

logger = logging.getLogger("insights")
GRACE_SECONDS = 8  # in-flight requests get this long; the whole exit stays under 10 s


class GracefulServer(uvicorn.Server):
    def __init__(self, app: Starlette, **options: Any) -> None:
        options.setdefault("timeout_graceful_shutdown", GRACE_SECONDS)
        options.setdefault("log_config", None)  # our logging (text or JSON) for uvicorn too
        options.setdefault("access_log", False)  # server.observability.AccessLog logs requests
        super().__init__(uvicorn.Config(app, **options))
        self.starlette = app
        self._closing: asyncio.Task[None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._closing is None:
            sockets = getattr(self.starlette.state, "sockets", None)
            if sockets is not None:
                logger.info("shutting down: closing %d WebSockets with 1001", len(sockets))
                self._closing = asyncio.get_event_loop().create_task(sockets.close_all(1001))
        super().handle_exit(sig, frame)


def run(app: Starlette, host: str, port: int) -> None:
    GracefulServer(app, host=host, port=port, log_level="info").run()
