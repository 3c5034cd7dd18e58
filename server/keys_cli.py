"""`insights keys create|list|revoke`: API keys kept in the MongoDB store."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from server.settings import Settings
from store import open_store
from store.keys import ApiKey, generate_key, hash_key, key_id_of, parse_roles

MEMORY_HINT = (
    "insights keys: INSIGHTS_STORE_URL is memory://, which lives inside the running server's "
    "process; this command can't reach it. For the embedded default, give keys to the server "
    'with INSIGHTS_API_KEYS=\'[{"key": "ik_...", "workspace": "...", "roles": ["viewer"], '
    '"name": "..."}]\', or point INSIGHTS_STORE_URL at MongoDB.'
)


def add_keys_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="create, list or revoke API keys kept in MongoDB")
    actions = keys.add_subparsers(dest="keys_action", required=True)
    create = actions.add_parser("create", help="make a key; it is shown once")
    create.add_argument("--workspace", required=True, help="the workspace the key can see")
    create.add_argument(
        "--roles", default="viewer", help="comma-separated: viewer, editor, ingest (default viewer)"
    )
    create.add_argument("--name", required=True, help="what the key is for, e.g. 'dashboard'")
    actions.add_parser("list", help="list keys (ids, workspaces, roles; never the keys)")
    revoke = actions.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("key_id")
    keys.set_defaults(run=run_keys)


def run_keys(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.store_url.startswith("memory:"):
        print(MEMORY_HINT, file=sys.stderr)
        return 2
    return asyncio.run(_run(args, settings))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings.store_url, timeout=settings.store_timeout)
    try:
        if args.keys_action == "create":
            try:
                roles = parse_roles(args.roles.split(","))
            except ValueError as error:
                print(f"insights keys: {error}", file=sys.stderr)
                return 2
            key = generate_key()
            key_hash = hash_key(key)
            record = ApiKey(
                key_id=key_id_of(key_hash),
                hash=key_hash,
                workspace=args.workspace,
                roles=roles,
                name=args.name,
                created_at=datetime.now(UTC),
            )
            await store.create_api_key(record)
            print(f"{key}\n(id {record.key_id}; shown once: only its hash is stored)")
        elif args.keys_action == "list":
            for k in await store.list_api_keys():
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                role_names = ",".join(sorted(k.roles))
                print(f"{k.key_id}  {k.workspace:<16} {role_names:<22} {k.name:<20} {state}")
        elif not await store.revoke_api_key(args.key_id):
            print(f"insights keys: no key {args.key_id!r}", file=sys.stderr)
            return 1
        else:
            print(f"revoked {args.key_id}")
        return 0
    finally:
        await store.close()
