"""Masks every sensitive path of a plan, whatever it holds.

The planner already puts only the ``SECRET_SET`` marker there; this is the second lock, so that a
bug upstream can never print a secret. References (``${env:NAME}``) are names, not values, and
stay in ``Change.secrets``.
"""

from __future__ import annotations

import copy
from typing import Any

from mhsync.fieldpath import list_index
from mhsync.plan import Change, FieldChange, Plan
from mhsync.state import SECRET_SET


def redact(plan: Plan) -> Plan:
    """The plan with every change masked; an agent without changes is kept as it is (most
    agents of a plan: copying each one was most of rendering a plan without changes)."""
    agents = tuple(
        agent.model_copy(update={"changes": tuple(redact_change(c) for c in agent.changes)})
        if agent.changes
        else agent
        for agent in plan.agents
    )
    return plan.model_copy(update={"agents": agents})


def redact_change(change: Change) -> Change:
    if change.item_changes:  # each item change of a replace masks its own sensitive paths
        parts = tuple(redact_change(c) for c in change.item_changes)
        change = change.model_copy(update={"item_changes": parts})
    if not change.sensitive:
        return change
    paths = [path.parts for path in change.sensitive]
    return change.model_copy(
        update={
            "before": _masked(change.before, paths),
            "after": _masked(change.after, paths),
            "fields": tuple(_field(f, paths) for f in change.fields),
        }
    )


def _field(field: FieldChange, paths: list[tuple[str, ...]]) -> FieldChange:
    own = field.path.parts
    inner = [p[len(own) :] for p in paths if p[: len(own)] == own]
    if not inner and not any(own[: len(p)] == p for p in paths):
        return field
    whole = any(own[: len(p)] == p for p in paths)
    return field.model_copy(
        update={
            "before": _masked(field.before, [()] if whole else inner),
            "after": _masked(field.after, [()] if whole else inner),
        }
    )


def _masked(value: Any, paths: list[tuple[str, ...]]) -> Any:
    if value is None:
        return None
    out = copy.deepcopy(value)
    for path in paths:
        out = _mask_at(out, path)
    return out


def _mask_at(node: Any, path: tuple[str, ...]) -> Any:
    """A part names a key of an object, or is the decimal index of a list element."""
    if not path:
        return SECRET_SET if node not in (None, "") else node
    head, rest = path[0], path[1:]
    if isinstance(node, dict) and head in node:
        node[head] = _mask_at(node[head], rest)
    elif isinstance(node, list) and (index := list_index(head)) is not None and index < len(node):
        node[index] = _mask_at(node[index], rest)
    return node
