"""API keys the tests use (static keys, as INSIGHTS_API_KEYS would give them)."""

from __future__ import annotations

import json

ALL_ROLES = ["viewer", "editor", "ingest"]
TEST_KEY = "ik_test_" + "a" * 40  # workspace "default", every role
OTHER_KEY = "ik_test_" + "b" * 40  # workspace "other", every role
VIEWER_KEY = "ik_test_" + "c" * 40  # workspace "default", viewer only
INGEST_KEY = "ik_test_" + "d" * 40  # workspace "default", ingest only
EDITOR_KEY = "ik_test_" + "e" * 40  # workspace "default", editor only

API_KEYS = json.dumps(
    [
        {"key": TEST_KEY, "workspace": "default", "roles": ALL_ROLES, "name": "tests"},
        {"key": OTHER_KEY, "workspace": "other", "roles": ALL_ROLES, "name": "other"},
        {"key": VIEWER_KEY, "workspace": "default", "roles": ["viewer"], "name": "viewer"},
        {"key": INGEST_KEY, "workspace": "default", "roles": ["ingest"], "name": "ingest"},
        {"key": EDITOR_KEY, "workspace": "default", "roles": ["editor"], "name": "editor"},
    ]
)


def auth(key: str = TEST_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
