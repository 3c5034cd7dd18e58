"""Metrics by GraphQL operation, and one log line per request (text or JSON)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from store.models import IngestResult

access_log = logging.getLogger("insights.access")


class Observability:
    """The app's Prometheus metrics (its own registry, so several apps can share a process)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "insights_graphql_requests",
            "GraphQL operations by name, type and outcome.",
            ["operation", "type", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "insights_graphql_request_seconds",
            "GraphQL operation time by name and type.",
            ["operation", "type"],
            registry=registry,
        )
        self.errors = Counter(
            "insights_graphql_errors", "GraphQL errors by code.", ["code"], registry=registry
        )
        self.events = Counter(
            "insights_events",
            "Events through recordEvents by result.",
            ["result"],
            registry=registry,
        )
        self.push_lag = Histogram(
            "insights_live_publish_to_push_seconds",
            "From a tick's snapshot time to the update pushed to a subscriber.",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
            registry=registry,
        )

    def ingested(self, result: IngestResult) -> None:
        self.events.labels("accepted").inc(result.accepted)
        self.events.labels("duplicate").inc(result.duplicates)
        self.events.labels("rejected").inc(len(result.rejected))

    def extension(self) -> type[SchemaExtension]:
        observability = self

        class OperationMetrics(SchemaExtension):
            def on_operation(self) -> Iterator[None]:
                started = time.perf_counter()
                yield
                context = self.execution_context
                name = context.operation_name or "anonymous"
                try:
                    kind = context.operation_type.value
                except RuntimeError:
                    kind = "unknown"
                result = context.result
                errors = list(getattr(result, "errors", None) or [])
                for error in errors:
                    code = (error.extensions or {}).get("code", "UNKNOWN")
                    observability.errors.labels(str(code)).inc()
                outcome = "error" if errors else "ok"
                observability.requests.labels(name, kind, outcome).inc()
                observability.latency.labels(name, kind).observe(time.perf_counter() - started)
                request = getattr(context.context, "request", None)
                if request is not None:
                    request.scope.setdefault("state", {})["operation"] = f"{kind} {name}"

        return OperationMetrics


class AccessLog:
    """One line per HTTP request: method, path, status, duration and GraphQL operation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            took = (time.perf_counter() - started) * 1000
            operation = scope.get("state", {}).get("operation", "-")
            fields: dict[str, Any] = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round(took, 1),
                "operation": operation,
            }
            access_log.info(
                "%s %s %s %.1fms %s",
                scope["method"],
                scope["path"],
                status,
                took,
                operation,
                extra={"fields": fields},
            )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(json_format: bool) -> None:
    handler = logging.StreamHandler()
    if json_format:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
