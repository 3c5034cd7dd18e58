"""Event ingestion from the platform's services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.types import Info

from resolvers.context import context_of
from resolvers.errors import ApiError
from store import limits
from store.models import EventInput, IngestResult


async def record_events(info: Info[Any, Any], events: Sequence[EventInput]) -> IngestResult:
    if len(events) > limits.EVENTS_PER_CALL_MAX:
        raise ApiError(
            f"at most {limits.EVENTS_PER_CALL_MAX} events per call (got {len(events)}); "
            "split the batch",
            "LIMIT_EXCEEDED",
            ("events",),
        )
    context = context_of(info)
    result = await context.store.record_events(context.workspace, events)
    if context.on_ingested is not None:
        context.on_ingested(result)
    if context.live is not None and result.changed_campaigns:
        await context.live.mark_changed(context.workspace, result.changed_campaigns)
    return result
