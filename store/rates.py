"""Rates and shares derived from counts: always recomputed from sums, never averaged."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from store.models import Button, ButtonCount, CampaignCounters, Sentiment
from store.rules import COUNT_FIELDS


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator x 100, or None when the denominator is 0."""
    return numerator / denominator * 100 if denominator else None


@dataclass(frozen=True)
class Rates:
    click_through: float | None
    unique_click_through: float | None
    delivery: float | None
    open: float | None
    click: float | None
    response: float | None


def rates_of(c: CampaignCounters) -> Rates:
    return Rates(
        click_through=rate(c.clicks, c.recipients),
        unique_click_through=rate(c.clickers, c.recipients),
        delivery=rate(c.delivered, c.sent),
        open=rate(c.read, c.delivered),
        click=rate(c.clickers, c.delivered),
        response=rate(c.responders, c.delivered),
    )


def _earliest(times: Iterable[datetime | None]) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None


def _latest(times: Iterable[datetime | None]) -> datetime | None:
    present = [t for t in times if t is not None]
    return max(present) if present else None


def summed(counters: Sequence[CampaignCounters]) -> CampaignCounters:
    """Counts summed over several campaigns (buttons are per campaign and left out)."""
    if len(counters) == 1:
        return counters[0]
    labels: dict[str, int] = {}
    sentiments: dict[Sentiment, int] = {}
    for c in counters:
        for label, count in c.labels.items():
            labels[label] = labels.get(label, 0) + count
        for sentiment, count in c.sentiments.items():
            sentiments[sentiment] = sentiments.get(sentiment, 0) + count
    return CampaignCounters(
        **{name: sum(getattr(c, name) for c in counters) for name in COUNT_FIELDS},
        first_event_at=_earliest(c.first_event_at for c in counters),
        last_event_at=_latest(c.last_event_at for c in counters),
        labels=labels,
        sentiments=sentiments,
    )


@dataclass(frozen=True)
class ButtonRow:
    button: Button
    clicks: int
    clickers: int
    percentage: float | None


def button_rows(buttons: Sequence[Button], counters: CampaignCounters) -> list[ButtonRow]:
    """Every configured button (zero rows included), most clicked first, then in config order."""
    counts = [counters.buttons.get(b.id, ButtonCount()) for b in buttons]
    total = sum(c.clicks for c in counts)
    rows = [
        ButtonRow(button, count.clicks, count.clickers, rate(count.clicks, total))
        for button, count in zip(buttons, counts, strict=True)
    ]
    return sorted(rows, key=lambda row: -row.clicks)


def label_rows(counters: CampaignCounters) -> list[tuple[str, int, float]]:
    """Labels currently carried, most frequent first (ties by label text)."""
    total = sum(counters.labels.values())
    rows = sorted(counters.labels.items(), key=lambda item: (-item[1], item[0]))
    return [(label, count, count / total * 100) for label, count in rows if count > 0]


def sentiment_rows(counters: CampaignCounters) -> list[tuple[Sentiment, int, float]]:
    """Always three rows, POSITIVE, NEUTRAL, NEGATIVE; percentages 0 when there are none."""
    total = sum(counters.sentiments.values())
    return [
        (s, n := counters.sentiments.get(s, 0), n / total * 100 if total else 0.0)
        for s in (Sentiment.POSITIVE, Sentiment.NEUTRAL, Sentiment.NEGATIVE)
    ]
