"""The GraphQL schema of the Marketing Insights API (Strawberry types only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.errors import ErrorPolicy
from schema.execution import InsightsExecutionContext
from schema.mutations import Mutation
from schema.permissions import RolePolicy
from schema.query import Query
from schema.subscription import Subscription


class InsightsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """ErrorPolicy already logged what needs logging; expected errors are not logged."""


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 5000,
    introspection: bool = True,
    extra_extensions: Sequence[Any] = (),
) -> strawberry.Schema:
    # The limiters' validation rules are classes made once here: a limiter made per request
    # would define new rule classes each time, which also defeats the validation cache.
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    extensions: list[Any] = [
        ErrorPolicy,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(rules),
        # Validating a document is nearly half the time of a small query: cache it (bounded
        # LRU). RolePolicy must come after ValidationCache, which resets the errors. (Strawberry's
        # ParserCache would skip the error handling of a parse failure, such as too many tokens.)
        ValidationCache,
        RolePolicy,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    extensions.extend(extra_extensions)
    return InsightsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=InsightsExecutionContext,
    )


schema = build_schema()

__all__ = ["build_schema", "schema"]
