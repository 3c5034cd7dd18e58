"""What every resolver gets through `info.context`: the store, the caller's workspace, loaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from strawberry.types import Info

from pubsub.hub import LiveHub
from resolvers.loaders import Loaders
from store import Store
from store.keys import Role
from store.models import IngestResult
from store.validation import normalise_time

DEFAULT_WORKSPACE = "default"


class Live(Protocol):
    """What resolvers need of the live layer (pubsub/): change marks and the local hub."""

    hub: LiveHub

    async def mark_changed(self, workspace: str, campaign_ids: frozenset[str]) -> None: ...

    async def mark_status_changed(self, workspace: str, campaign_id: str) -> None: ...


@dataclass(frozen=True)
class Principal:
    """The caller, as its API key says: a workspace and roles."""

    key_id: str
    workspace: str
    roles: frozenset[Role]
    name: str


@dataclass(frozen=True)
class ReadView:
    """How one response reads: its loaders (shared caches) and the time it reports.

    Live subscribers of one workspace share one view per tick; `results` then holds the
    executions they can share too (see schema/execution.py).
    """

    loaders: Loaders
    as_of: datetime
    results: dict[Any, Any] = field(default_factory=dict, compare=False)


@dataclass
class InsightsContext:
    store: Store
    workspace: str = DEFAULT_WORKSPACE
    # One read time per request, so every field of a response agrees.
    now: datetime = field(default_factory=lambda: normalise_time(datetime.now(UTC)))
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    live: Live | None = None
    principal: Principal | None = None
    on_ingested: Callable[[IngestResult], None] | None = None

    def __post_init__(self) -> None:
        if self.principal is not None:
            self.workspace = self.principal.workspace
        self.loaders = Loaders(self.store, self.workspace)

    def authenticate(self, principal: Principal) -> None:
        """For WebSockets, whose key arrives after the context is made."""
        self.principal = principal
        self.workspace = principal.workspace
        self.loaders = Loaders(self.store, self.workspace)

    @property
    def view(self) -> ReadView:
        if self.connection_params is not None:
            # A WebSocket's context lasts as long as the connection: each operation on it
            # must read afresh, not reuse what an earlier one cached.
            return self.fresh_view()
        return ReadView(self.loaders, self.now)

    def fresh_view(self, as_of: datetime | None = None) -> ReadView:
        """A view with empty caches, for a read that must not reuse this request's."""
        at = as_of or normalise_time(datetime.now(UTC))
        return ReadView(Loaders(self.store, self.workspace), at)


def context_of(info: Info[Any, Any]) -> InsightsContext:
    context = info.context
    assert isinstance(context, InsightsContext)
    return context
