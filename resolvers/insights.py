"""Selecting one or more campaigns for the Insights view."""

from __future__ import annotations

from collections.abc import Sequence

from resolvers.errors import ApiError
from resolvers.loaders import Loaders
from store import limits
from store.models import CampaignRecord


def selected_ids(campaign_ids: Sequence[str]) -> list[str]:
    """The ids asked for, in order, duplicates removed; 1 to 100 of them."""
    ids = list(dict.fromkeys(campaign_ids))
    if not ids:
        raise ApiError("select at least one campaign", "INVALID_INPUT", ("campaignIds",))
    if len(ids) > limits.INSIGHTS_CAMPAIGNS_MAX:
        raise ApiError(
            f"select at most {limits.INSIGHTS_CAMPAIGNS_MAX} campaigns (got {len(ids)})",
            "LIMIT_EXCEEDED",
            ("campaignIds",),
        )
    return ids


async def selection(loaders: Loaders, ids: Sequence[str]) -> list[CampaignRecord]:
    """The campaigns of `ids` (already checked by selected_ids); an unknown id is an error."""
    records = await loaders.campaign.load_many(ids)
    missing = [cid for cid, record in zip(ids, records, strict=True) if record is None]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        error = ApiError(f"campaign not found: {names}", "NOT_FOUND", ("campaignIds",))
        assert error.extensions is not None
        error.extensions["missing"] = missing  # so clients can drop them from a selection
        raise error
    return [record for record in records if record is not None]
