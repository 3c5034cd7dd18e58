"""Open WebSockets and their keys, so a revoked key's sockets can be closed."""

from __future__ import annotations

import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from resolvers.context import Principal
from store import Store

logger = logging.getLogger("insights.auth")
REVOKED = 4403


class SocketRegistry:
    def __init__(self) -> None:
        self._sockets: dict[WebSocket, Principal] = {}

    def add(self, socket: WebSocket, principal: Principal) -> None:
        self._sockets[socket] = principal

    def __len__(self) -> int:
        return len(self._sockets)

    async def close_revoked(self, store: Store, static_key_ids: set[str]) -> int:
        """Close sockets whose key was revoked (or deleted); forget closed ones."""
        for socket in [s for s in self._sockets if s.client_state is WebSocketState.DISCONNECTED]:
            del self._sockets[socket]
        if not self._sockets:
            return 0
        valid = {k.key_id for k in await store.list_api_keys() if k.revoked_at is None}
        valid |= static_key_ids
        closed = 0
        for socket, principal in list(self._sockets.items()):
            if principal.key_id not in valid:
                del self._sockets[socket]
                logger.warning("closing a WebSocket of revoked key %s", principal.key_id)
                await _close(socket, REVOKED, "API key revoked")
                closed += 1
        return closed

    async def close_all(self, code: int = 1001) -> None:
        for socket in list(self._sockets):
            await _close(socket, code, "server shutting down")
        self._sockets.clear()


async def _close(socket: WebSocket, code: int, reason: str) -> None:
    # RuntimeError: already closing; WebSocketDisconnect: the client has already gone.
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await socket.close(code=code, reason=reason)
