"""The ``drift`` use-case: what changed in the workspace since the manifests were applied.

Drift is a plan read backwards (``render.drift``), so it sees exactly what ``plan`` sees: the
same matching, canonical form, ignored paths and selection. It only ever reads: the workspace is
listed and the separately kept sections of the selected agents are fetched, nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mhsync.config import Target
from mhsync.manifest import Diagnostic
from mhsync.plan import Plan
from mhsync.render.drift import DriftReport, drift_from_plan
from mhsync.selection import Selection
from mhsync.workflows.livestate import EVERYTHING
from mhsync.workflows.plan import PlanRequest, make_plan
from mhsync.workspace import Workspace


@dataclass(frozen=True)
class DriftRequest:
    paths: Sequence[Path] = ()
    selection: Selection = EVERYTHING
    parallelism: int = 8


@dataclass
class DriftOutcome:
    report: DriftReport
    plan: Plan
    """The plan the report was read from (what ``apply`` would do to undo the drift)."""
    warnings: list[Diagnostic]
    requests: int
    target: Target


def run_drift(workspace: Workspace, request: DriftRequest) -> DriftOutcome:
    """Secrets are compared by presence and never sent, so drift needs only the API token."""
    planned = make_plan(
        workspace,
        PlanRequest(
            paths=request.paths, selection=request.selection, parallelism=request.parallelism
        ),
    )
    sources = {
        handle: agent.source
        for handle, agent in planned.desired.agents.items()
        if agent.source is not None
    }
    return DriftOutcome(
        drift_from_plan(planned.plan, sources),
        planned.plan,
        planned.warnings,
        planned.requests,
        planned.target,
    )
