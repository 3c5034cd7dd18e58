"""The MongoDB store (`mongodb://…`), on PyMongo's async API.

Ingestion is exact under concurrent writers and crash-safe without transactions:
per campaign, changes are linearised through a version field on the campaign
document. A writer computes the new recipient states and the counter delta, saves
them as a journal, claims the next version with a compare-and-set that also points
the campaign at the journal, and then applies the journal. Every step of applying is
idempotent (recipient writes are conditional on their version, trend buckets remember
the last version applied, the counters are incremented in the same update that clears
the journal pointer), so whoever finds a journal pointer later — the next writer for
that campaign, or the recovery sweep at start-up — can finish it.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    ExecutionTimeout,
    ServerSelectionTimeoutError,
)

from store.campaigns import (
    KEEP,
    Keep,
    new_campaign_id,
    normalise_search,
    prepare_edit,
    prepare_new_campaign,
    statuses_with_prefix,
)
from store.errors import NotFound, StoreUnavailable
from store.ingest import check_batch, group_by_campaign
from store.keys import ApiKey, Role
from store.lifecycle import transition_changes
from store.models import (
    ButtonSpec,
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
from store.mongo_codec import (
    Doc,
    buttons_to_doc,
    campaign_from_doc,
    contact_from_doc,
    encode_key,
    event_from_doc,
    event_to_doc,
    state_from_doc,
    state_to_doc,
)
from store.rules import TREND_FIELDS, CountersDelta, plan_changes
from store.trendkeys import bucket_starts
from store.validation import normalise_time

P = ParamSpec("P")
R = TypeVar("R")

DUPLICATE_KEY = 11000
_FIELD_NAMES = {
    "updated_at": "updatedAt",
    "started_at": "startedAt",
    "completed_at": "completedAt",
    "status": "status",
}


def _unavailable(
    method: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn connection failures and time-outs into StoreUnavailable."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except (ConnectionFailure, ServerSelectionTimeoutError, ExecutionTimeout) as error:
            raise StoreUnavailable(f"database unavailable: {type(error).__name__}") from error

    return wrapper


def _now() -> datetime:
    return normalise_time(datetime.now(UTC))


# FerretDB v1.24.2 hangs on an update command of 100 or more statements (each holds a
# SQLite connection until the command ends); smaller commands cost MongoDB little.
BULK_CHUNK = 50


async def _bulk(collection: AsyncCollection[Doc], operations: Sequence[Any]) -> None:
    """Unordered bulk writes in chunks, run together; duplicate keys mean 'already done'."""

    async def write(chunk: Sequence[Any]) -> None:
        try:
            await collection.bulk_write(list(chunk), ordered=False)
        except BulkWriteError as error:
            _ignore_duplicates(error)

    chunks = [operations[i : i + BULK_CHUNK] for i in range(0, len(operations), BULK_CHUNK)]
    for chunk in chunks:
        await write(chunk)


def _ignore_duplicates(error: BulkWriteError) -> None:
    others = [e for e in error.details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
    if others or error.details.get("writeConcernErrors"):
        raise error


def _is_text(value: str) -> bool:
    """Whether BSON can hold the string (a lone surrogate can't be encoded)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def event_key(workspace: str, event_id: str) -> str:
    return f"{len(workspace)}:{workspace}:{event_id}"


class MongoStore:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        journal_grace: float = 2.0,
        database: str | None = None,
    ) -> None:
        ms = int(timeout * 1000)
        self._client: AsyncMongoClient[Doc] = AsyncMongoClient(
            url,
            tz_aware=True,
            serverSelectionTimeoutMS=ms,
            connectTimeoutMS=ms,
            timeoutMS=ms,  # bounds each call, retries included
        )
        db = (
            self._client[database]
            if database is not None
            else self._client.get_default_database("insights")
        )
        self._db = db
        self._campaigns: AsyncCollection[Doc] = db["campaigns"]
        self._events: AsyncCollection[Doc] = db["events"]
        self._recipients: AsyncCollection[Doc] = db["recipients"]
        self._trend: AsyncCollection[Doc] = db["trend"]
        self._journals: AsyncCollection[Doc] = db["journals"]
        self._keys: AsyncCollection[Doc] = db["api_keys"]
        self._journal_grace = journal_grace
        # Writers of one campaign in this process take turns: the compare-and-set below keeps
        # processes apart, and in-process turns avoid retry storms (and FerretDB's
        # non-atomic updates, for one process).
        self._turns: dict[str, asyncio.Lock] = {}

    @_unavailable
    async def create_indexes(self) -> None:
        await self._campaigns.create_index(
            [("w", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]
        )
        await self._campaigns.create_index([("j", ASCENDING)])
        await self._events.create_index([("a", ASCENDING), ("at", ASCENDING)])
        await self._recipients.create_index(
            [("c", ASCENDING), ("last", DESCENDING), ("r", DESCENDING)]
        )
        await self._trend.create_index([("c", ASCENDING), ("d", ASCENDING)])
        await self._keys.create_index([("key_id", ASCENDING)], unique=True)

    @_unavailable
    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()

    # API keys

    @_unavailable
    async def create_api_key(self, key: ApiKey) -> None:
        await self._keys.insert_one(
            {
                "_id": key.hash,
                "key_id": key.key_id,
                "w": key.workspace,
                "roles": sorted(key.roles),
                "name": key.name,
                "createdAt": key.created_at,
                "revokedAt": key.revoked_at,
            }
        )

    @_unavailable
    async def find_api_key(self, key_hash: str) -> ApiKey | None:
        doc = await self._keys.find_one({"_id": key_hash})
        return None if doc is None else _key_from_doc(doc)

    @_unavailable
    async def list_api_keys(self) -> list[ApiKey]:
        return [_key_from_doc(doc) async for doc in self._keys.find().sort("createdAt", ASCENDING)]

    @_unavailable
    async def revoke_api_key(self, key_id: str) -> bool:
        result = await self._keys.update_one(
            {"key_id": key_id, "revokedAt": None}, {"$set": {"revokedAt": _now()}}
        )
        return result.matched_count > 0 or await self._keys.count_documents({"key_id": key_id}) > 0

    # Campaigns

    async def _get(self, workspace: str, campaign_id: str) -> CampaignRecord:
        if not _is_text(campaign_id):
            raise NotFound(f"campaign {campaign_id!r} not found", ("id",))
        doc = await self._campaigns.find_one({"_id": campaign_id, "w": workspace})
        if doc is None:
            raise NotFound(f"campaign {campaign_id!r} not found", ("id",))
        return campaign_from_doc(doc)

    @_unavailable
    async def create_campaign(
        self,
        workspace: str,
        name: str,
        buttons: Sequence[ButtonSpec],
        scheduled_at: datetime | None,
    ) -> CampaignRecord:
        new = prepare_new_campaign(name, buttons, scheduled_at)
        now = _now()
        doc: Doc = {
            "_id": new_campaign_id(),
            "w": workspace,
            "name": new.name,
            "nl": new.name.lower(),
            "status": str(CampaignStatus.DRAFT),
            "buttons": buttons_to_doc(new.buttons),
            "createdAt": now,
            "updatedAt": now,
            "scheduledAt": new.scheduled_at,
            "startedAt": None,
            "completedAt": None,
            "v": 0,
            "j": None,
            "s": {},
        }
        await self._campaigns.insert_one(doc)
        return campaign_from_doc(doc)

    @_unavailable
    async def update_campaign(
        self,
        workspace: str,
        campaign_id: str,
        *,
        name: str | Keep = KEEP,
        buttons: Sequence[ButtonSpec] | Keep = KEEP,
        scheduled_at: datetime | Keep | None = KEEP,
    ) -> CampaignRecord:
        edit = prepare_edit(await self._get(workspace, campaign_id), name, buttons, scheduled_at)
        changes: Doc = {"updatedAt": _now()}
        if not isinstance(edit.name, Keep):
            changes |= {"name": edit.name, "nl": edit.name.lower()}
        if not isinstance(edit.buttons, Keep):
            changes["buttons"] = buttons_to_doc(edit.buttons)
        if not isinstance(edit.scheduled_at, Keep):
            changes["scheduledAt"] = edit.scheduled_at
        await self._campaigns.update_one({"_id": campaign_id, "w": workspace}, {"$set": changes})
        return await self._get(workspace, campaign_id)

    @_unavailable
    async def change_status(
        self, workspace: str, campaign_id: str, status: CampaignStatus
    ) -> CampaignRecord:
        while True:
            campaign = await self._get(workspace, campaign_id)
            changes = transition_changes(campaign, status, _now())
            result = await self._campaigns.update_one(
                {"_id": campaign_id, "w": workspace, "status": str(campaign.status)},
                {
                    "$set": {
                        _FIELD_NAMES[k]: str(v) if k == "status" else v for k, v in changes.items()
                    }
                },
            )
            if result.matched_count:
                return await self._get(workspace, campaign_id)

    @_unavailable
    async def get_campaigns(
        self, workspace: str, campaign_ids: Sequence[str]
    ) -> dict[str, CampaignRecord]:
        ids = [campaign_id for campaign_id in campaign_ids if _is_text(campaign_id)]
        if not ids:
            return {}
        cursor = self._campaigns.find({"_id": {"$in": ids}, "w": workspace})
        return {doc["_id"]: campaign_from_doc(doc) async for doc in cursor}

    @_unavailable
    async def search_campaigns(
        self,
        workspace: str,
        search: str | None,
        statuses: Sequence[CampaignStatus] | None,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> Page[CampaignRecord]:
        conditions: list[Doc] = [{"w": workspace}]
        if statuses is not None:
            conditions.append({"status": {"$in": [str(s) for s in statuses]}})
        needle = normalise_search(search)
        if needle is not None and not _is_text(needle):
            return Page(items=(), has_next=False, total=0)  # nothing stored can match it
        if needle is not None:
            alternatives: list[Doc] = [{"nl": {"$regex": re.escape(needle)}}]
            prefixed = statuses_with_prefix(needle)
            if prefixed:
                alternatives.append({"status": {"$in": [str(s) for s in prefixed]}})
            conditions.append({"$or": alternatives})
        base: Doc = {"$and": conditions}
        query = base
        if after is not None:
            created_at, campaign_id = after
            keyset = {
                "$or": [
                    {"createdAt": {"$lt": created_at}},
                    {"createdAt": created_at, "_id": {"$lt": campaign_id}},
                ]
            }
            query = {"$and": [*conditions, keyset]}
        cursor = (
            self._campaigns.find(query)
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .limit(first + 1)
        )
        docs = await cursor.to_list()
        total = await self._campaigns.count_documents(base)
        return Page(
            items=tuple(campaign_from_doc(d) for d in docs[:first]),
            has_next=len(docs) > first,
            total=total,
        )

    # Ingestion

    @_unavailable
    async def record_events(self, workspace: str, events: Sequence[EventInput]) -> IngestResult:
        now = datetime.now(UTC)
        campaigns = await self.get_campaigns(workspace, sorted({e.campaign_id for e in events}))
        batch = check_batch(events, campaigns, now)
        keys = [event_key(workspace, event.event_id) for event in batch.valid]
        duplicate_at: set[int] = set()
        if batch.valid:
            docs = [
                event_to_doc(k, workspace, e, now) for k, e in zip(keys, batch.valid, strict=True)
            ]
            try:
                await self._events.insert_many(docs, ordered=False)
            except BulkWriteError as error:
                _ignore_duplicates(error)
                duplicate_at = {e["index"] for e in error.details["writeErrors"]}
        fresh = [e for i, e in enumerate(batch.valid) if i not in duplicate_at]
        # A duplicate that was stored but never applied was cut short by a crash: finish it.
        unfinished = (
            await self._events.find(
                {"_id": {"$in": [keys[i] for i in sorted(duplicate_at)]}, "a": False}
            ).to_list()
            if duplicate_at
            else []
        )
        await self._apply(workspace, fresh + [event_from_doc(doc) for doc in unfinished])
        return IngestResult(
            accepted=len(fresh),
            duplicates=batch.duplicates_in_batch + len(duplicate_at),
            rejected=tuple(batch.rejected),
            changed_campaigns=frozenset(event.campaign_id for event in fresh),
        )

    async def _apply(self, workspace: str, events: Sequence[EventInput]) -> None:
        grouped = group_by_campaign(events)
        await asyncio.gather(
            *(
                self._apply_campaign(workspace, campaign_id, per_recipient)
                for campaign_id, per_recipient in grouped.items()
            )
        )

    async def _apply_campaign(
        self, workspace: str, campaign_id: str, per_recipient: Mapping[str, list[EventInput]]
    ) -> None:
        async with self._turns.setdefault(campaign_id, asyncio.Lock()):
            await self._apply_in_turn(workspace, campaign_id, per_recipient)

    async def _apply_in_turn(
        self, workspace: str, campaign_id: str, per_recipient: Mapping[str, list[EventInput]]
    ) -> None:
        event_keys = [
            event_key(workspace, e.event_id) for events in per_recipient.values() for e in events
        ]
        while True:
            head = await self._campaigns.find_one({"_id": campaign_id}, {"v": 1, "j": 1})
            if head is None:
                return
            if head.get("j") is not None:
                await self._finish_journal(campaign_id, head["j"], wait=True)
                continue
            version = int(head.get("v", 0))
            docs = await self._recipients.find({"_id": {"$in": list(per_recipient)}}).to_list()
            before = {doc["_id"]: state_from_doc(doc) for doc in docs}
            versions = {doc["_id"]: int(doc["v"]) for doc in docs}
            plan = plan_changes(before, per_recipient)
            if not plan.new_states:
                # No recipient changed, but the events may still widen the campaign's
                # first/last event times: $min and $max are idempotent, no journal needed.
                if widen := _event_times_update(_counters_change(plan.delta)):
                    await self._campaigns.update_one({"_id": campaign_id}, widen)
                await self._mark_applied(event_keys)
                return
            op = secrets.token_hex(12)
            journal = {
                "_id": op,
                "c": campaign_id,
                "seq": version + 1,
                "at": datetime.now(UTC),
                "recipients": [
                    {
                        "expect": versions.get(key),
                        "doc": state_to_doc(
                            key,
                            workspace,
                            campaign_id,
                            per_recipient[key][0].recipient_id,
                            state,
                            versions.get(key, 0) + 1,
                        ),
                    }
                    for key, state in plan.new_states.items()
                ],
                "counters": _counters_change(plan.delta),
                "trend": _trend_updates(campaign_id, plan.delta),
                "events": event_keys,
            }
            await self._journals.insert_one(journal)
            claimed = await self._campaigns.update_one(
                {"_id": campaign_id, "v": version, "j": None},
                {"$set": {"v": version + 1, "j": op}},
            )
            if not claimed.matched_count:
                await self._journals.delete_one({"_id": op})
                continue
            await self._run_journal(journal)
            return

    async def _finish_journal(self, campaign_id: str, op: str, *, wait: bool) -> None:
        """Let the owner finish a journal, or finish it ourselves after the grace period."""
        deadline = time.monotonic() + (self._journal_grace if wait else 0)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            head = await self._campaigns.find_one({"_id": campaign_id}, {"j": 1})
            if head is None or head.get("j") != op:
                return
        journal = await self._journals.find_one({"_id": op})
        if journal is not None:
            await self._run_journal(journal)
        else:
            await self._campaigns.update_one({"_id": campaign_id, "j": op}, {"$set": {"j": None}})

    async def _run_journal(self, journal: Mapping[str, Any]) -> None:
        campaign_id, seq, op = journal["c"], journal["seq"], journal["_id"]
        await _bulk(
            self._recipients,
            [
                InsertOne(item["doc"])
                if item["expect"] is None
                # $set of every field, not a replacement: FerretDB scans the whole collection
                # for a replacement whose filter has more than _id.
                else UpdateOne(
                    {"_id": item["doc"]["_id"], "v": item["expect"]},
                    {"$set": {k: v for k, v in item["doc"].items() if k != "_id"}},
                )
                for item in journal["recipients"]
            ],
        )
        # Create missing day documents first, so the guarded increments need no upsert.
        await _bulk(
            self._trend,
            [
                UpdateOne(
                    {"_id": item["_id"]},
                    {"$setOnInsert": {"c": campaign_id, "d": item["d"], "cv": 0}},
                    upsert=True,
                )
                for item in journal["trend"]
            ],
        )
        await _bulk(
            self._trend,
            [
                UpdateOne(
                    {"_id": item["_id"], "cv": {"$lt": seq}},
                    {"$inc": {i["path"]: i["by"] for i in item["inc"]}, "$set": {"cv": seq}},
                )
                for item in journal["trend"]
            ],
        )
        await self._finalize(campaign_id, op, journal["counters"])
        await self._mark_applied(journal["events"])
        await self._journals.delete_one({"_id": op})

    async def _finalize(self, campaign_id: str, op: str, change: Mapping[str, Any]) -> None:
        """Add the journal's delta to the counters and clear the pointer: once, atomically."""
        await self._campaigns.update_one({"_id": campaign_id, "j": op}, _counters_update(change))

    async def _mark_applied(self, event_keys: Sequence[str]) -> None:
        # One statement per event by _id: FerretDB scans the collection for an $in filter.
        await _bulk(
            self._events, [UpdateOne({"_id": k}, {"$set": {"a": True}}) for k in event_keys]
        )

    @_unavailable
    async def recover(self, older_than: timedelta = timedelta(seconds=30)) -> int:
        """Finish journals and apply stored events that a crashed process left behind."""
        fixed = 0
        async for head in self._campaigns.find({"j": {"$ne": None}}, {"j": 1}):
            await self._finish_journal(head["_id"], head["j"], wait=False)
            fixed += 1
        cutoff = datetime.now(UTC) - older_than
        while True:
            docs = (
                await self._events.find({"a": False, "at": {"$lt": cutoff}}).limit(1000).to_list()
            )
            if not docs:
                break
            by_workspace: dict[str, list[EventInput]] = {}
            for doc in docs:
                by_workspace.setdefault(doc["w"], []).append(event_from_doc(doc))
            for workspace, events in by_workspace.items():
                await self._apply(workspace, events)
            fixed += len(docs)
        await self._journals.delete_many({"at": {"$lt": cutoff}})
        return fixed

    # Reads

    @_unavailable
    async def trend(self, workspace: str, queries: Sequence[TrendQuery]) -> list[list[TrendRow]]:
        owned = set(await self.get_campaigns(workspace, sorted({q.campaign_id for q in queries})))
        wanted = [q for q in queries if q.campaign_id in owned]
        days: dict[str, list[Doc]] = {}
        if wanted:
            ranges = [
                {"c": q.campaign_id, "d": {"$gte": _day(q.start), "$lte": _day(q.end)}}
                for q in wanted
            ]
            async for doc in self._trend.find({"$or": ranges}, {"cv": 0}):
                days.setdefault(doc["c"], []).append(doc)
        return [_trend_rows(q, days.get(q.campaign_id, [])) for q in queries]

    @_unavailable
    async def contacts(
        self, workspace: str, queries: Sequence[ContactQuery]
    ) -> list[Page[ContactRecord]]:
        owned = set(await self.get_campaigns(workspace, sorted({q.campaign_id for q in queries})))
        return list(await asyncio.gather(*(self._contacts_page(q, owned) for q in queries)))

    async def _contacts_page(self, query: ContactQuery, owned: set[str]) -> Page[ContactRecord]:
        if query.campaign_id not in owned:
            return Page(items=(), has_next=False, total=0)
        wanted = query.filter
        base: Doc = {"c": query.campaign_id, "st": {"$in": ["SENT", "DELIVERED", "READ", "FAILED"]}}
        if wanted.state is not None:
            base["st"] = str(wanted.state)
        if wanted.clicked is not None:
            base["nc"] = {"$gt": 0} if wanted.clicked else 0
        if wanted.replied is not None:
            base["rp"] = wanted.replied
        query_doc = base
        if query.after is not None:
            last, recipient_id = query.after
            query_doc = {
                "$and": [
                    base,
                    {"$or": [{"last": {"$lt": last}}, {"last": last, "r": {"$lt": recipient_id}}]},
                ]
            }
        docs = (
            await self._recipients.find(query_doc)
            .sort([("last", DESCENDING), ("r", DESCENDING)])
            .limit(query.first + 1)
            .to_list()
        )
        total = await self._recipients.count_documents(base)
        contacts = [c for doc in docs[: query.first] if (c := contact_from_doc(doc)) is not None]
        return Page(items=tuple(contacts), has_next=len(docs) > query.first, total=total)


def _counters_change(delta: CountersDelta) -> Doc:
    """The delta as journal data: document keys can't hold '$' or '.', so paths are values."""
    inc = {f"s.n.{name}": n for name, n in delta.counts.items()}
    for button_id, changes in delta.buttons.items():
        inc |= {f"s.b.{encode_key(button_id)}.{name}": n for name, n in changes.items()}
    inc |= {f"s.l.{encode_key(label)}": n for label, n in delta.labels.items()}
    inc |= {f"s.m.{sentiment}": n for sentiment, n in delta.sentiments.items()}
    return {
        "inc": [{"path": path, "by": n} for path, n in inc.items()],
        "first": delta.first_event_at,
        "last": delta.last_event_at,
    }


def _counters_update(change: Mapping[str, Any]) -> Doc:
    """Apply a journal's counter change and clear the journal pointer, in one update."""
    update: Doc = {"$set": {"j": None}, **_event_times_update(change)}
    if change["inc"]:
        update["$inc"] = {item["path"]: item["by"] for item in change["inc"]}
    return update


def _event_times_update(change: Mapping[str, Any]) -> Doc:
    """Widen the campaign's first/last event times ($min and $max are idempotent)."""
    update: Doc = {}
    if change["first"] is not None:
        update["$min"] = {"s.first": change["first"]}
    if change["last"] is not None:
        update["$max"] = {"s.last": change["last"]}
    return update


def _day(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


TREND_MAPS = {1: "m", 15: "q"}  # resolution in minutes -> the day document's map of buckets


def _trend_updates(campaign_id: str, delta: CountersDelta) -> list[Doc]:
    """Increments per day document: one document per campaign and UTC day holds that day's
    minute and quarter-hour buckets, keyed "HHMM" (few documents to write and to read)."""
    days: dict[datetime, dict[str, int]] = {}
    for (minute, name), amount in delta.trend.items():
        for resolution, start in bucket_starts(minute):
            paths = days.setdefault(_day(start), {})
            path = f"{TREND_MAPS[resolution]}.{start:%H%M}.{name}"
            paths[path] = paths.get(path, 0) + amount
    return [
        {
            "_id": f"{campaign_id}:{day:%Y%m%d}",
            "d": day,
            "inc": [{"path": path, "by": n} for path, n in paths.items() if n],
        }
        for day, paths in days.items()
        if any(paths.values())
    ]


def _trend_rows(query: TrendQuery, days: Sequence[Mapping[str, Any]]) -> list[TrendRow]:
    rows = []
    for doc in days:
        for key, counts in (doc.get(TREND_MAPS[query.resolution_minutes]) or {}).items():
            start = doc["d"] + timedelta(hours=int(key[:2]), minutes=int(key[2:]))
            if query.start <= start < query.end:
                values = {name: int(counts.get(name, 0)) for name in TREND_FIELDS}
                if any(values.values()):
                    rows.append(TrendRow(campaign_id=query.campaign_id, start=start, **values))
    return rows


def _key_from_doc(doc: Mapping[str, Any]) -> ApiKey:
    return ApiKey(
        key_id=doc["key_id"],
        hash=doc["_id"],
        workspace=doc["w"],
        roles=frozenset(Role(r) for r in doc["roles"]),
        name=doc["name"],
        created_at=doc["createdAt"],
        revoked_at=doc.get("revokedAt"),
    )
