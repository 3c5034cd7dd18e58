"""The GraphQL schema of the Marketing Insights API (Strawberry types only)."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.types import ExecutionContext

from schema.errors import ErrorPolicy
from schema.mutations import Mutation
from schema.query import Query
from schema.subscription import Subscription


class InsightsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """ErrorPolicy already logged what needs logging; expected errors are not logged."""


def build_schema(**options: Any) -> strawberry.Schema:
    return InsightsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[ErrorPolicy],
        **options,
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
