"""The exported schema honours the API contract and documents itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    is_introspection_type,
    is_specified_scalar_type,
)

from schema import schema

CHECK_SCHEMA = Path(__file__).resolve().parents[3] / "shared/contract/check_schema.py"

# The live-insights subscription is a later issue: until it lands, the only contract
# violation allowed is its absence (exactly this line, nothing else about Subscription).
NOT_YET_BUILT = {"TYPE_REMOVED: Subscription was removed."}


def _own_types() -> list[GraphQLNamedType]:
    return [
        named
        for named in schema._schema.type_map.values()
        if not is_introspection_type(named) and not is_specified_scalar_type(named)
    ]


def test_the_exported_schema_has_no_contract_violations(tmp_path: Path) -> None:
    # given
    exported = tmp_path / "exported.graphql"
    exported.write_text(schema.as_str())

    # when
    run = subprocess.run(
        [sys.executable, str(CHECK_SCHEMA), str(exported)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then
    assert run.returncode in (0, 1), run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines and lines[-1].startswith("contract:"), run.stdout + run.stderr
    violations = [line for line in lines[:-1] if line not in NOT_YET_BUILT]
    assert violations == []


def test_every_type_and_field_has_a_description() -> None:
    # Built-in scalars and introspection types are graphql-core's; enum values are exempt.
    missing: list[str] = []
    for named in _own_types():
        if not (named.description or "").strip():
            missing.append(named.name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            missing += [
                f"{named.name}.{name}"
                for name, field in named.fields.items()
                if not (field.description or "").strip()
            ]

    assert missing == []
