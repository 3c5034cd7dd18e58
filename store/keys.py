"""API keys: random secrets shown once, stored only as a SHA-256 hash.

Keys carry 32 random bytes, so a fast hash is safe here (no password stretching needed).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

PREFIX = "ik_"


class Role(enum.StrEnum):
    VIEWER = "viewer"  # queries and subscriptions
    EDITOR = "editor"  # viewer, plus the campaign mutations
    INGEST = "ingest"  # only recordEvents


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    hash: str
    workspace: str
    roles: frozenset[Role]
    name: str
    created_at: datetime
    revoked_at: datetime | None = None


def generate_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(key_hash: str) -> str:
    """A short public handle for listing and revoking (not enough to use the key)."""
    return "key_" + key_hash[:12]


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    roles = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r} (roles: {allowed})") from None
    if not roles:
        raise ValueError("a key needs at least one role")
    return frozenset(roles)
