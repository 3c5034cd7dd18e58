"""The demo workspace: eight campaigns in every status, with several days of history.

Seeding goes through `Store.record_events` in batches of 1,000, the path (and the
counting rules) of any client, and through `Store.change_status` for the lifecycle.
What happens is drawn from `random.Random` generators seeded from `seed` (one per
campaign), so the same seed gives the same numbers; when it happens comes from a second
generator per campaign, spread over the past few days with a daily rhythm in India
Standard Time. Event ids are derived from the seed too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from server.simulate import Profile, Target, Timing, journey, phone_number
from store import Store, limits
from store.models import ButtonSpec, CampaignRecord, CampaignStatus, EventInput

DEMO_WORKSPACE = "demo"
AUDIENCE_ZONE = ZoneInfo("Asia/Kolkata")
S = CampaignStatus

# How each final status is reached from DRAFT.
STATUS_PATHS: dict[CampaignStatus, tuple[CampaignStatus, ...]] = {
    S.DRAFT: (),
    S.SCHEDULED: (S.SCHEDULED,),
    S.PENDING: (S.PENDING,),
    S.ACTIVE: (S.ACTIVE,),
    S.PAUSED: (S.ACTIVE, S.PAUSED),
    S.COMPLETED: (S.ACTIVE, S.COMPLETED),
    S.CANCELLED: (S.ACTIVE, S.CANCELLED),
}


@dataclass(frozen=True)
class Wave:
    """One send-out: on the day `days_ago` days back, from `hour` local time, for `minutes`."""

    days_ago: int
    hour: float
    share: float  # of the campaign's recipients
    minutes: float = 60


@dataclass(frozen=True)
class DemoCampaign:
    name: str
    status: CampaignStatus
    buttons: tuple[tuple[str, float], ...]  # text, click weight
    recipients: int = 0
    waves: tuple[Wave, ...] = ()
    read: float = 0.7
    click: float = 0.16
    reply: float = 0.07
    scheduled_in: timedelta | None = None


# Oldest first: the API lists campaigns newest first, so drafts and plans come on top.
DEMO_CAMPAIGNS = (
    DemoCampaign(
        "Black Friday 48h",
        S.COMPLETED,
        (("Shop the deals", 60), ("See top picks", 25), ("Stop promotions", 15)),
        recipients=36_000,
        waves=(Wave(5, 9.5, 0.75, 90), Wave(4, 18, 0.25, 45)),
        read=0.76,
        click=0.21,
        reply=0.08,
    ),
    DemoCampaign(
        "Flash sale: 2 hours only",
        S.CANCELLED,
        (("Grab the deal", 55), ("Details", 30), ("Unsubscribe", 15)),
        recipients=7_000,
        waves=(Wave(4, 12, 1.0, 25),),
        read=0.64,
        click=0.14,
        reply=0.05,
    ),
    DemoCampaign(
        "Cart recovery: 10% off",
        S.PAUSED,
        (("Complete my order", 72), ("Talk to us", 28)),
        recipients=12_000,
        waves=(Wave(4, 11, 0.4), Wave(3, 11, 0.35), Wave(2, 11, 0.25)),
        read=0.8,
        click=0.24,
        reply=0.09,
    ),
    DemoCampaign(
        "Winter sale reminder",
        S.ACTIVE,
        (("Shop now", 58), ("Remind me tomorrow", 27), ("Not interested", 15)),
        recipients=24_000,
        waves=(Wave(3, 10, 0.3), Wave(2, 10, 0.3), Wave(1, 10, 0.25), Wave(0, 10, 0.15)),
        read=0.69,
        click=0.15,
        reply=0.06,
    ),
    DemoCampaign(
        "New arrivals: spring edit",
        S.ACTIVE,
        (
            ("View collection", 45),
            ("Find a store", 30),
            ("Size guide", 15),
            ("Stop promotions", 10),
        ),
        recipients=14_000,
        waves=(Wave(1, 17, 0.6, 120), Wave(0, 9, 0.4, 120)),
        read=0.62,
        click=0.12,
        reply=0.05,
    ),
    DemoCampaign(
        "Order feedback survey",
        S.PENDING,
        (("Loved it", 1), ("It was OK", 1), ("Not happy", 1)),
        scheduled_in=timedelta(minutes=10),
    ),
    DemoCampaign(
        "Back in stock: running shoes",
        S.SCHEDULED,
        (("Shop now", 1), ("Notify a friend", 1)),
        scheduled_in=timedelta(days=2, hours=3),
    ),
    DemoCampaign("Valentine's gift guide", S.DRAFT, (("Gift ideas", 1), ("Shop for her", 1))),
)


@dataclass(frozen=True)
class SeedResult:
    campaigns: tuple[CampaignRecord, ...]
    events: int
    seconds: float


def wave_starts(waves: Sequence[Wave], now: datetime) -> list[datetime]:
    """When each wave starts, at its local hour. If a wave would not be over by now (today's
    is still ahead), the whole schedule moves a day back, keeping its rhythm."""
    today = now.astimezone(AUDIENCE_ZONE).date()
    for shift in (0, 1):
        starts = []
        for wave in waves:
            day = today - timedelta(days=wave.days_ago + shift)
            midnight = datetime(day.year, day.month, day.day, tzinfo=AUDIENCE_ZONE)
            starts.append((midnight + timedelta(hours=wave.hour)).astimezone(UTC))
        if all(
            start + timedelta(minutes=wave.minutes + 20) <= now
            for start, wave in zip(starts, waves, strict=True)
        ):
            break
    return [
        min(start, now - timedelta(minutes=wave.minutes + 20))
        for start, wave in zip(starts, waves, strict=True)
    ]


def campaign_events(
    spec: DemoCampaign,
    target: Target,
    *,
    seed: int,
    index: int,
    scale: float,
    now: datetime,
) -> list[EventInput]:
    """Every event of one demo campaign's history, recipient by recipient (as a backfill
    would send them: the store counts events the same in any order, and this is faster)."""
    outcome = random.Random(f"demo-{seed}-{index}")
    timing = Timing(random.Random(f"demo-{seed}-{index}-time"), now=now, zone=AUDIENCE_ZONE)
    profile = Profile(
        read=spec.read,
        click=spec.click,
        reply=spec.reply,
        button_weights=tuple(weight for _, weight in spec.buttons),
    )
    total = round(spec.recipients * scale)
    events: list[EventInput] = []
    recipient = 0
    numbers: set[str] = set()
    starts = wave_starts(spec.waves, now)
    for number, (wave, start) in enumerate(zip(spec.waves, starts, strict=True)):
        last = number == len(spec.waves) - 1
        count = total - recipient if last else round(total * wave.share)
        for _ in range(count):
            sent_at = start + timedelta(minutes=outcome.uniform(0, wave.minutes))
            phone = phone_number(outcome)
            while phone in numbers:
                phone = phone_number(outcome)
            numbers.add(phone)
            events += journey(
                outcome,
                timing,
                profile,
                target,
                phone,
                sent_at,
                f"demo-s{seed}-c{index}-r{recipient}",
            )
            recipient += 1
    return events


async def seed_demo(
    store: Store,
    *,
    seed: int,
    scale: float = 1.0,
    workspace: str = DEMO_WORKSPACE,
    now: datetime | None = None,
) -> SeedResult:
    """Create the demo campaigns in `workspace` and record their history."""
    began = time.monotonic()
    now = now or datetime.now(UTC)
    recorded = 0
    campaigns: list[CampaignRecord] = []
    for index, spec in enumerate(DEMO_CAMPAIGNS):
        scheduled = None if spec.scheduled_in is None else now + spec.scheduled_in
        record = await store.create_campaign(
            workspace, spec.name, [ButtonSpec(text) for text, _ in spec.buttons], scheduled
        )
        path = STATUS_PATHS[spec.status]
        for status in path[:1]:  # the send starts (ACTIVE) before its events
            record = await store.change_status(workspace, record.id, status)
        target = Target(record.id, record.name, tuple((b.id, b.text) for b in record.buttons))
        events = campaign_events(spec, target, seed=seed, index=index, scale=scale, now=now)
        for start in range(0, len(events), limits.EVENTS_PER_CALL_MAX):
            batch = events[start : start + limits.EVENTS_PER_CALL_MAX]
            result = await store.record_events(workspace, batch)
            if result.rejected or result.accepted != len(batch):
                raise RuntimeError(f"demo seed: {spec.name!r} batch not fully accepted: {result}")
            recorded += result.accepted
        for status in path[1:]:
            record = await store.change_status(workspace, record.id, status)
        campaigns.append(record)
    found = await store.get_campaigns(workspace, [c.id for c in campaigns])
    return SeedResult(
        campaigns=tuple(found[c.id] for c in campaigns),
        events=recorded,
        seconds=time.monotonic() - began,
    )
