"""Settings, read from the environment once, with clear errors for bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A setting has a value the service can't use."""


def _float(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not value >= minimum:
        raise SettingsError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str:
    value = env.get(name) or "memory://"
    if not value.startswith(schemes):
        raise SettingsError(f"{name}={value!r} must start with one of: {', '.join(schemes)}")
    return value


@dataclass(frozen=True)
class Settings:
    store_url: str = "memory://"
    broadcast_url: str = "memory://"
    # Seconds between live updates.
    live_interval: float = 5.0
    # Seconds a store call may take before it fails as unavailable.
    store_timeout: float = 5.0
    # Seconds between sweeps that finish work a crashed process left behind.
    recovery_interval: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            store_url=_url(
                env, "INSIGHTS_STORE_URL", ("memory://", "mongodb://", "mongodb+srv://")
            ),
            broadcast_url=_url(
                env, "INSIGHTS_BROADCAST_URL", ("memory://", "redis://", "rediss://")
            ),
            live_interval=_float(env, "INSIGHTS_LIVE_INTERVAL", 5.0, 0.01),
            store_timeout=_float(env, "INSIGHTS_STORE_TIMEOUT", 5.0, 0.1),
            recovery_interval=_float(env, "INSIGHTS_RECOVERY_INTERVAL", 30.0, 1.0),
        )
