"""Expected failures of store operations; the API layer turns them into user errors."""

from __future__ import annotations

from store.models import ErrorCode


class StoreError(Exception):
    """An expected failure with a code and the input field it concerns."""

    def __init__(self, code: ErrorCode, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotFound(StoreError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(ErrorCode.NOT_FOUND, message, field)


class InvalidInput(StoreError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(ErrorCode.INVALID_INPUT, message, field)


class LimitExceeded(StoreError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(ErrorCode.LIMIT_EXCEEDED, message, field)


class InvalidTransition(StoreError):
    def __init__(self, message: str, field: tuple[str, ...] = ()) -> None:
        super().__init__(ErrorCode.INVALID_TRANSITION, message, field)


class StoreUnavailable(Exception):
    """The backing database could not be reached in time."""
