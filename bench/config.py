"""What a run measures: sizes and repetitions for --quick and full runs, and the services."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Services:
    mongodb_url: str | None = None  # our embedded FerretDB
    mongodb_version: str = ""
    redis_url: str | None = None
    redis_version: str = ""


@dataclass
class Config:
    quick: bool
    memory_sizes: list[int]
    mongo_sizes: list[int]
    ingest_events: int  # memory://, HTTP and store alone
    ingest_mongo_batches: int  # FerretDB, HTTP and store alone (1,000 events each)
    single_event_requests: int
    single_event_requests_mongo: int
    wrk_seconds: int
    wrk_runs: int
    fanout_sizes: list[int]
    live_interval: float
    fanout_window: float  # seconds of measurement per size
    poll_window: float
    services: Services = field(default_factory=Services)

    @classmethod
    def make(
        cls,
        *,
        quick: bool,
        sizes: list[int] | None,
        mongo_sizes: list[int] | None,
        with_10m: bool,
        fanout_sizes: list[int] | None,
    ) -> Config:
        memory = sizes or ([1_000, 10_000] if quick else [1_000, 100_000, 1_000_000])
        if with_10m and 10_000_000 not in memory:
            memory = [*memory, 10_000_000]
        return cls(
            quick=quick,
            memory_sizes=sorted(memory),
            mongo_sizes=sorted(mongo_sizes or ([1_000, 3_000] if quick else [1_000, 10_000])),
            ingest_events=20_000 if quick else 100_000,
            ingest_mongo_batches=3 if quick else 8,
            single_event_requests=300 if quick else 2_000,
            single_event_requests_mongo=20 if quick else 60,
            wrk_seconds=4 if quick else 10,
            wrk_runs=2 if quick else 3,
            fanout_sizes=sorted(fanout_sizes or ([200, 500] if quick else [1_000, 5_000, 10_000])),
            live_interval=2.0,
            fanout_window=10.0 if quick else 20.0,
            poll_window=8.0 if quick else 12.0,
        )
