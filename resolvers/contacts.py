"""The recipients behind a campaign's numbers, newest interaction first."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.campaigns import check_page_size
from resolvers.cursors import decode_cursor, encode_cursor
from resolvers.loaders import Loaders
from store.models import CampaignRecord, ContactFilter, ContactQuery, ContactRecord, Page

CONTACT_CURSOR = "contact"


@dataclass(frozen=True)
class ContactPage:
    page: Page[ContactRecord]
    cursors: tuple[str, ...]
    after: str | None


async def contacts(
    loaders: Loaders,
    campaign: CampaignRecord,
    wanted: ContactFilter,
    first: int,
    after: str | None,
) -> ContactPage:
    check_page_size(first)
    key = decode_cursor(CONTACT_CURSOR, after) if after is not None else None
    page = await loaders.contacts.load(ContactQuery(campaign.id, wanted, first, key))
    cursors = tuple(
        encode_cursor(CONTACT_CURSOR, c.last_event_at, c.recipient_id) for c in page.items
    )
    return ContactPage(page, cursors, after)
