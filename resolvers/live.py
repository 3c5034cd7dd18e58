"""The live Insights stream: the first payload at once, then one per tick that changed it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from strawberry.types import Info

from resolvers.context import ReadView, context_of
from resolvers.errors import ApiError
from resolvers.insights import selected_ids, selection
from store.models import CampaignRecord


async def insights_stream(
    info: Info[Any, Any], campaign_ids: list[str]
) -> AsyncIterator[tuple[list[CampaignRecord], ReadView]]:
    context = context_of(info)
    if context.live is None:
        raise ApiError("live updates are not enabled on this server", "UNAVAILABLE")
    ids = selected_ids(campaign_ids)
    # Watch before the first read, so a snapshot published meanwhile isn't missed.
    async with context.live.hub.watch(ids) as watcher:
        view = context.fresh_view()
        records = await selection(view.loaders, ids)
        watcher.seed(records)
        yield records, view
        while (update := await watcher.next()) is not None:
            records, tick = update
            # Subscribers of one workspace share a view per tick: trend and contacts are
            # read once per (campaign, arguments) per tick, whoever asks.
            key = ("view", context.workspace)
            shared = tick.shared.get(key)
            if shared is None:
                shared = tick.shared[key] = context.fresh_view(tick.as_of)
            yield records, shared
