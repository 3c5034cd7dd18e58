"""The embedded in-process store (`memory://`): data lives until the process exits.

Every method runs without awaiting in between, so each call is atomic with respect to
the others on the event loop; this is what makes concurrent ingestion exact here.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from store.campaigns import (
    KEEP,
    Keep,
    matches_search,
    new_campaign_id,
    normalise_search,
    prepare_edit,
    prepare_new_campaign,
)
from store.errors import NotFound
from store.ingest import check_batch, group_by_campaign, recipient_key
from store.keys import ApiKey
from store.lifecycle import transition_changes
from store.models import (
    ButtonCount,
    ButtonSpec,
    CampaignCounters,
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
from store.rules import CountersDelta, RecipientState, contact_from_state, plan_changes
from store.trendkeys import bucket_starts
from store.validation import normalise_time


@dataclass
class _Counters:
    counts: dict[str, int] = field(default_factory=dict)
    buttons: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)
    sentiments: dict[str, int] = field(default_factory=dict)
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None

    def apply(self, delta: CountersDelta) -> None:
        for name, amount in delta.counts.items():
            self.counts[name] = self.counts.get(name, 0) + amount
        for button_id, changes in delta.buttons.items():
            entry = self.buttons.setdefault(button_id, {})
            for name, amount in changes.items():
                entry[name] = entry.get(name, 0) + amount
        for label, amount in delta.labels.items():
            self.labels[label] = self.labels.get(label, 0) + amount
        for sentiment, amount in delta.sentiments.items():
            self.sentiments[sentiment] = self.sentiments.get(sentiment, 0) + amount
        if delta.first_event_at is not None and (
            self.first_event_at is None or delta.first_event_at < self.first_event_at
        ):
            self.first_event_at = delta.first_event_at
        if delta.last_event_at is not None and (
            self.last_event_at is None or delta.last_event_at > self.last_event_at
        ):
            self.last_event_at = delta.last_event_at

    def snapshot(self) -> CampaignCounters:
        return CampaignCounters(
            **{name: self.counts.get(name, 0) for name in _COUNT_NAMES},
            first_event_at=self.first_event_at,
            last_event_at=self.last_event_at,
            buttons={
                button_id: ButtonCount(entry.get("clicks", 0), entry.get("clickers", 0))
                for button_id, entry in self.buttons.items()
            },
            labels={label: count for label, count in self.labels.items() if count},
            sentiments={s: count for s, count in self.sentiments.items() if count},  # type: ignore[misc]
        )


_COUNT_NAMES = (
    "recipients",
    "sent",
    "delivered",
    "read",
    "failed",
    "clicks",
    "clickers",
    "responders",
)


@dataclass
class _Campaign:
    record: CampaignRecord
    counters: _Counters = field(default_factory=_Counters)
    recipients: dict[str, RecipientState] = field(default_factory=dict)
    # resolution in minutes -> bucket start -> trend field -> count
    trend: dict[int, dict[datetime, dict[str, int]]] = field(
        default_factory=lambda: {1: {}, 15: {}}
    )
    # The same bucket starts, sorted, so a read costs its range, not the campaign's lifetime.
    trend_starts: dict[int, list[datetime]] = field(default_factory=lambda: {1: [], 15: []})

    def view(self) -> CampaignRecord:
        return replace(self.record, counters=self.counters.snapshot())


class MemoryStore:
    def __init__(self) -> None:
        self._campaigns: dict[str, _Campaign] = {}
        self._event_ids: dict[str, set[str]] = {}
        self._keys: dict[str, ApiKey] = {}

    async def create_api_key(self, key: ApiKey) -> None:
        self._keys[key.hash] = key

    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        return self._keys.get(key_hash)

    async def list_api_keys(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda k: k.created_at)

    async def revoke_api_key(self, key_id: str) -> bool:
        for key_hash, key in self._keys.items():
            if key.key_id == key_id:
                if key.revoked_at is None:
                    self._keys[key_hash] = replace(key, revoked_at=datetime.now(UTC))
                return True
        return False

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def recover(self) -> int:
        return 0

    def _get(self, workspace: str, campaign_id: str) -> _Campaign:
        campaign = self._campaigns.get(campaign_id)
        if campaign is None or campaign.record.workspace != workspace:
            raise NotFound(f"campaign {campaign_id!r} not found", ("id",))
        return campaign

    async def create_campaign(
        self,
        workspace: str,
        name: str,
        buttons: Sequence[ButtonSpec],
        scheduled_at: datetime | None,
    ) -> CampaignRecord:
        new = prepare_new_campaign(name, buttons, scheduled_at)
        now = normalise_time(datetime.now(UTC))
        record = CampaignRecord(
            id=new_campaign_id(),
            workspace=workspace,
            name=new.name,
            status=CampaignStatus.DRAFT,
            buttons=new.buttons,
            created_at=now,
            updated_at=now,
            scheduled_at=new.scheduled_at,
            started_at=None,
            completed_at=None,
            counters=CampaignCounters(),
        )
        self._campaigns[record.id] = _Campaign(record)
        return record

    async def update_campaign(
        self,
        workspace: str,
        campaign_id: str,
        *,
        name: str | Keep = KEEP,
        buttons: Sequence[ButtonSpec] | Keep = KEEP,
        scheduled_at: datetime | Keep | None = KEEP,
    ) -> CampaignRecord:
        campaign = self._get(workspace, campaign_id)
        edit = prepare_edit(campaign.view(), name, buttons, scheduled_at)
        record = campaign.record
        if not isinstance(edit.name, Keep):
            record = replace(record, name=edit.name)
        if not isinstance(edit.buttons, Keep):
            record = replace(record, buttons=edit.buttons)
        if not isinstance(edit.scheduled_at, Keep):
            record = replace(record, scheduled_at=edit.scheduled_at)
        campaign.record = replace(record, updated_at=normalise_time(datetime.now(UTC)))
        return campaign.view()

    async def change_status(
        self, workspace: str, campaign_id: str, status: CampaignStatus
    ) -> CampaignRecord:
        campaign = self._get(workspace, campaign_id)
        changes = transition_changes(campaign.record, status, normalise_time(datetime.now(UTC)))
        campaign.record = replace(campaign.record, **changes)
        return campaign.view()

    async def get_campaigns(
        self, workspace: str, campaign_ids: Sequence[str]
    ) -> dict[str, CampaignRecord]:
        found: dict[str, CampaignRecord] = {}
        for campaign_id in campaign_ids:
            campaign = self._campaigns.get(campaign_id)
            if campaign is not None and campaign.record.workspace == workspace:
                found[campaign_id] = campaign.view()
        return found

    async def search_campaigns(
        self,
        workspace: str,
        search: str | None,
        statuses: Sequence[CampaignStatus] | None,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> Page[CampaignRecord]:
        needle = normalise_search(search)
        matching = [
            campaign.record
            for campaign in self._campaigns.values()
            if campaign.record.workspace == workspace
            and (statuses is None or campaign.record.status in statuses)
            and matches_search(campaign.record, needle)
        ]
        matching.sort(key=lambda record: (record.created_at, record.id), reverse=True)
        remaining = [
            record for record in matching if after is None or (record.created_at, record.id) < after
        ]
        page = remaining[: first + 1]
        return Page(
            items=tuple(self._campaigns[r.id].view() for r in page[:first]),
            has_next=len(page) > first,
            total=len(matching),
        )

    async def record_events(self, workspace: str, events: Sequence[EventInput]) -> IngestResult:
        now = datetime.now(UTC)
        campaigns = await self.get_campaigns(workspace, sorted({e.campaign_id for e in events}))
        batch = check_batch(events, campaigns, now)
        seen = self._event_ids.setdefault(workspace, set())
        fresh = [event for event in batch.valid if event.event_id not in seen]
        seen.update(event.event_id for event in fresh)
        for campaign_id, per_recipient in group_by_campaign(fresh).items():
            campaign = self._campaigns[campaign_id]
            plan = plan_changes(campaign.recipients, per_recipient)
            campaign.recipients.update(plan.new_states)
            campaign.counters.apply(plan.delta)
            for (minute, name), amount in plan.delta.trend.items():
                for resolution, start in bucket_starts(minute):
                    buckets = campaign.trend[resolution]
                    if start not in buckets:
                        buckets[start] = {}
                        insort(campaign.trend_starts[resolution], start)
                    buckets[start][name] = buckets[start].get(name, 0) + amount
        return IngestResult(
            accepted=len(fresh),
            duplicates=batch.duplicates_in_batch + len(batch.valid) - len(fresh),
            rejected=tuple(batch.rejected),
            changed_campaigns=frozenset(event.campaign_id for event in fresh),
        )

    async def trend(self, workspace: str, queries: Sequence[TrendQuery]) -> list[list[TrendRow]]:
        return [self._trend_rows(workspace, query) for query in queries]

    def _trend_rows(self, workspace: str, query: TrendQuery) -> list[TrendRow]:
        campaign = self._campaigns.get(query.campaign_id)
        if campaign is None or campaign.record.workspace != workspace:
            return []
        starts = campaign.trend_starts[query.resolution_minutes]
        buckets = campaign.trend[query.resolution_minutes]
        in_range = starts[bisect_left(starts, query.start) : bisect_left(starts, query.end)]
        return [
            TrendRow(campaign_id=query.campaign_id, start=start, **buckets[start])
            for start in in_range
            if any(buckets[start].values())
        ]

    async def contacts(
        self, workspace: str, queries: Sequence[ContactQuery]
    ) -> list[Page[ContactRecord]]:
        return [self._contacts_page(workspace, query) for query in queries]

    def _contacts_page(self, workspace: str, query: ContactQuery) -> Page[ContactRecord]:
        campaign = self._campaigns.get(query.campaign_id)
        if campaign is None or campaign.record.workspace != workspace:
            return Page(items=(), has_next=False, total=0)
        prefix_length = len(recipient_key(query.campaign_id, ""))
        matching = [
            contact
            for key, state in campaign.recipients.items()
            if (contact := contact_from_state(key[prefix_length:], state)) is not None
            and contact_matches(contact, query)
        ]
        after = query.after
        remaining = (
            c for c in matching if after is None or (c.last_event_at, c.recipient_id) < after
        )
        page = heapq.nlargest(
            query.first + 1, remaining, key=lambda c: (c.last_event_at, c.recipient_id)
        )
        return Page(
            items=tuple(page[: query.first]), has_next=len(page) > query.first, total=len(matching)
        )


def contact_matches(contact: ContactRecord, query: ContactQuery) -> bool:
    wanted = query.filter
    return (
        (wanted.state is None or contact.state is wanted.state)
        and (wanted.clicked is None or (contact.clicks > 0) is wanted.clicked)
        and (wanted.replied is None or contact.replied is wanted.replied)
    )
