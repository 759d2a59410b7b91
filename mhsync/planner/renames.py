"""Possible renames: a new agent and a pruned one that look like the same agent.

Matching pairs a manifest with a live agent by uuid, name or ``previous_names``. Change an
agent's ``spec.name`` without listing the old one and nothing pairs them: the plan creates a new
agent and, with ``--prune``, deletes the old one (new uuid, history gone, phone or WhatsApp
bindings not carried over). Like Terraform showing "must be replaced", the plan calls every such
pair out; when the new side is protected (the user said this agent matters) the delete is
refused unless confirmed by name (``--confirm-delete HANDLE``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from mhsync.sections import CORE
from mhsync.state import AgentState

SIMILAR_NAMES = 0.6
"""Name similarity (difflib ratio, case-folded) from which two agents look like one."""
SHARED_FIELDS = 0.5
"""Share of the new agent's other core fields with equal values from which they look like one."""


@dataclass(frozen=True)
class RenamePair:
    created: AgentState
    deleted: AgentState

    def message(self) -> str:
        return (
            f"possible rename: agent[{self.created.handle}] {self.created.name!r} is created "
            f"and agent[{self.deleted.handle}] {self.deleted.name!r} deleted; if it is the same "
            f"agent, add previous_names: [{self.deleted.handle}] to its metadata so it keeps "
            "its uuid"
        )


def rename_pairs(created: Iterable[AgentState], deleted: Iterable[AgentState]) -> list[RenamePair]:
    """Every (new, pruned) pair that looks like one agent under two names."""
    olds = list(deleted)
    return [
        RenamePair(new, old) for new in created for old in olds if looks_like(new, old)
    ]


def looks_like(new: AgentState, old: AgentState) -> bool:
    ratio = difflib.SequenceMatcher(None, new.name.casefold(), old.name.casefold()).ratio()
    if ratio >= SIMILAR_NAMES:
        return True
    mine = {k: v for k, v in new.objects.get(CORE.key, {}).items() if k != "name" and v}
    theirs = old.objects.get(CORE.key, {})
    if not mine:
        return False
    same = sum(1 for key, value in mine.items() if theirs.get(key) == value)
    return same / len(mine) >= SHARED_FIELDS
