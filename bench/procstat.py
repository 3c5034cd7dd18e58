"""CPU time and memory of a process, from /proc (Linux)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        text = stat.read()
    # The command name (field 2) may hold spaces; the fields after it are fixed.
    fields = text[text.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_rss_mib(pid: int) -> float:
    """VmHWM: the most resident memory the process has had."""
    return status_kib(pid, "VmHWM") / 1024


def rss_mib(pid: int) -> float:
    return status_kib(pid, "VmRSS") / 1024


@dataclass
class CpuMeter:
    """CPU use of one process over a window, as a percentage of one core."""

    pid: int
    _cpu: float = 0.0
    _wall: float = 0.0

    def start(self) -> CpuMeter:
        self._cpu, self._wall = cpu_seconds(self.pid), time.monotonic()
        return self

    def percent(self) -> float:
        wall = time.monotonic() - self._wall
        return (cpu_seconds(self.pid) - self._cpu) / wall * 100 if wall > 0 else 0.0
