"""Top-level GraphQL errors that clients are meant to see, with a code in `extensions`."""

from __future__ import annotations

from graphql import GraphQLError

from store.errors import StoreError


class ApiError(GraphQLError):
    """An error shown to the client as is (other exceptions are masked)."""

    def __init__(self, message: str, code: str, field: tuple[str, ...] = ()) -> None:
        extensions: dict[str, object] = {"code": code}
        if field:
            extensions["field"] = list(field)
        super().__init__(message, extensions=extensions)


def from_store_error(error: StoreError) -> ApiError:
    return ApiError(error.message, str(error.code), error.field)
