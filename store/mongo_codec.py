"""How records and recipient states are laid out in MongoDB documents.

Document keys may not contain '.' or start with '$', so label texts and button ids
used as keys are base64url-encoded with a 'k' prefix.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from store.models import (
    Button,
    ButtonCount,
    CampaignCounters,
    CampaignRecord,
    CampaignStatus,
    ContactRecord,
    EventInput,
    EventType,
    Sentiment,
)
from store.rules import (
    COUNT_FIELDS,
    Click,
    LabelMark,
    RecipientState,
    SentimentMark,
    contact_from_state,
)

Doc = dict[str, Any]


def encode_key(text: str) -> str:
    return "k" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_key(key: str) -> str:
    body = key[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def campaign_from_doc(doc: Mapping[str, Any]) -> CampaignRecord:
    stats = doc.get("s") or {}
    counts = stats.get("n") or {}
    return CampaignRecord(
        id=doc["_id"],
        workspace=doc["w"],
        name=doc["name"],
        status=CampaignStatus(doc["status"]),
        buttons=tuple(Button(id=b["id"], text=b["text"]) for b in doc["buttons"]),
        created_at=doc["createdAt"],
        updated_at=doc["updatedAt"],
        scheduled_at=doc.get("scheduledAt"),
        started_at=doc.get("startedAt"),
        completed_at=doc.get("completedAt"),
        counters=CampaignCounters(
            **{name: int(counts.get(name, 0)) for name in COUNT_FIELDS},
            first_event_at=stats.get("first"),
            last_event_at=stats.get("last"),
            buttons={
                decode_key(key): ButtonCount(int(v.get("clicks", 0)), int(v.get("clickers", 0)))
                for key, v in (stats.get("b") or {}).items()
            },
            labels={decode_key(k): int(n) for k, n in (stats.get("l") or {}).items() if n},
            sentiments={Sentiment(k): int(n) for k, n in (stats.get("m") or {}).items() if n},
        ),
    )


def buttons_to_doc(buttons: tuple[Button, ...]) -> list[Doc]:
    return [{"id": button.id, "text": button.text} for button in buttons]


def event_to_doc(key: str, workspace: str, event: EventInput, received_at: datetime) -> Doc:
    return {
        "_id": key,
        "w": workspace,
        "e": event.event_id,
        "c": event.campaign_id,
        "r": event.recipient_id,
        "type": str(event.type),
        "t": event.occurred_at,
        "b": event.button_id,
        "l": event.label,
        "m": str(event.sentiment) if event.sentiment else None,
        "a": False,
        "at": received_at,
    }


def event_from_doc(doc: Mapping[str, Any]) -> EventInput:
    return EventInput(
        event_id=doc["e"],
        campaign_id=doc["c"],
        type=EventType(doc["type"]),
        recipient_id=doc["r"],
        occurred_at=doc["t"],
        button_id=doc.get("b"),
        label=doc.get("l"),
        sentiment=Sentiment(doc["m"]) if doc.get("m") else None,
    )


def state_to_doc(
    key: str,
    workspace: str,
    campaign_id: str,
    recipient_id: str,
    state: RecipientState,
    version: int,
) -> Doc:
    delivery_state = state.delivery_state
    return {
        "_id": key,
        "w": workspace,
        "c": campaign_id,
        "r": recipient_id,
        "v": version,
        "sent": state.sent_at,
        "dlv": state.delivered_at,
        "read": state.read_at,
        "fail": state.failed_at,
        "rep": state.replied_at,
        "clk": [{"e": e, "b": c.button_id, "t": c.at} for e, c in sorted(state.clicks.items())],
        "lab": [
            {"l": label, "on": mark.on, "t": mark.at, "e": mark.event_id}
            for label, mark in sorted(state.labels.items())
        ],
        "sen": None
        if state.sentiment is None
        else {
            "s": str(state.sentiment.value),
            "t": state.sentiment.at,
            "e": state.sentiment.event_id,
        },
        "last": state.last_event_at,
        # Derived fields for the contacts query and its filters.
        "st": str(delivery_state) if delivery_state else None,
        "nc": len(state.clicks),
        "rp": state.replied_at is not None,
    }


def state_from_doc(doc: Mapping[str, Any]) -> RecipientState:
    sentiment = doc.get("sen")
    return RecipientState(
        sent_at=doc.get("sent"),
        delivered_at=doc.get("dlv"),
        read_at=doc.get("read"),
        failed_at=doc.get("fail"),
        replied_at=doc.get("rep"),
        clicks={c["e"]: Click(c["b"], c["t"]) for c in doc.get("clk") or []},
        labels={m["l"]: LabelMark(m["on"], m["t"], m["e"]) for m in doc.get("lab") or []},
        sentiment=None
        if not sentiment
        else SentimentMark(Sentiment(sentiment["s"]), sentiment["t"], sentiment["e"]),
        last_event_at=doc.get("last"),
    )


def contact_from_doc(doc: Mapping[str, Any]) -> ContactRecord | None:
    return contact_from_state(doc["r"], state_from_doc(doc))
