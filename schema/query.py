"""The root query: find campaigns, open one, or analyse a selection."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers import campaigns as campaign_resolvers
from resolvers import insights as insight_resolvers
from resolvers.context import context_of
from schema.campaign import Campaign, CampaignConnection
from schema.enums import CampaignStatus
from schema.insights import Insights
from store import models


@strawberry.type(description="Read campaigns and their numbers.")
class Query:
    @strawberry.field(
        description="Campaigns of the caller's workspace, newest first. `search` matches, "
        "case-insensitively, a substring of the name or a prefix of the status name "
        '("act" finds ACTIVE campaigns).'
    )
    async def campaigns(
        self,
        info: Info[Any, Any],
        search: str | None = None,
        statuses: list[CampaignStatus] | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> CampaignConnection:
        wanted = None if statuses is None else [models.CampaignStatus(s.value) for s in statuses]
        view = context_of(info).view
        page = await campaign_resolvers.search(info, view.loaders, search, wanted, first, after)
        return CampaignConnection.of(page, view)

    @strawberry.field(description="One campaign by id; null when it doesn't exist.")
    async def campaign(self, info: Info[Any, Any], id: strawberry.ID) -> Campaign | None:
        view = context_of(info).view
        record = await campaign_resolvers.campaign(view.loaders, str(id))
        return None if record is None else Campaign(record=record, view=view)

    @strawberry.field(
        description="Analytics for 1 to 100 campaigns, in the order given (duplicates removed). "
        "An id that doesn't exist is an error naming it."
    )
    async def insights(self, info: Info[Any, Any], campaign_ids: list[strawberry.ID]) -> Insights:
        view = context_of(info).view
        ids = insight_resolvers.selected_ids([str(i) for i in campaign_ids])
        records = await insight_resolvers.selection(view.loaders, ids)
        return Insights(records=records, view=view)
