"""Which errors clients see: ours as they are, everything else masked with an id to look up."""

from __future__ import annotations

import logging
import secrets

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from store.errors import StoreUnavailable

logger = logging.getLogger("insights.errors")


def _is_shown(error: GraphQLError) -> bool:
    # No original error: a syntax or validation error about the document itself.
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


LIMIT_MESSAGES = ("exceeds maximum operation depth", "aliases", "more than", "tokens")


def _code_for(message: str) -> str:
    """A code for errors about the document itself (graphql-core and Strawberry give none)."""
    if any(part in message for part in LIMIT_MESSAGES):
        return "LIMIT_EXCEEDED"
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


class ErrorPolicy(MaskErrors):
    """Masks unexpected errors; logs each with its stack under an id the client is given."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not _is_shown(error))

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if _is_shown(error) and not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": _code_for(error.message)}
        return processed

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, StoreUnavailable):
            message = "the database is unavailable right now; retry shortly"
            extensions: dict[str, object] = {"code": "UNAVAILABLE"}
            logger.warning("store unavailable at %s: %s", error.path, original)
        else:
            error_id = secrets.token_hex(6)
            message = f"unexpected error (id {error_id}); it has been logged"
            extensions = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
            logger.error("unexpected error %s at %s", error_id, error.path, exc_info=original)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions=extensions,
        )
