"""What every resolver gets through `info.context`: the store, the caller's workspace, loaders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from strawberry.types import Info

from resolvers.loaders import Loaders
from store import Store
from store.validation import normalise_time

DEFAULT_WORKSPACE = "default"


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
    # Called after events changed campaigns' numbers (the live publisher marks them).
    on_ingested: Callable[[str, frozenset[str]], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.store, self.workspace)


def context_of(info: Info[Any, Any]) -> InsightsContext:
    context = info.context
    assert isinstance(context, InsightsContext)
    return context
