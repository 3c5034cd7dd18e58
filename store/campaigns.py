"""Campaign rules shared by both backends: creation, edits and search."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from store import limits
from store.errors import InvalidInput
from store.models import Button, ButtonSpec, CampaignRecord, CampaignStatus
from store.validation import check_buttons, check_name, normalise_time


class Keep:
    """Marks an optional update field the client left out."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def new_campaign_id() -> str:
    return "cmp_" + secrets.token_hex(10)


def new_button_id() -> str:
    return "btn_" + secrets.token_hex(4)


def build_buttons(specs: Sequence[ButtonSpec]) -> tuple[Button, ...]:
    checked = check_buttons(specs)
    return tuple(Button(id=spec.id or new_button_id(), text=spec.text) for spec in checked)


@dataclass(frozen=True)
class NewCampaign:
    name: str
    buttons: tuple[Button, ...]
    scheduled_at: datetime | None


def prepare_new_campaign(
    name: str, buttons: Sequence[ButtonSpec], scheduled_at: datetime | None
) -> NewCampaign:
    return NewCampaign(
        name=check_name(name),
        buttons=build_buttons(buttons),
        scheduled_at=None
        if scheduled_at is None
        else normalise_time(scheduled_at, ("input", "scheduledAt")),
    )


@dataclass(frozen=True)
class CampaignEdit:
    name: str | Keep
    buttons: tuple[Button, ...] | Keep
    scheduled_at: datetime | Keep | None


def prepare_edit(
    campaign: CampaignRecord,
    name: str | Keep,
    buttons: Sequence[ButtonSpec] | Keep,
    scheduled_at: datetime | Keep | None,
) -> CampaignEdit:
    """Check an edit against the campaign: a button that has clicks can't be removed."""
    new_name = name if isinstance(name, Keep) else check_name(name)
    new_buttons: tuple[Button, ...] | Keep = KEEP
    if not isinstance(buttons, Keep):
        new_buttons = build_buttons(buttons)
        kept = {button.id for button in new_buttons}
        for button in campaign.buttons:
            clicks = campaign.counters.buttons.get(button.id)
            if button.id not in kept and clicks is not None and clicks.clicks > 0:
                raise InvalidInput(
                    f"button {button.id!r} ({button.text!r}) has {clicks.clicks} clicks "
                    "and can't be removed; rename it instead",
                    ("input", "buttons"),
                )
    new_time: datetime | Keep | None = scheduled_at
    if isinstance(scheduled_at, datetime):
        new_time = normalise_time(scheduled_at, ("input", "scheduledAt"))
    return CampaignEdit(new_name, new_buttons, new_time)


def normalise_search(search: str | None) -> str | None:
    if search is None:
        return None
    trimmed = search.strip().lower()
    if len(trimmed) > limits.NAME_MAX:
        raise InvalidInput(f"search must be at most {limits.NAME_MAX} characters", ("search",))
    return trimmed or None


def statuses_with_prefix(search: str) -> list[CampaignStatus]:
    return [status for status in CampaignStatus if status.lower().startswith(search)]


def matches_search(campaign: CampaignRecord, search: str | None) -> bool:
    """Case-insensitive name substring or status-name prefix (search already normalised)."""
    if search is None:
        return True
    return search in campaign.name.lower() or campaign.status.lower().startswith(search)
