"""The `insights` command line."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys

from server.settings import Settings, SettingsError
from store.keys import Role, generate_key


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import create_app

    settings = Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.api_keys is None and settings.store_url.startswith("memory:"):
        # The embedded default has nowhere to keep keys: make one for this run and show it.
        key = generate_key()
        entry = {
            "key": key,
            "workspace": "default",
            "roles": [r.value for r in Role],
            "name": "dev",
        }
        settings = dataclasses.replace(settings, api_keys=json.dumps([entry]))
        print(
            f"No INSIGHTS_API_KEYS set: this run's key (workspace 'default', all roles):\n  {key}\n"
            "Send it as 'Authorization: Bearer <key>' (GraphiQL: the headers tab).",
            flush=True,
        )
    print(
        f"Marketing Insights API on http://{args.host}:{args.port}/graphql "
        f"(store {settings.store_url}, broadcast {settings.broadcast_url})",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        timeout_graceful_shutdown=8,
    )
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from schema import schema

    print(schema.as_str())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insights",
        description="Marketing Insights GraphQL API: serve it, or export its schema.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="run the API server (settings from INSIGHTS_* env vars)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    serve.set_defaults(run=_serve)
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(run=_export_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except SettingsError as error:
        print(f"insights: configuration error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
