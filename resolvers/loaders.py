"""Per-request DataLoaders: every campaign, trend and contacts read of a request is batched."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from store import Store
from store.models import CampaignRecord, ContactQuery, ContactRecord, Page, TrendQuery, TrendRow


class Loaders:
    def __init__(self, store: Store, workspace: str) -> None:
        self._store, self._workspace = store, workspace
        self.campaign = DataLoader[str, CampaignRecord | None](load_fn=self._campaigns)
        self.trend = DataLoader[TrendQuery, list[TrendRow]](load_fn=self._trend)
        self.contacts = DataLoader[ContactQuery, Page[ContactRecord]](load_fn=self._contacts)

    async def _campaigns(self, ids: Sequence[str]) -> list[CampaignRecord | None]:
        found = await self._store.get_campaigns(self._workspace, ids)
        return [found.get(campaign_id) for campaign_id in ids]

    async def _trend(self, queries: Sequence[TrendQuery]) -> list[list[TrendRow]]:
        return await self._store.trend(self._workspace, queries)

    async def _contacts(self, queries: Sequence[ContactQuery]) -> list[Page[ContactRecord]]:
        return await self._store.contacts(self._workspace, queries)
