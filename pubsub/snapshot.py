"""A campaign's live snapshot as JSON text: its record and precomputed counters."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from store.models import (
    Button,
    ButtonCount,
    CampaignCounters,
    CampaignRecord,
    CampaignStatus,
    Sentiment,
)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def encode_snapshot(record: CampaignRecord, as_of: datetime) -> str:
    c = record.counters
    return json.dumps(
        {
            "asOf": as_of.isoformat(),
            "campaign": {
                "id": record.id,
                "workspace": record.workspace,
                "name": record.name,
                "status": str(record.status),
                "buttons": [[b.id, b.text] for b in record.buttons],
                "createdAt": _time(record.created_at),
                "updatedAt": _time(record.updated_at),
                "scheduledAt": _time(record.scheduled_at),
                "startedAt": _time(record.started_at),
                "completedAt": _time(record.completed_at),
            },
            "counters": {
                "recipients": c.recipients,
                "sent": c.sent,
                "delivered": c.delivered,
                "read": c.read,
                "failed": c.failed,
                "clicks": c.clicks,
                "clickers": c.clickers,
                "responders": c.responders,
                "first": _time(c.first_event_at),
                "last": _time(c.last_event_at),
                "buttons": {k: [v.clicks, v.clickers] for k, v in c.buttons.items()},
                "labels": c.labels,
                "sentiments": {str(k): v for k, v in c.sentiments.items()},
            },
        },
        separators=(",", ":"),
    )


def decode_snapshot(text: str) -> tuple[CampaignRecord, datetime]:
    data: dict[str, Any] = json.loads(text)
    campaign, c = data["campaign"], data["counters"]
    created_at = _parse(campaign["createdAt"])
    updated_at = _parse(campaign["updatedAt"])
    assert created_at is not None and updated_at is not None
    record = CampaignRecord(
        id=campaign["id"],
        workspace=campaign["workspace"],
        name=campaign["name"],
        status=CampaignStatus(campaign["status"]),
        buttons=tuple(Button(id=i, text=t) for i, t in campaign["buttons"]),
        created_at=created_at,
        updated_at=updated_at,
        scheduled_at=_parse(campaign["scheduledAt"]),
        started_at=_parse(campaign["startedAt"]),
        completed_at=_parse(campaign["completedAt"]),
        counters=CampaignCounters(
            recipients=c["recipients"],
            sent=c["sent"],
            delivered=c["delivered"],
            read=c["read"],
            failed=c["failed"],
            clicks=c["clicks"],
            clickers=c["clickers"],
            responders=c["responders"],
            first_event_at=_parse(c["first"]),
            last_event_at=_parse(c["last"]),
            buttons={k: ButtonCount(v[0], v[1]) for k, v in c["buttons"].items()},
            labels=dict(c["labels"]),
            sentiments={Sentiment(k): v for k, v in c["sentiments"].items()},
        ),
    )
    as_of = _parse(data["asOf"])
    assert as_of is not None
    return record, as_of
