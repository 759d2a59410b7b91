"""The ``compare`` use-case: two live workspaces side by side, differences marked expected or not.

Each workspace is read through its own target's rendering of the manifests, exactly as ``plan``
reads it (per-target pins, else names; the selection; live-only agents under derived handles),
and planned against it; ``planner.compare`` then pairs the two live states by handle and asks the
two plans whether the manifests explain each difference. Without manifests (none found, or
``raw``) the workspaces are compared as they are, agents paired by name. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.errors import ConfigError
from mhsync.manifest import Diagnostic
from mhsync.manifest.scoping import ScopedLoad
from mhsync.plan import Plan
from mhsync.planner import plan
from mhsync.planner.compare import Comparison, Explanation, compare_workspaces
from mhsync.selection import Selection
from mhsync.state import WorkspaceState
from mhsync.workflows.connect import connect
from mhsync.workflows.livestate import EVERYTHING, read_live
from mhsync.workflows.plan import load_scope
from mhsync.workspace import Workspace


@dataclass(frozen=True)
class CompareRequest:
    paths: Sequence[Path] = ()
    selection: Selection = EVERYTHING
    raw: bool = False
    """Compare the workspaces as they are even when manifests exist."""
    parallelism: int = 8


@dataclass
class CompareOutcome:
    comparison: Comparison
    warnings: list[Diagnostic] = field(default_factory=list)
    """Manifest warnings (of the first target's rendering; both read the same files)."""
    requests: int = 0


@dataclass
class _Side:
    desired: WorkspaceState
    live: WorkspaceState
    plan: Plan
    warnings: list[str]
    requests: int


def run_compare(a: Workspace, b: Workspace, request: CompareRequest) -> CompareOutcome:
    if _same_place(a, b):
        raise ConfigError(
            f"compare needs two workspaces; {a.describe()} and {b.describe()} are the same one"
            + (" (MHSYNC_BASE_URL replaces the URL of every --target)" if a.name != b.name else "")
        )
    scopes = [
        None if request.raw else load_scope(w, request.paths, request.selection, prune=True)
        for w in (a, b)
    ]
    explained = any(s is not None and s.everyone.agents for s in scopes)
    if not explained:
        scopes = [None, None]
    left, right = (_read(w, s, request) for w, s in zip((a, b), scopes, strict=True))
    explanation = (
        Explanation(left.desired, right.desired, left.plan, right.plan) if explained else None
    )
    ignore = {
        handle: agent.ignore
        for desired in (left.desired, right.desired)
        for handle, agent in desired.agents.items()
        if agent.ignore
    }
    comparison = compare_workspaces(
        left.live, right.live, a=a.name, b=b.name, explanation=explanation, ignore=ignore
    )
    warnings = tuple(dict.fromkeys([*left.warnings, *right.warnings]))
    comparison = Comparison(
        comparison.a, comparison.b, comparison.explained, comparison.agents,
        comparison.identical, warnings,
    )
    first = scopes[0]
    manifest_warnings = list(first.result.warnings) if first is not None else []
    return CompareOutcome(comparison, manifest_warnings, left.requests + right.requests)


def _read(workspace: Workspace, scoped: ScopedLoad | None, request: CompareRequest) -> _Side:
    everyone = scoped.everyone if scoped is not None else WorkspaceState()
    selected = scoped.selected if scoped is not None else WorkspaceState()
    with connect(workspace.target) as connection:
        live = read_live(
            connection.client,
            everyone,
            include_unmatched=True,
            selection=request.selection,
            parallelism=request.parallelism,
            patterns_must_match=False,
        )
        made = plan(selected, live.state, target=workspace.name)
        return _Side(
            selected, live.state, made,
            [f"{workspace.name}: {w}" for w in live.warnings],
            connection.counter.total,
        )


def _same_place(a: Workspace, b: Workspace) -> bool:
    if a.target.is_sandbox or b.target.is_sandbox:
        return a.target.sandbox_db == b.target.sandbox_db
    return (a.target.base_url or "").rstrip("/") == (b.target.base_url or "").rstrip("/")
