"""What a caller may tell the planner beyond the two states: the safety rails for deletes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanOptions:
    """``prune`` deletes live agents that no manifest names; ``protected`` (handles or uuids)
    are never deleted; ``max_deletes`` stops a plan with more delete changes than that."""

    prune: bool = False
    max_deletes: int | None = None
    protected: frozenset[str] = frozenset()
