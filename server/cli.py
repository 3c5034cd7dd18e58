"""The `insights` command line."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import random
import signal
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from server.keys_cli import add_keys_commands
from server.observability import configure_logging
from server.settings import Settings, SettingsError
from store.keys import Role, generate_key

if TYPE_CHECKING:
    import uvicorn

    from server.simulate import InsightsClient, Tally, Target
    from store import MemoryStore

logger = logging.getLogger("insights.cli")
LOOPBACK_HOSTS = ("localhost", "::1")
DEMO_RATE = 30.0


def _serve(args: argparse.Namespace) -> int:
    from server.app import create_app
    from server.runner import run

    settings = Settings.from_env()
    configure_logging(json_format=settings.log_format == "json")
    if args.demo:
        return _serve_demo(args, settings)
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
    run(create_app(settings), args.host, args.port)
    return 0


def _with_key(api_keys: str | None, entry: dict[str, Any]) -> str:
    """INSIGHTS_API_KEYS with one more key (the app reports a malformed value itself)."""
    try:
        entries = json.loads(api_keys) if api_keys else []
    except json.JSONDecodeError as error:
        raise SettingsError(f"INSIGHTS_API_KEYS is not valid JSON ({error.msg})") from None
    if not isinstance(entries, list):
        raise SettingsError("INSIGHTS_API_KEYS must be a JSON list of key objects")
    return json.dumps([*entries, entry])


def _serve_demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.app import create_app
    from server.runner import GracefulServer
    from store import MemoryStore

    if not settings.store_url.startswith("memory:"):
        print(
            f"insights: --demo seeds a fresh in-memory workspace and runs on the embedded store "
            f"only; INSIGHTS_STORE_URL is {settings.store_url!r}. Unset it (or set memory://).",
            file=sys.stderr,
        )
        return 2
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the simulator's every request
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 1_000_000)
    key = generate_key()
    entry = {
        "key": key,
        "workspace": "demo",
        "roles": [Role.VIEWER.value, Role.EDITOR.value, Role.INGEST.value],
        "name": "demo",
    }
    settings = dataclasses.replace(settings, api_keys=_with_key(settings.api_keys, entry))
    try:
        listening = _bind(args.host, args.port)  # before seeding: a busy port fails at once
    except OSError as error:
        print(f"insights: can't listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    store = MemoryStore()
    server = GracefulServer(
        create_app(settings, store=store), host=args.host, port=args.port, log_level="info"
    )
    try:
        with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
            demo = _run_demo(
                server, listening, store, seed=seed, rate=args.rate or DEMO_RATE, key=key
            )
            runner.run(demo)
    except KeyboardInterrupt:
        pass
    return 0 if server.started else 3


def _bind(host: str, port: int) -> socket.socket:
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError:
        listening.close()
        raise
    return listening


async def _run_demo(
    server: uvicorn.Server,
    listening: socket.socket,
    store: MemoryStore,
    *,
    seed: int,
    rate: float,
    key: str,
) -> None:
    """Seed, then serve and simulate side by side until the server is told to stop."""
    from server.demo import DEMO_WORKSPACE, seed_demo
    from server.simulate import InsightsClient, Simulator

    print(f"Seeding the demo workspace (seed {seed})…", flush=True)
    seeded = await seed_demo(store, seed=seed)
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if not server.started:
        await serving
        return
    host, port = server.config.host, listening.getsockname()[1]
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    print(
        f"\nMarketing Insights demo: workspace {DEMO_WORKSPACE!r}, {len(seeded.campaigns)} "
        f"campaigns, {seeded.events:,} events (seed {seed}, seeded in {seeded.seconds:.1f} s)\n"
        f"  GraphiQL:   {base}/graphql\n"
        f"  Dashboard:  {base}/dashboard/\n"
        f"  API key:    {key}\n"
        f"              (workspace {DEMO_WORKSPACE!r}, roles viewer, editor, ingest; send it as\n"
        f"              'Authorization: Bearer <key>' - GraphiQL: the headers tab)\n"
        f"  Simulator:  ~{rate:g} events/s into the ACTIVE campaigns; Ctrl-C stops\n",
        flush=True,
    )
    async with InsightsClient(base, key) as client:
        # Its own event ids, whatever the seed: `insights simulate --seed` can't collide.
        simulator = Simulator(client, rate)
        simulating = asyncio.create_task(
            simulator.run(should_stop=lambda: server.should_exit, on_batch=_log_each_minute())
        )
        try:
            await serving
        finally:
            simulating.cancel()


def _log_each_minute() -> Callable[[Tally], None]:
    logged_at, logged_sent, last_error = 0.0, 0, None

    def report(tally: Tally) -> None:
        nonlocal logged_at, logged_sent, last_error
        if tally.last_error and tally.last_error != last_error:
            last_error = tally.last_error
            logger.warning("simulator: %s", tally.last_error)
        if tally.seconds - logged_at >= 60:
            logger.info(
                "simulator: %d events in the last minute (total sent %d, accepted %d, "
                "duplicates %d, rejected %d, errors %d)",
                tally.sent - logged_sent,
                tally.sent,
                tally.accepted,
                tally.duplicates,
                tally.rejected,
                tally.errors,
            )
            logged_at, logged_sent = tally.seconds, tally.sent

    return report


def _simulate(args: argparse.Namespace) -> int:
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        print(f"insights: --url {args.url!r} must be http(s)://host:port", file=sys.stderr)
        return 2
    if parts.hostname not in LOOPBACK_HOSTS and not parts.hostname.startswith("127."):
        print(
            f"insights: warning: {parts.hostname} is not a loopback address; simulate writes "
            "made-up events into that server's workspace",
            file=sys.stderr,
        )
    return asyncio.run(_run_simulate(args))


async def _simulation_targets(client: InsightsClient, ids: list[str] | None) -> list[Target]:
    from server.simulate import ApiFailure, Target

    if ids is None:
        return await client.active_campaigns()
    targets = []
    for campaign_id in ids:
        try:
            target = await client.campaign(campaign_id)
        except ApiFailure as error:
            if not str(error).startswith("FORBIDDEN"):
                raise
            print(
                f"insights: this key can't read campaign {campaign_id} (no viewer role): "
                "sending without button clicks",
                file=sys.stderr,
            )
            target = Target(campaign_id, campaign_id, ())
        if target is None:
            raise ApiFailure(f"campaign {campaign_id!r} not found in this key's workspace")
        targets.append(target)
    return targets


async def _run_simulate(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from server.simulate import ApiFailure, InsightsClient, Simulator

    console = Console(highlight=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def interrupted() -> None:
        stop.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)  # a second Ctrl-C stops at once

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupted)
    async with InsightsClient(args.url, args.key) as client:
        try:
            targets = await _simulation_targets(client, args.campaigns)
        except ApiFailure as error:
            print(f"insights: {client.endpoint}: {error}", file=sys.stderr)
            return 1
        if not targets:
            print(
                "insights: no ACTIVE campaigns in this key's workspace; activate one or pass "
                "--campaigns",
                file=sys.stderr,
            )
            return 1
        names = ", ".join(t.name for t in targets[:5]) + (" …" if len(targets) > 5 else "")
        until = f"for {args.duration:g} s" if args.duration else "until Ctrl-C"
        console.print(
            f"Sending ~{args.rate:g} events/s to {client.endpoint} {until}: "
            f"{len(targets)} campaign(s) ({names})"
        )
        simulator = Simulator(
            client, args.rate, seed=args.seed, targets=targets if args.campaigns else None
        )
        simulator.targets = targets
        columns = (
            SpinnerColumn(),
            TextColumn("simulate"),
            BarColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[stats]}"),
        )
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("simulate", total=args.duration, stats="")

            def show(tally: Tally) -> None:
                progress.update(
                    bar,
                    completed=tally.seconds,
                    stats=f"sent {tally.sent:,}  accepted {tally.accepted:,}  "
                    f"errors {tally.errors:,}",
                )

            tally = await simulator.run(
                duration=args.duration, should_stop=stop.is_set, on_batch=show
            )
            show(tally)
    console.print(_summary(tally))
    return 1 if tally.errors and not tally.accepted else 0


def _summary(tally: Tally) -> str:
    lines = [
        f"Summary ({tally.seconds:.1f} s, {tally.requests} requests)",
        f"  sent        {tally.sent:>9,}",
        f"  accepted    {tally.accepted:>9,}",
        f"  duplicates  {tally.duplicates:>9,}",
        f"  rejected    {tally.rejected:>9,}",
        f"  errors      {tally.errors:>9,}",
        f"  events/s    {tally.per_second:>9.1f}",
    ]
    if tally.last_rejection:
        lines.append(f"  last rejection: {tally.last_rejection}")
    if tally.last_error:
        lines.append(f"  last error: {tally.last_error}")
    return "\n".join(lines)


def _export_schema(args: argparse.Namespace) -> int:
    from schema import schema

    print(schema.as_str())
    return 0


def _positive(kind: type[float] | type[int], maximum: float) -> Any:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value <= maximum:
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {maximum:g}")
        return value

    return parse


def _campaign_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("give one or more campaign ids, comma-separated")
    return ids


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the API server (settings from INSIGHTS_* env vars); --demo for a seeded demo",
        description="Run the API server. Settings come from INSIGHTS_* environment variables.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    demo = serve.add_argument_group("demo")
    demo.add_argument(
        "--demo",
        action="store_true",
        help="seed a 'demo' workspace (8 campaigns, several days of history) on the memory "
        "store, print its API key, and keep simulating live traffic",
    )
    demo.add_argument(
        "--seed",
        type=int,
        help="with --demo: the same seed gives the same numbers (default random)",
    )
    demo.add_argument(
        "--rate",
        type=_positive(float, 1000),
        help=f"with --demo: simulated events per second (default {DEMO_RATE:g})",
    )
    serve.set_defaults(run=_serve)


def _add_simulate(commands: Any) -> None:
    simulate = commands.add_parser(
        "simulate",
        help="send simulated campaign events to a running server (loopback/dev use)",
        description="Send made-up delivery receipts, reads, clicks, replies, labels and "
        "sentiment to a running server through recordEvents, one batch a second. For "
        "loopback and development servers: it talks only to --url, and what it sends "
        "counts like real events.",
    )
    simulate.add_argument(
        "--url", default="http://127.0.0.1:8000", help="the server (default http://127.0.0.1:8000)"
    )
    simulate.add_argument(
        "--key",
        required=True,
        help="API key (ik_…) with the ingest role, and viewer to find campaigns",
    )
    simulate.add_argument(
        "--rate",
        type=_positive(float, 10_000),
        default=30.0,
        help="events per second (default 30)",
    )
    simulate.add_argument(
        "--duration",
        type=_positive(float, 7 * 24 * 3600),
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    simulate.add_argument(
        "--campaigns",
        type=_campaign_ids,
        help="comma-separated campaign ids (default: the workspace's ACTIVE campaigns, up to "
        "100, looked up again every 15 s)",
    )
    simulate.add_argument(
        "--seed",
        type=int,
        help="derive event ids from this seed (a rerun with the same seed sends repeats, "
        "counted as duplicates; default random)",
    )
    simulate.set_defaults(run=_simulate)


def _add_export_schema(commands: Any) -> None:
    export = commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    export.set_defaults(run=_export_schema)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insights",
        description="Marketing Insights GraphQL API: serve it (or a seeded demo), simulate "
        "traffic, export its schema.",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, title="commands", metavar="COMMAND"
    )
    for add in (_add_serve, _add_simulate, add_keys_commands, _add_export_schema):
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve" and not args.demo and (args.seed, args.rate) != (None, None):
        parser.error("--seed and --rate need --demo")
    try:
        result: int = args.run(args)
    except SettingsError as error:
        print(f"insights: configuration error: {error}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
