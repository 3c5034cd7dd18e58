"""/metrics in the Prometheus text format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from pubsub.metrics import LiveMetrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LiveCollector(Collector):
    """Reads the live layer's counters at scrape time."""

    def __init__(self, metrics: Callable[[], LiveMetrics | None]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        m = self._metrics()
        if m is None:
            return
        for name, value, text in (
            ("insights_live_ticks", m.ticks, "Live ticks this process ran."),
            (
                "insights_live_snapshots_computed",
                m.snapshots_computed,
                "Campaign snapshots computed by this process's ticks.",
            ),
            (
                "insights_live_messages_published",
                m.messages_published,
                "Snapshots published to the broadcast.",
            ),
            (
                "insights_live_snapshots_received",
                m.snapshots_received,
                "Snapshots received from the broadcast.",
            ),
            (
                "insights_live_updates_pushed",
                m.updates_pushed,
                "Updates pushed to subscribers of this process.",
            ),
            (
                "insights_live_executions",
                m.executions,
                "GraphQL executions for live payloads: each subscription's first, then one per tick "
                "and distinct operation.",
            ),
            ("insights_live_store_reads", m.store_reads, "Store reads made by ticks."),
        ):
            yield CounterMetricFamily(name, text, value=value)
        yield GaugeMetricFamily(
            "insights_live_subscribers",
            "Live subscriptions open on this process.",
            value=m.subscribers,
        )


def metrics_endpoint(registry: CollectorRegistry) -> Callable[[Request], Awaitable[Response]]:
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE)

    return metrics
