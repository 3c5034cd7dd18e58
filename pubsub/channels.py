"""Every pub/sub channel and Redis key the service uses, named in one place."""

from __future__ import annotations

PREFIX = "insights"


def channel_for_campaign(campaign_id: str) -> str:
    """Where a campaign's live snapshots are published (JSON text)."""
    return f"{PREFIX}:campaign:{campaign_id}"


# Redis set of "workspace\x1fcampaign" whose numbers changed since the last tick.
CHANGED_KEY = f"{PREFIX}:changed"
# Redis set of the same form: campaigns whose status changed (they get one update even
# when they are no longer ACTIVE).
STATUS_CHANGED_KEY = f"{PREFIX}:status-changed"
# Redis key holding the id of the process that runs the ticks.
TICK_LEASE_KEY = f"{PREFIX}:tick-lease"
