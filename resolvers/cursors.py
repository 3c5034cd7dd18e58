"""Opaque keyset cursors: base64url of the sort key (a time and an id) and the list they page."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from resolvers.errors import ApiError


def encode_cursor(kind: str, at: datetime, key: str) -> str:
    millis = int(at.timestamp() * 1000)
    raw = json.dumps([kind, millis, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_kind, millis, key = json.loads(raw)
        if cursor_kind != kind or not isinstance(millis, int) or not isinstance(key, str):
            raise ValueError(cursor)
        key.encode("utf-8")
        return datetime.fromtimestamp(millis / 1000, UTC), key
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError, OSError):
        raise ApiError(
            "after: not a cursor of this list; pass an endCursor you were given",
            "INVALID_INPUT",
            ("after",),
        ) from None
