from __future__ import annotations

import subprocess
import sys

import pytest

from server.settings import Settings, SettingsError


def test_defaults_are_the_embedded_ones() -> None:
    settings = Settings.from_env({})

    assert (settings.store_url, settings.broadcast_url) == ("memory://", "memory://")
    assert settings.live_interval == 5.0


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"INSIGHTS_STORE_URL": "postgres://x"}, "INSIGHTS_STORE_URL"),
        ({"INSIGHTS_BROADCAST_URL": "kafka://x"}, "INSIGHTS_BROADCAST_URL"),
        ({"INSIGHTS_LIVE_INTERVAL": "soon"}, "INSIGHTS_LIVE_INTERVAL"),
        ({"INSIGHTS_LIVE_INTERVAL": "0"}, "INSIGHTS_LIVE_INTERVAL"),
        ({"INSIGHTS_STORE_TIMEOUT": "-1"}, "INSIGHTS_STORE_TIMEOUT"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        Settings.from_env(env)


def test_the_cli_reports_bad_settings_clearly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        env={"INSIGHTS_LIVE_INTERVAL": "never", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "INSIGHTS_LIVE_INTERVAL" in result.stderr and "Traceback" not in result.stderr


def test_export_schema_prints_the_sdl() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "export-schema"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0
    assert "type Query" in result.stdout and "type Subscription" in result.stdout
