"""Live Insights for dashboards."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import live as live_resolvers
from schema.insights import Insights


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws or graphql-ws).")
class Subscription:
    @strawberry.subscription(
        description="The same Insights as the query: the first payload at once, then one every "
        "5 seconds (configurable) while any selected campaign is ACTIVE and its numbers changed."
    )
    async def insights(
        self, info: Info[Any, Any], campaign_ids: list[strawberry.ID]
    ) -> AsyncGenerator[Insights, None]:
        stream = live_resolvers.insights_stream(info, [str(i) for i in campaign_ids])
        async for records, view in stream:
            yield Insights(records=records, view=view)
