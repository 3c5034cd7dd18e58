"""Who is calling: API keys from INSIGHTS_API_KEYS (static) or from the store."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from resolvers.context import Principal
from server.settings import SettingsError
from store import Store
from store.keys import PREFIX, ApiKey, hash_key, key_id_of, parse_roles

logger = logging.getLogger("insights.auth")
CACHE_SECONDS = 1.0


def parse_static_keys(raw: str | None) -> dict[str, ApiKey]:
    """INSIGHTS_API_KEYS: [{"key": "ik_…", "workspace": "acme", "roles": [...], "name": "ci"}]."""
    if not raw:
        return {}
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingsError(f"INSIGHTS_API_KEYS is not valid JSON ({error.msg})") from None
    if not isinstance(entries, list):
        raise SettingsError("INSIGHTS_API_KEYS must be a JSON list of key objects")
    keys: dict[str, ApiKey] = {}
    now = datetime.now(UTC)
    for index, entry in enumerate(entries):
        where = f"INSIGHTS_API_KEYS[{index}]"
        if not isinstance(entry, dict):
            raise SettingsError(f"{where} must be an object")
        key, workspace = entry.get("key"), entry.get("workspace")
        if not isinstance(key, str) or not key.startswith(PREFIX) or len(key) < len(PREFIX) + 32:
            raise SettingsError(f"{where}.key must be a string starting with {PREFIX!r}, 35+ chars")
        if not isinstance(workspace, str) or not workspace.strip():
            raise SettingsError(f"{where}.workspace must be a non-empty string")
        try:
            roles = parse_roles(entry.get("roles") or [])
        except ValueError as error:
            raise SettingsError(f"{where}.roles: {error}") from None
        key_hash = hash_key(key)
        keys[key_hash] = ApiKey(
            key_id=key_id_of(key_hash),
            hash=key_hash,
            workspace=workspace,
            roles=roles,
            name=str(entry.get("name") or f"static-{index}"),
            created_at=now,
        )
    return keys


def bearer_token(value: str | None) -> str | None:
    """The key from an `Authorization: Bearer …` value (the scheme is case-insensitive)."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Authenticator:
    def __init__(self, static_keys: dict[str, ApiKey], store: Store) -> None:
        self._static = static_keys
        self._store = store
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    async def authenticate(self, token: str | None) -> Principal | None:
        """The caller of a key, or None for a missing, unknown or revoked key."""
        if not token or not token.startswith(PREFIX) or len(token) > 200:
            return None
        key_hash = hash_key(token)
        key = self._static.get(key_hash)
        if key is None:
            key = await self._stored(key_hash)
        if key is None or key.revoked_at is not None:
            return None
        return Principal(key_id=key.key_id, workspace=key.workspace, roles=key.roles, name=key.name)

    async def _stored(self, key_hash: str) -> ApiKey | None:
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        key = await self._store.find_api_key(key_hash)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key_hash] = (now, key)
        return key

    async def still_valid(self, principal: Principal) -> bool:
        """Checked again for open sockets: a revoked key loses them."""
        if any(k.key_id == principal.key_id for k in self._static.values()):
            return True
        for key in await self._store.list_api_keys():
            if key.key_id == principal.key_id:
                return key.revoked_at is None
        return False
