"""Synthetic campaign traffic: recipient journeys, and a simulator that sends them to a server.

A journey is what happens to one recipient of one campaign: SENT, then FAILED or
DELIVERED, maybe READ, clicks, a reply, labels and sentiment (and sometimes a later
change of label and sentiment). `journey` builds one; the demo seed (server/demo.py)
uses it with real-world delays over past days, the `Simulator` with delays compressed
to seconds, posting `recordEvents` over HTTP like any client of the API.

For loopback and development servers: it only ever talks to the URL it is given.
"""

from __future__ import annotations

import asyncio
import enum
import heapq
import itertools
import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from store import limits
from store.models import EventInput, EventType, Sentiment

OPT_OUT_WORDS = ("stop", "unsubscribe", "not interested", "opt out", "opt-out")
LABEL_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("interested", 30),
    ("price question", 24),
    ("order placed", 16),
    ("delivery question", 12),
    ("unsubscribe", 10),
    ("complaint", 8),
)
# Weights of POSITIVE, NEUTRAL, NEGATIVE for a conversation with this label (or none).
SENTIMENT_BY_LABEL: dict[str | None, tuple[float, float, float]] = {
    "interested": (60, 35, 5),
    "price question": (20, 70, 10),
    "order placed": (80, 18, 2),
    "delivery question": (10, 65, 25),
    "unsubscribe": (2, 18, 80),
    "complaint": (2, 13, 85),
    None: (35, 50, 15),
}
# Conversations with these labels sometimes end in an order: label and sentiment change.
CONVERTING_LABELS = frozenset({"interested", "price question"})
ORDER_LABEL = "order placed"
SENTIMENTS = (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)


@dataclass(frozen=True)
class Profile:
    """The odds of each step of a recipient's journey."""

    fail: float = 0.025  # of sent: FAILED
    undelivered: float = 0.007  # of sent: never gets further than SENT
    read: float = 0.7  # of delivered
    click: float = 0.16  # of readers: clicks a button
    second_click: float = 0.12  # of clickers: clicks again
    reply: float = 0.07  # of readers
    labelled: float = 0.8  # of replies: an agent puts a label on the conversation
    convert: float = 0.3  # of converting labels: later becomes an order
    opt_out_label: float = 0.35  # of opt-out button clicks: labelled "unsubscribe"
    button_weights: tuple[float, ...] = (60, 25, 15, 10, 5)
    labels: tuple[tuple[str, float], ...] = LABEL_WEIGHTS


@dataclass(frozen=True)
class Target:
    """A campaign to produce events for."""

    id: str
    name: str
    buttons: tuple[tuple[str, str], ...]  # (id, text)


class Step(enum.Enum):
    DELIVERY = "delivery"
    FAILURE = "failure"
    READ = "read"
    CLICK = "click"
    REPLY = "reply"
    SENTIMENT = "sentiment"
    LABEL = "label"
    CHANGE = "change"


HUMAN_STEPS = frozenset({Step.READ, Step.REPLY, Step.LABEL, Step.CHANGE})


def _delay_seconds(rng: random.Random, step: Step) -> float:
    """Real-world delay of a step after the one before it."""
    if step is Step.DELIVERY:
        return rng.uniform(2, 45)
    if step is Step.FAILURE:
        return rng.uniform(5, 300)
    if step is Step.READ:
        roll = rng.random()
        if roll < 0.45:
            return rng.expovariate(1 / 900)
        if roll < 0.8:
            return rng.expovariate(1 / 14_400)
        return rng.uniform(6 * 3600, 60 * 3600)
    if step is Step.CLICK:
        return 3 + rng.expovariate(1 / 90)
    if step is Step.REPLY:
        return 20 + rng.expovariate(1 / 600)
    if step is Step.SENTIMENT:
        return rng.uniform(2, 30)
    if step is Step.LABEL:
        return 60 + rng.expovariate(1 / 1800)
    return 600 + rng.expovariate(1 / 21_600)  # Step.CHANGE


class Timing:
    """When each step happens.

    History (`now` given): real-world delays, human steps at night mostly wait for the
    morning in `zone`, and nothing lands after `now`. Live (`compress` > 1): the same
    delays divided by `compress` and capped, for traffic that is visible in seconds.
    """

    def __init__(
        self,
        rng: random.Random,
        *,
        now: datetime | None = None,
        zone: ZoneInfo | None = None,
        compress: float = 1.0,
        cap_seconds: float | None = None,
    ) -> None:
        self._rng, self._now, self._zone = rng, now, zone
        self._compress, self._cap = compress, cap_seconds

    def after(self, start: datetime, step: Step) -> datetime:
        seconds = _delay_seconds(self._rng, step) / self._compress
        if self._cap is not None:
            seconds = min(seconds, self._cap)
        at = start + timedelta(seconds=seconds)
        if self._zone is not None and step in HUMAN_STEPS:
            at = self._by_day(at)
        if self._now is not None and at > self._now:
            # Not happened yet: fold it back into what has happened so far.
            at = start + (self._now - start) * self._rng.random() if start < self._now else start
        return at

    def _by_day(self, at: datetime) -> datetime:
        assert self._zone is not None
        local = at.astimezone(self._zone)
        late = local.hour >= 22 and self._rng.random() < 0.5
        if (local.hour < 7 and self._rng.random() < 0.85) or late:
            day = local.date() + timedelta(days=1 if late else 0)
            morning = datetime(day.year, day.month, day.day, 7, tzinfo=self._zone)
            local = morning + timedelta(seconds=self._rng.uniform(0, 3 * 3600))
        return local.astimezone(UTC)


def _pick(rng: random.Random, choices: Sequence[Any], weights: Sequence[float]) -> Any:
    return rng.choices(choices, weights)[0]


def button_weights(profile: Profile, buttons: Sequence[tuple[str, str]]) -> list[float]:
    weights = list(profile.button_weights[: len(buttons)])
    return weights + [5.0] * (len(buttons) - len(weights))


def is_opt_out(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in OPT_OUT_WORDS)


def journey(
    outcome: random.Random,
    timing: Timing,
    profile: Profile,
    target: Target,
    recipient_id: str,
    sent_at: datetime,
    id_prefix: str,
) -> list[EventInput]:
    """The events of one recipient. What happens comes from `outcome`, when from `timing`:
    with separate generators the same seed gives the same numbers at any time of day."""
    events: list[EventInput] = []

    def add(kind: EventType, at: datetime, **extra: Any) -> None:
        event_id = f"{id_prefix}-{len(events)}"
        events.append(EventInput(event_id, target.id, kind, recipient_id, at, **extra))

    add(EventType.SENT, sent_at)
    roll = outcome.random()
    if roll < profile.fail:
        add(EventType.FAILED, timing.after(sent_at, Step.FAILURE))
        return events
    if roll < profile.fail + profile.undelivered:
        return events
    delivered = timing.after(sent_at, Step.DELIVERY)
    add(EventType.DELIVERED, delivered)
    if outcome.random() >= profile.read:
        return events
    read = timing.after(delivered, Step.READ)
    add(EventType.READ, read)
    if target.buttons and outcome.random() < profile.click:
        weights = button_weights(profile, target.buttons)
        button_id, text = _pick(outcome, target.buttons, weights)
        clicked = timing.after(read, Step.CLICK)
        add(EventType.BUTTON_CLICKED, clicked, button_id=button_id)
        if outcome.random() < profile.second_click:
            again, _ = _pick(outcome, target.buttons, weights)
            add(EventType.BUTTON_CLICKED, timing.after(clicked, Step.CLICK), button_id=again)
        if is_opt_out(text) and outcome.random() < profile.opt_out_label:
            at = timing.after(clicked, Step.SENTIMENT)
            add(EventType.LABEL_ADDED, at, label="unsubscribe")
            add(EventType.SENTIMENT_SET, at, sentiment=Sentiment.NEGATIVE)
    if outcome.random() < profile.reply:
        replied = timing.after(read, Step.REPLY)
        add(EventType.REPLIED, replied)
        label: str | None = None
        if outcome.random() < profile.labelled:
            names, label_weights = zip(*profile.labels, strict=True)
            label = _pick(outcome, names, label_weights)
        sentiment = _pick(
            outcome, SENTIMENTS, SENTIMENT_BY_LABEL.get(label, SENTIMENT_BY_LABEL[None])
        )
        add(EventType.SENTIMENT_SET, timing.after(replied, Step.SENTIMENT), sentiment=sentiment)
        if label is not None:
            labelled = timing.after(replied, Step.LABEL)
            add(EventType.LABEL_ADDED, labelled, label=label)
            if label in CONVERTING_LABELS and outcome.random() < profile.convert:
                changed = timing.after(labelled, Step.CHANGE)
                add(EventType.LABEL_REMOVED, changed, label=label)
                add(EventType.LABEL_ADDED, changed, label=ORDER_LABEL)
                add(EventType.SENTIMENT_SET, changed, sentiment=Sentiment.POSITIVE)
    return events


def phone_number(rng: random.Random) -> str:
    """A made-up mobile number (India's +91 7/8/9 range), as WhatsApp-style recipient ids."""
    return f"+91{rng.randrange(7_000_000_000, 10_000_000_000)}"


def event_input(event: EventInput) -> dict[str, str]:
    """An event as the `CampaignEventInput` of recordEvents."""
    data = {
        "eventId": event.event_id,
        "campaignId": event.campaign_id,
        "type": event.type.value,
        "recipientId": event.recipient_id,
        "occurredAt": event.occurred_at.isoformat(timespec="milliseconds"),
    }
    if event.button_id is not None:
        data["buttonId"] = event.button_id
    if event.label is not None:
        data["label"] = event.label
    if event.sentiment is not None:
        data["sentiment"] = event.sentiment.value
    return data


RECORD_EVENTS = """
mutation RecordEvents($events: [CampaignEventInput!]!) {
  recordEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}
"""
ACTIVE_CAMPAIGNS = """
query ActiveCampaigns {
  campaigns(statuses: [ACTIVE], first: 100) { edges { node { id name buttons { id text } } } }
}
"""
CAMPAIGN = """
query Campaign($id: ID!) { campaign(id: $id) { id name buttons { id text } } }
"""


class ApiFailure(Exception):
    """The server could not be reached or answered with an error."""


class InsightsClient:
    """GraphQL over HTTP to exactly one server: no proxies from the environment, no redirects."""

    def __init__(self, url: str, key: str, *, timeout: float = 10.0) -> None:
        base = url.rstrip("/")
        self.endpoint = base if base.endswith("/graphql") else base + "/graphql"
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
        )

    async def __aenter__(self) -> InsightsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def execute(self, document: str, variables: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.post(
                self.endpoint, json={"query": document, "variables": variables or {}}
            )
        except httpx.HTTPError as error:
            raise ApiFailure(f"{type(error).__name__}: {error or 'no answer'}") from None
        try:
            body = response.json()
        except ValueError:
            raise ApiFailure(f"HTTP {response.status_code} from {self.endpoint}") from None
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code", "ERROR")
            raise ApiFailure(f"{code}: {first.get('message')}")
        if response.status_code != 200 or not isinstance(body, dict):
            raise ApiFailure(f"HTTP {response.status_code} from {self.endpoint}")
        return body["data"]

    async def active_campaigns(self) -> list[Target]:
        data = await self.execute(ACTIVE_CAMPAIGNS)
        return [_target(edge["node"]) for edge in data["campaigns"]["edges"]]

    async def campaign(self, campaign_id: str) -> Target | None:
        data = await self.execute(CAMPAIGN, {"id": campaign_id})
        node = data["campaign"]
        return None if node is None else _target(node)


def _target(node: dict[str, Any]) -> Target:
    buttons = tuple((b["id"], b["text"]) for b in node["buttons"])
    return Target(id=node["id"], name=node["name"], buttons=buttons)


@dataclass
class Tally:
    """What a simulation sent and what the server said."""

    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0  # events in requests that failed
    requests: int = 0
    seconds: float = 0.0
    last_error: str | None = None
    last_rejection: str | None = None

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


@dataclass(order=True)
class _Due:
    at: datetime
    seq: int
    event: EventInput = field(compare=False)


LIVE_COMPRESS = 200.0  # live journeys run 200 times faster than real ones
LIVE_CAP_SECONDS = 300.0


class Simulator:
    """Sends live traffic for some campaigns at about `rate` events per second.

    Every second it sends one batch (several above 1,000 events): the steps of earlier
    journeys that have come due, topped up with new recipients. Without fixed campaign
    ids it follows the workspace's ACTIVE campaigns, looking them up every `refresh`
    seconds, so a campaign paused elsewhere gets no new recipients.
    """

    def __init__(
        self,
        client: InsightsClient,
        rate: float,
        *,
        seed: int | None = None,
        targets: Sequence[Target] | None = None,
        refresh: float = 15.0,
        profile: Profile | None = None,
    ) -> None:
        self._client, self._rate, self._refresh = client, rate, refresh
        self._fixed = targets is not None
        self._refreshed_at: float | None = None
        self.targets: list[Target] = list(targets or [])
        run = secrets.token_hex(4) if seed is None else f"s{seed}"
        self._rng = random.Random(f"{run}-live")
        self._timing = Timing(self._rng, compress=LIVE_COMPRESS, cap_seconds=LIVE_CAP_SECONDS)
        self._profile = profile or Profile()
        self._prefix = f"sim-{run}"
        self._recipients = itertools.count()
        self._seq = itertools.count()
        self._due: list[_Due] = []
        self.tally = Tally()

    async def refresh_targets(self) -> list[Target]:
        if not self._fixed:
            self._refreshed_at = time.monotonic()
            self.targets = await self._client.active_campaigns()
        return self.targets

    def next_batch(self, size: int, now: datetime) -> list[EventInput]:
        """Up to `size` events: steps that are due first, then new recipients' first steps."""
        batch: list[EventInput] = []
        while self._due and len(batch) < size and self._due[0].at <= now:
            batch.append(heapq.heappop(self._due).event)
        backlog_limit = 300 * max(self._rate, 1.0) + 1000
        while len(batch) < size and self.targets and len(self._due) < backlog_limit:
            target = self._rng.choice(self.targets)
            number = next(self._recipients)
            steps = journey(
                self._rng,
                self._timing,
                self._profile,
                target,
                phone_number(self._rng),
                now,
                f"{self._prefix}-{number}",
            )
            batch.append(steps[0])
            for step in steps[1:]:
                heapq.heappush(self._due, _Due(step.occurred_at, next(self._seq), step))
        return batch

    async def send(self, events: Sequence[EventInput]) -> None:
        for start in range(0, len(events), limits.EVENTS_PER_CALL_MAX):
            chunk = events[start : start + limits.EVENTS_PER_CALL_MAX]
            self.tally.sent += len(chunk)
            self.tally.requests += 1
            try:
                data = await self._client.execute(
                    RECORD_EVENTS, {"events": [event_input(e) for e in chunk]}
                )
            except ApiFailure as error:
                self.tally.errors += len(chunk)
                self.tally.last_error = str(error)
                continue
            result = data["recordEvents"]
            self.tally.accepted += result["accepted"]
            self.tally.duplicates += result["duplicates"]
            self.tally.rejected += len(result["rejected"])
            if result["rejected"]:
                first = result["rejected"][0]
                self.tally.last_rejection = f"{first['code']}: {first['message']}"

    async def run(
        self,
        *,
        duration: float | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        on_batch: Callable[[Tally], None] | None = None,
    ) -> Tally:
        """Send until `duration` seconds have passed or `should_stop()`; return the tally."""
        started = time.monotonic()
        tick = 0
        while not should_stop():
            elapsed = time.monotonic() - started
            if duration is not None and elapsed >= duration:
                break
            stale = (
                self._refreshed_at is None or time.monotonic() - self._refreshed_at >= self._refresh
            )
            if not self._fixed and stale:
                try:
                    await self.refresh_targets()
                except ApiFailure as error:
                    self.tally.last_error = str(error)
            size = int(self._rate * (tick + 1)) - int(self._rate * tick)
            await self.send(self.next_batch(size, datetime.now(UTC)))
            tick += 1
            self.tally.seconds = time.monotonic() - started
            if on_batch is not None:
                on_batch(self.tally)
            # Next batch one second after the last one was due (no bursts to catch up).
            wake = max(started + tick, time.monotonic())
            if duration is not None:
                wake = min(wake, started + duration)
            while not should_stop() and (left := wake - time.monotonic()) > 0:
                await asyncio.sleep(min(left, 0.2))
            if time.monotonic() - (started + tick) > 1:
                tick = int(time.monotonic() - started)
        self.tally.seconds = time.monotonic() - started
        return self.tally
