"""Campaign status transitions and the timestamps they set."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store.errors import InvalidTransition
from store.models import CampaignRecord, CampaignStatus

S = CampaignStatus
ALLOWED_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.PENDING, S.ACTIVE, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.PENDING, S.ACTIVE, S.CANCELLED}),
    S.PENDING: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.PAUSED, S.COMPLETED, S.CANCELLED}),
    S.PAUSED: frozenset({S.ACTIVE, S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}


def transition_changes(
    campaign: CampaignRecord, status: CampaignStatus, now: datetime
) -> dict[str, Any]:
    """The fields to set for moving `campaign` to `status`, or InvalidTransition."""
    if status not in ALLOWED_TRANSITIONS[campaign.status]:
        allowed = sorted(ALLOWED_TRANSITIONS[campaign.status])
        hint = f"allowed: {', '.join(allowed)}" if allowed else f"{campaign.status} is final"
        raise InvalidTransition(
            f"cannot change status from {campaign.status} to {status} ({hint})", ("status",)
        )
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    if status is S.ACTIVE and campaign.started_at is None:
        changes["started_at"] = now
    if status in (S.COMPLETED, S.CANCELLED):
        changes["completed_at"] = now
    return changes
