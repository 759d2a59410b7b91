"""The ``plan`` use-case: manifests + live workspace -> Plan (and what it was made from)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.config import ProjectConfig, Target, load_project_config
from mhsync.errors import ManifestError
from mhsync.manifest import Diagnostic, load_manifests
from mhsync.plan import Plan
from mhsync.planner import PlanOptions, plan
from mhsync.state import WorkspaceState
from mhsync.workflows.connect import Connection, connect
from mhsync.workflows.livestate import read_live


@dataclass(frozen=True)
class PlanRequest:
    paths: Sequence[Path] = ()
    target: str | None = None
    prune: bool = False
    max_deletes: int | None = None
    cwd: Path = field(default_factory=Path.cwd)


@dataclass
class PlanOutcome:
    plan: Plan
    desired: WorkspaceState
    live: WorkspaceState
    warnings: list[Diagnostic]
    requests: int
    target: Target


def resolve_target(request: PlanRequest) -> tuple[ProjectConfig, Target]:
    config = load_project_config(request.cwd, request.paths)
    return config, config.target(request.target)


def load_desired(
    config: ProjectConfig, target: Target, paths: Sequence[Path]
) -> tuple[WorkspaceState, list[Diagnostic]]:
    """Load and validate manifests; any error stops everything before the network is touched."""
    result = load_manifests(config.manifest_paths(paths), variables=target.vars)
    if result.errors:
        raise ManifestError(f"{len(result.errors)} error(s) in manifests", list(result.errors))
    return result.workspace, list(result.warnings)


@dataclass
class Planned:
    plan: Plan
    live: WorkspaceState


def plan_against(connection: Connection, desired: WorkspaceState, request: PlanRequest) -> Planned:
    """Read the live side through an open connection and plan against it."""
    options = PlanOptions(
        prune=request.prune,
        max_deletes=request.max_deletes,
        protected=frozenset(
            name
            for agent in desired.agents.values()
            if agent.protected
            for name in (agent.handle, agent.uuid or "")
            if name
        ),
    )
    live = read_live(connection.client, desired, include_unmatched=request.prune)
    made = plan(desired, live.state, target=connection.target.name, options=options)
    return Planned(made, live.state)


def make_plan(request: PlanRequest) -> PlanOutcome:
    config, target = resolve_target(request)
    desired, warnings = load_desired(config, target, request.paths)
    with connect(target) as connection:
        planned = plan_against(connection, desired, request)
        return PlanOutcome(
            planned.plan, desired, planned.live, warnings, connection.counter.total, target
        )
