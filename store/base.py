"""The store interface both backends implement; every call is scoped by a workspace id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from store.campaigns import Keep
from store.keys import ApiKey
from store.models import (
    ButtonSpec,
    CampaignRecord,
    CampaignStatus,
    ContactQuery,
    ContactRecord,
    EventInput,
    IngestResult,
    Page,
    TrendQuery,
    TrendRow,
)


class Store(Protocol):
    async def ping(self) -> None:
        """Raise StoreUnavailable when the backing database can't be reached."""

    async def close(self) -> None: ...

    async def recover(self) -> int:
        """Finish work a crashed process left half done; return how many items were fixed."""

    async def create_campaign(
        self,
        workspace: str,
        name: str,
        buttons: Sequence[ButtonSpec],
        scheduled_at: datetime | None,
    ) -> CampaignRecord: ...

    async def update_campaign(
        self,
        workspace: str,
        campaign_id: str,
        *,
        name: str | Keep,
        buttons: Sequence[ButtonSpec] | Keep,
        scheduled_at: datetime | Keep | None,
    ) -> CampaignRecord: ...

    async def change_status(
        self, workspace: str, campaign_id: str, status: CampaignStatus
    ) -> CampaignRecord: ...

    async def get_campaigns(
        self, workspace: str, campaign_ids: Sequence[str]
    ) -> dict[str, CampaignRecord]:
        """The campaigns of `workspace` among `campaign_ids`; missing ones are left out."""

    async def search_campaigns(
        self,
        workspace: str,
        search: str | None,
        statuses: Sequence[CampaignStatus] | None,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> Page[CampaignRecord]:
        """Newest first, keyset-paginated on (created_at, id)."""

    async def record_events(self, workspace: str, events: Sequence[EventInput]) -> IngestResult: ...

    async def trend(self, workspace: str, queries: Sequence[TrendQuery]) -> list[list[TrendRow]]:
        """For each query, the stored buckets of its campaign and resolution in [start, end)."""

    async def contacts(
        self, workspace: str, queries: Sequence[ContactQuery]
    ) -> list[Page[ContactRecord]]:
        """One page per query, newest interaction first."""

    async def create_api_key(self, key: ApiKey) -> None: ...

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        """The key with this hash, revoked or not."""

    async def list_api_keys(self) -> list[ApiKey]: ...

    async def revoke_api_key(self, key_id: str) -> bool:
        """Mark the key revoked; False when no such key."""
