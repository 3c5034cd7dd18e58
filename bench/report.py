"""bench/RESULTS.md: the machine, a summary table of every goal, and each benchmark's details."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import fmt_ratio


@dataclass
class Row:
    """One line of the summary table. `met` is None when the row has no goal."""

    benchmark: str
    metric: str
    ours: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None
    note: str = ""


@dataclass
class Section:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    body: list[str] = field(default_factory=list)  # markdown lines
    figures: dict[str, float] = field(default_factory=dict)  # for the scale-out sketch
    seconds: float = 0.0
    failed: str | None = None


def _met(row: Row) -> str:
    if row.met is None:
        return "-"
    verdict = "**yes**" if row.met else "**no**"
    return f"{verdict} ({row.note})" if row.note else verdict


def summary_table(sections: list[Section]) -> list[str]:
    lines = [
        "| benchmark | metric | ours | baseline | ratio | goal | met? |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for section in sections:
        if section.failed:
            lines.append(f"| {section.title} | - | failed | - | - | - | {section.failed} |")
        for r in section.rows:
            ratio = fmt_ratio(r.ratio) if not math.isnan(r.ratio) else "n/a"
            lines.append(
                f"| {r.benchmark} | {r.metric} | {r.ours} | {r.baseline} | {ratio} | {r.goal} "
                f"| {_met(r)} |"
            )
    return lines


def write_results(
    path: Path,
    *,
    machine: dict[str, str],
    mode: str,
    seconds: float,
    sections: list[Section],
    services: list[str],
    scale_out: list[str],
    notes: list[str],
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `scripts/bench{'' if mode == 'full' else ' --quick'}` on {machine['date']} "
        f"({mode} run, {seconds / 60:.1f} min). Regenerate with `scripts/bench` (full, under "
        "20 min) or `scripts/bench --quick` (~2 min); `--only NAME` runs one benchmark.",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {machine['cpu']} |",
        f"| nproc | {machine['nproc']} |",
        f"| memory | {machine['memory']} |",
        f"| Python | {machine['python']} |",
        f"| kernel | {machine['kernel']} |",
        f"| load average at start | {machine['load_at_start']} |",
        *(f"| {line} |" for line in services),
        f"| load generator | {machine['wrk']} |",
        "",
        "The machine is shared: other work (test suites, other servers) ran during this run, "
        "so absolute numbers are noisy and pessimistic; ratios measured within one benchmark "
        "are more trustworthy than absolute figures. Every server listened on 127.0.0.1 "
        "only and the load generators ran on the same 2 cores as the server.",
        "",
        "## Summary",
        "",
        *summary_table(sections),
        "",
        "The ratio column is the one the metric names (e.g. later size / first size, "
        "naive / ours, dashboard / trivial, batches / single events, needed / done reads). "
        "Median (statistics.median) and p99 (nearest rank) are over the repeated runs "
        'described in each section. A note "the goal is for 1M" (or 10k) marks a --quick '
        "run measured at smaller sizes: its yes/no says nothing about the goal.",
        "",
    ]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.failed:
            lines += [f"**Failed:** {section.failed}", ""]
        lines += [*section.body, "", f"_({section.seconds:.0f} s)_", ""]
    if scale_out:
        lines += ["## Scale-out sketch", "", *scale_out, ""]
    if notes:
        lines += ["## Notes", "", *notes, ""]
    path.write_text("\n".join(lines))
