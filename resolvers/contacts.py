"""The recipients behind a campaign's numbers, newest interaction first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.types import Info

from resolvers.campaigns import check_page_size
from resolvers.context import context_of
from resolvers.cursors import decode_cursor, encode_cursor
from store.models import CampaignRecord, ContactFilter, ContactQuery, ContactRecord, Page

CONTACT_CURSOR = "contact"


@dataclass(frozen=True)
class ContactPage:
    page: Page[ContactRecord]
    cursors: tuple[str, ...]
    after: str | None


async def contacts(
    info: Info[Any, Any],
    campaign: CampaignRecord,
    wanted: ContactFilter,
    first: int,
    after: str | None,
) -> ContactPage:
    check_page_size(first)
    key = decode_cursor(CONTACT_CURSOR, after) if after is not None else None
    page = await context_of(info).loaders.contacts.load(
        ContactQuery(campaign.id, wanted, first, key)
    )
    cursors = tuple(
        encode_cursor(CONTACT_CURSOR, c.last_event_at, c.recipient_id) for c in page.items
    )
    return ContactPage(page, cursors, after)
