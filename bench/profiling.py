"""Where the time goes: a pyinstrument profile reduced to the frames with the most own time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pyinstrument import Profiler
from pyinstrument.frame import Frame


@dataclass(frozen=True)
class FrameTime:
    where: str  # function  file:line
    own: float  # seconds
    share: float  # of the whole profile


async def profile(call: Callable[[], Awaitable[object]], *, interval: float = 0.0005) -> Profiler:
    profiler = Profiler(interval=interval, async_mode="disabled")
    profiler.start()
    try:
        await call()
    finally:
        profiler.stop()
    return profiler


def _walk(frame: Frame, into: dict[str, float], inclusive: dict[str, float]) -> None:
    children = list(frame.children)
    own = frame.time - sum(c.time for c in children if not c.is_synthetic_leaf)
    if not frame.is_synthetic:
        key = f"`{frame.function}` {frame.file_path_short}:{frame.line_no}"
        into[key] = into.get(key, 0.0) + own
        name = frame.function or ""
        inclusive[name] = inclusive.get(name, 0.0) + frame.time
    for child in children:
        if not child.is_synthetic_leaf:
            _walk(child, into, inclusive)


def top_frames(profiler: Profiler, count: int = 5) -> tuple[list[FrameTime], float]:
    """The `count` frames with the most own (self) time, and the profile's total seconds."""
    session = profiler.last_session
    root = session.root_frame() if session is not None else None
    if root is None:
        return [], 0.0
    own: dict[str, float] = {}
    _walk(root, own, {})
    total = root.time or 1e-9
    ranked = sorted(own.items(), key=lambda item: -item[1])[:count]
    return [FrameTime(where, seconds, seconds / total) for where, seconds in ranked], root.time


def inclusive_share(profiler: Profiler, function: str) -> float:
    """Share of the profile spent inside `function` (outermost calls only counted once)."""
    session = profiler.last_session
    root = session.root_frame() if session is not None else None
    if root is None or not root.time:
        return 0.0

    def outermost(frame: Frame) -> float:
        if frame.function == function:
            return frame.time
        return sum(outermost(c) for c in frame.children)

    return outermost(root) / root.time


def frames_table(frames: list[FrameTime]) -> list[str]:
    lines = ["| frame | own time | share |", "| --- | --- | --- |"]
    lines += [f"| {f.where} | {f.own * 1000:,.0f} ms | {f.share:.0%} |" for f in frames]
    return lines
