"""Settings, read from the environment once, with clear errors for bad values."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A setting has a value the service can't use."""


def _number(env: Mapping[str, str], name: str, default: float, minimum: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not value >= minimum or value != value or value == float("inf"):
        raise SettingsError(f"{name}={raw!r} must be a finite number of at least {minimum}")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    value = _number(env, name, default, minimum)
    if value != int(value):
        raise SettingsError(f"{name}={env.get(name)!r} must be a whole number")
    return int(value)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={raw!r} must be true or false")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise SettingsError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str:
    value = (env.get(name) or "").strip() or "memory://"
    if not value.startswith(schemes):
        raise SettingsError(f"{name}={value!r} must start with one of: {', '.join(schemes)}")
    return value


@dataclass(frozen=True)
class Settings:
    store_url: str = "memory://"
    broadcast_url: str = "memory://"
    live_interval: float = 5.0  # seconds between live updates
    store_timeout: float = 5.0  # seconds a store call may take before UNAVAILABLE
    recovery_interval: float = 30.0  # seconds between crash-recovery sweeps
    # Security
    api_keys: str | None = None  # JSON list of static keys (INSIGHTS_API_KEYS)
    introspection: bool = True
    cors_origins: tuple[str, ...] = ()
    # Limits
    max_body_bytes: int = 1024 * 1024
    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 5000
    max_subscriptions: int = 20  # per WebSocket
    rate_limit: float = 50.0  # requests per second per key (token bucket refill)
    rate_burst: int = 200  # bucket size
    body_timeout: float = 10.0  # seconds to receive a request body
    ws_init_timeout: float = 10.0  # seconds to send connection_init
    idle_timeout: float = 30.0  # seconds an idle connection is kept (HTTP keep-alive, WS pings)
    log_format: str = "text"  # or "json"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        origins = tuple(
            o.strip() for o in (env.get("INSIGHTS_CORS_ORIGINS") or "").split(",") if o.strip()
        )
        return cls(
            store_url=_url(
                env, "INSIGHTS_STORE_URL", ("memory://", "mongodb://", "mongodb+srv://")
            ),
            broadcast_url=_url(
                env, "INSIGHTS_BROADCAST_URL", ("memory://", "redis://", "rediss://")
            ),
            live_interval=_number(env, "INSIGHTS_LIVE_INTERVAL", 5.0, 0.01),
            store_timeout=_number(env, "INSIGHTS_STORE_TIMEOUT", 5.0, 0.1),
            recovery_interval=_number(env, "INSIGHTS_RECOVERY_INTERVAL", 30.0, 1.0),
            api_keys=env.get("INSIGHTS_API_KEYS") or None,
            introspection=_bool(env, "INSIGHTS_INTROSPECTION", True),
            cors_origins=origins,
            max_body_bytes=_int(env, "INSIGHTS_MAX_BODY_BYTES", 1024 * 1024),
            max_depth=_int(env, "INSIGHTS_MAX_DEPTH", 10),
            max_aliases=_int(env, "INSIGHTS_MAX_ALIASES", 30),
            max_tokens=_int(env, "INSIGHTS_MAX_TOKENS", 5000),
            max_subscriptions=_int(env, "INSIGHTS_MAX_SUBSCRIPTIONS", 20),
            rate_limit=_number(env, "INSIGHTS_RATE_LIMIT", 50.0, 0.01),
            rate_burst=_int(env, "INSIGHTS_RATE_BURST", 200),
            body_timeout=_number(env, "INSIGHTS_BODY_TIMEOUT", 10.0, 0.1),
            ws_init_timeout=_number(env, "INSIGHTS_WS_INIT_TIMEOUT", 10.0, 0.1),
            idle_timeout=_number(env, "INSIGHTS_IDLE_TIMEOUT", 30.0, 1.0),
            log_format=_choice(env, "INSIGHTS_LOG_FORMAT", ("text", "json")),
        )
