"""Entry point of the benchmark suite (scripts/bench): runs the benchmarks, writes RESULTS.md.

    scripts/bench [--quick] [--only NAME[,NAME...]] [--sizes N,N,...] [--with-10m]

NAME is one of read_cost, ingest, query_overhead, fanout. Every server started here
listens on 127.0.0.1 and is stopped before the run ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from bench import fanout, ingest, query_overhead, read_cost, scale_out
from bench.config import Config
from bench.machine import describe
from bench.report import Section, summary_table, write_results
from tests.services import FerretDB, RedisServer

BENCHMARKS: dict[str, Callable[[Config], Awaitable[Section]]] = {
    "read_cost": read_cost.run,
    "ingest": ingest.run,
    "query_overhead": query_overhead.run,
    "fanout": fanout.run,
}
NEEDS_MONGODB = {"read_cost", "ingest"}
NEEDS_REDIS = {"fanout"}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give sizes like 1000,100000") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive whole numbers")
    return sizes


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(BENCHMARKS)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: the whole run takes ~2 minutes"
    )
    parser.add_argument(
        "--only", type=_names, metavar="NAME[,NAME]", help=f"run only: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        metavar="N,N",
        help="read-cost campaign sizes on memory:// (default 1000,100000,1000000; quick "
        "1000,10000)",
    )
    parser.add_argument(
        "--mongo-sizes",
        type=_sizes,
        metavar="N,N",
        help="read-cost sizes on FerretDB (default 1000,10000; quick 1000,3000)",
    )
    parser.add_argument(
        "--subscribers",
        type=_sizes,
        metavar="N,N",
        help="fan-out sizes (default 1000,5000,10000; quick 200,500)",
    )
    parser.add_argument(
        "--with-10m",
        action="store_true",
        help="add a 10M-event campaign on memory:// to the read-cost benchmark (about 4 more "
        "minutes and ~8 GB of memory)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where to write the results (RESULTS.md)"
    )
    return parser


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@contextlib.contextmanager
def services(cfg: Config, names: list[str]) -> Iterator[list[str]]:
    started: list[FerretDB | RedisServer] = []
    lines: list[str] = []
    try:
        if NEEDS_MONGODB & set(names):
            db = FerretDB()
            db.start()
            started.append(db)
            cfg.services.mongodb_url, cfg.services.mongodb_version = db.url, db.version
            lines.append(f"MongoDB stand-in | {db.version} (not MongoDB)")
        if NEEDS_REDIS & set(names):
            redis = RedisServer()
            redis.start()
            started.append(redis)
            cfg.services.redis_url, cfg.services.redis_version = redis.url, redis.version
            lines.append(f"Redis | {redis.version}")
        yield lines
    finally:
        for server in reversed(started):
            server.close()


async def run_all(cfg: Config, names: list[str]) -> list[Section]:
    sections = []
    for name in names:
        print(f"\n== {name} ==", flush=True)
        started = time.monotonic()
        try:
            section = await BENCHMARKS[name](cfg)
        except Exception as error:
            traceback.print_exc()
            section = Section(name, name, failed=f"{type(error).__name__}: {error}")
        section.seconds = time.monotonic() - started
        print(f"== {name}: {section.seconds:.0f} s", flush=True)
        sections.append(section)
    return sections


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = Config.make(
        quick=args.quick,
        sizes=args.sizes,
        mongo_sizes=args.mongo_sizes,
        with_10m=args.with_10m,
        fanout_sizes=args.subscribers,
    )
    names = args.only or list(BENCHMARKS)
    limit = raise_open_files_limit()
    machine = describe()
    print(
        f"bench: {'quick' if cfg.quick else 'full'} run of {', '.join(names)} on "
        f"{machine['cpu']} ({machine['nproc']} CPUs, {machine['memory']}), {machine['python']}, "
        f"load {machine['load_at_start']}, open files limit {limit}",
        flush=True,
    )
    started = time.monotonic()
    with services(cfg, names) as service_lines:
        sections = asyncio.run(run_all(cfg, names))
    seconds = time.monotonic() - started
    sketch, notes = scale_out.sketch(sections, cfg)
    write_results(
        args.output,
        machine=machine,
        mode="quick" if cfg.quick else "full",
        seconds=seconds,
        sections=sections,
        services=service_lines,
        scale_out=sketch,
        notes=notes,
    )
    print("\n" + "\n".join(summary_table(sections)))
    print(f"\nbench: {seconds / 60:.1f} min; wrote {args.output}")
    return 1 if any(s.failed for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
