"""The execution context every operation runs in: Strawberry's, minus a per-subscription leak."""

from __future__ import annotations

from typing import Any

from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class InsightsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Gives each subscription event its own subfield memo.

    graphql-core 3.3 memoizes the subfields it collects by the identity of each field group and
    keeps the groups alive so their ids stay unique. A subscription's per-event executor is a
    shallow copy of the subscription's executor, so every event's new field groups went into the
    one memo, which lives as long as the subscription: 2-5 KB per push for a dashboard
    selection, without bound (tests/pubsub/test_live.py). The memo only pays off within
    one execution (lists of objects), so one per event loses nothing.
    """

    def build_per_event_executor(self, payload: Any) -> Executor[Any]:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor
