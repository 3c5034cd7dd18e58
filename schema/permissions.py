"""Roles: which root fields a key may use. Checked before execution; nothing runs if denied."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from store.keys import Role

READ_ROLES = frozenset({Role.VIEWER, Role.EDITOR})
MUTATION_ROLES = {
    "createCampaign": frozenset({Role.EDITOR}),
    "updateCampaign": frozenset({Role.EDITOR}),
    "changeCampaignStatus": frozenset({Role.EDITOR}),
    "recordEvents": frozenset({Role.INGEST}),
}


def _root_fields(document: DocumentNode, selection_set: SelectionSetNode) -> Iterator[str]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    pending, seen = [selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)


def missing_roles(
    document: DocumentNode, operation_name: str | None, roles: frozenset[Role]
) -> list[str]:
    """Root fields of the operation that `roles` don't allow (empty when all are allowed)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []  # validation reports it
    denied = []
    for name in _root_fields(document, operation.selection_set):
        if name.startswith("__"):
            continue  # introspection: any key
        if operation.operation is OperationType.MUTATION:
            needed = MUTATION_ROLES.get(name, frozenset({Role.EDITOR}))
        else:
            needed = READ_ROLES
        if not needed & roles:
            denied.append(f"{name} (needs {' or '.join(sorted(needed))})")
    return denied


class RolePolicy(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        principal = getattr(context.context, "principal", None)
        document = context.graphql_document
        if principal is not None and document is not None:
            denied = missing_roles(document, context.operation_name, principal.roles)
            if denied:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"this API key may not use: {', '.join(denied)}",
                        extensions={"code": "FORBIDDEN"},
                    )
                ]
        yield
