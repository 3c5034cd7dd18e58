"""Campaign lookups, search and the campaign mutations."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from strawberry.types import Info

from resolvers.context import context_of
from resolvers.cursors import decode_cursor, encode_cursor
from resolvers.errors import ApiError, from_store_error
from resolvers.loaders import Loaders
from store import limits
from store.campaigns import Keep
from store.errors import StoreError
from store.models import ButtonSpec, CampaignRecord, CampaignStatus, Page

CAMPAIGN_CURSOR = "campaign"


def check_page_size(first: int) -> None:
    if not 1 <= first <= limits.PAGE_SIZE_MAX:
        raise ApiError(
            f"first must be between 1 and {limits.PAGE_SIZE_MAX}", "INVALID_INPUT", ("first",)
        )


async def campaign(loaders: Loaders, campaign_id: str) -> CampaignRecord | None:
    return await loaders.campaign.load(campaign_id)


@dataclass(frozen=True)
class CampaignPage:
    page: Page[CampaignRecord]
    cursors: tuple[str, ...]
    after: str | None


async def search(
    info: Info[Any, Any],
    loaders: Loaders,
    search: str | None,
    statuses: Sequence[CampaignStatus] | None,
    first: int,
    after: str | None,
) -> CampaignPage:
    check_page_size(first)
    key = decode_cursor(CAMPAIGN_CURSOR, after) if after is not None else None
    context = context_of(info)
    try:
        page = await context.store.search_campaigns(context.workspace, search, statuses, first, key)
    except StoreError as error:
        raise from_store_error(error) from None
    for record in page.items:
        loaders.campaign.prime(record.id, record)
    cursors = tuple(encode_cursor(CAMPAIGN_CURSOR, r.created_at, r.id) for r in page.items)
    return CampaignPage(page, cursors, after)


@dataclass(frozen=True)
class MutationResult:
    campaign: CampaignRecord | None
    error: StoreError | None


async def _mutation(call: Awaitable[CampaignRecord]) -> MutationResult:
    try:
        return MutationResult(await call, None)
    except StoreError as error:
        return MutationResult(None, error)


async def create(
    info: Info[Any, Any], name: str, buttons: Sequence[ButtonSpec], scheduled_at: datetime | None
) -> MutationResult:
    context = context_of(info)
    return await _mutation(
        context.store.create_campaign(context.workspace, name, buttons, scheduled_at)
    )


async def update(
    info: Info[Any, Any],
    campaign_id: str,
    name: str | Keep,
    buttons: Sequence[ButtonSpec] | Keep,
    scheduled_at: datetime | Keep | None,
) -> MutationResult:
    context = context_of(info)
    result = await _mutation(
        context.store.update_campaign(
            context.workspace, campaign_id, name=name, buttons=buttons, scheduled_at=scheduled_at
        )
    )
    if result.campaign is not None and context.live is not None:
        await context.live.mark_changed(context.workspace, frozenset([campaign_id]))
    return result


async def change_status(
    info: Info[Any, Any], campaign_id: str, status: CampaignStatus
) -> MutationResult:
    context = context_of(info)
    result = await _mutation(context.store.change_status(context.workspace, campaign_id, status))
    if result.campaign is not None and context.live is not None:
        await context.live.mark_status_changed(context.workspace, campaign_id)
    return result
