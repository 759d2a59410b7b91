"""The ``plan`` use-case: manifests + live workspace -> Plan (and what it was made from).

Other use-cases (apply, drift, export, pull) build on the same helpers: ``load_scope`` reads the
manifests through a selection, ``plan_against`` reads the live side for it and plans. A selection
narrows what is read, planned and written, never what the manifests mean: matching and
references always see every agent.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.config import Target
from mhsync.errors import ManifestError, PlanError
from mhsync.manifest import Diagnostic
from mhsync.manifest.scoping import ScopedLoad
from mhsync.plan import Plan, needed_variables
from mhsync.planner import AgentOutcome, PlanOptions, PlanSetup
from mhsync.planner.refs import agent_refs
from mhsync.selection import Selection
from mhsync.state import AgentState, WorkspaceState
from mhsync.workflows.connect import Connection, connect
from mhsync.workflows.livestate import EVERYTHING, read_live, with_reference_stubs
from mhsync.workflows.validate import load_scoped
from mhsync.workspace import Workspace


@dataclass(frozen=True)
class PlanRequest:
    """What to plan; where is the resolved ``Workspace`` passed beside it."""

    paths: Sequence[Path] = ()
    prune: bool = False
    max_deletes: int | None = None
    confirmed_deletes: frozenset[str] = frozenset()
    """Live agents (handles or uuids) whose prune is confirmed despite a possible rename."""
    selection: Selection = EVERYTHING
    parallelism: int = 8
    """Requests in flight at once while reading intents and webhooks of each agent."""
    resend_secrets: bool = False
    """Send every webhook secret and intent auth token in scope again (rotation)."""


@dataclass
class PlanOutcome:
    plan: Plan
    desired: WorkspaceState
    """The selected desired agents (what was planned)."""
    live: WorkspaceState
    warnings: list[Diagnostic]
    requests: int
    target: Target


def load_scope(
    workspace: Workspace,
    paths: Sequence[Path],
    selection: Selection = EVERYTHING,
    *,
    prune: bool = False,
    sections: bool = True,
) -> ScopedLoad:
    """Load and validate manifests through ``selection``; an error that counts stops everything
    before the network is touched. With ``prune``, ``--agent`` may also name a live-only agent,
    which only the live read can confirm, and a file under the manifests paths that holds no
    agent we can read is an error (``LoadResult.prune_blockers``). ``sections=False``: the
    parsed agents keep no validated sections (see ``load_manifests``)."""
    scoped = load_scoped(
        workspace.project,
        workspace.target,
        paths,
        selection,
        check_handles=not prune,
        sections=sections,
    )
    errors = scoped.result.errors
    if prune:
        errors = sorted([*errors, *scoped.result.prune_blockers()], key=Diagnostic.sort_key)
    if errors:
        raise ManifestError(f"{len(errors)} error(s) in manifests", list(errors))
    return scoped


def load_desired(
    workspace: Workspace, paths: Sequence[Path]
) -> tuple[WorkspaceState, list[Diagnostic]]:
    """Every desired agent (no selection) and the warnings; see ``load_scope``."""
    scoped = load_scope(workspace, paths)
    return scoped.selected, list(scoped.result.warnings)


@dataclass
class Planned:
    plan: Plan
    live: WorkspaceState
    """The live agents the plan was computed from (selected, plus prune candidates)."""
    references: dict[str, str] = field(default_factory=dict)

    def for_executor(self) -> WorkspaceState:
        """``live`` plus the uuids of agents outside the selection that rules may point to."""
        return with_reference_stubs(self.live, self.references)


def plan_options(scoped: ScopedLoad, request: PlanRequest) -> PlanOptions:
    """The planner's options for ``request``: the safety rails, and every protected agent."""
    return PlanOptions(
        prune=request.prune,
        max_deletes=request.max_deletes,
        confirmed_deletes=request.confirmed_deletes,
        protected=frozenset(
            name
            for agent in scoped.everyone.agents.values()
            if agent.protected
            for name in (agent.handle, agent.uuid or "")
            if name
        ),
        named_scope=bool(scoped.selection.handles),
        resend_secrets=request.resend_secrets,
    )


def plan_against(
    connection: Connection, scoped: ScopedLoad, request: PlanRequest, workspace: Workspace
) -> Planned:
    """Read the live side through an open connection and plan the selected agents against it.

    The plan records ``workspace`` so that a saved plan is applied exactly there."""
    selection = scoped.selection
    options = plan_options(scoped, request)
    planning = PlanAsRead(scoped.selected, options)
    live = read_live(
        connection.client,
        scoped.everyone,
        include_unmatched=request.prune,
        selection=selection,
        parallelism=request.parallelism,
        keep_raw=False,
        listener=planning,
    )
    check_outside_references(scoped, live.references.values(), planning.refers_to())
    made = planning.finish(live.state, target=connection.target.name)
    warnings = (*made.warnings, *live.warnings)
    if not selection.is_everything and not scoped.selected.agents and not made.agents:
        warnings += (f"the selection {selection.describe()} matches no agent",)
    made = made.model_copy(
        update={
            "selection": None if selection.is_everything else selection.describe(),
            "agent_handles": dict(sorted(live.references.items())),
            "warnings": warnings,
            "workspace": workspace.binding(),
        }
    )
    made = made.model_copy(update={"secrets_needed": tuple(needed_variables(made))})
    return Planned(made, live.state, live.references)


class PlanAsRead:
    """Plans each agent while the others are still being read (a ``LiveListener``).

    ``read_live`` spends most of its time waiting on the network; the per-agent part of the
    plan (``PlanSetup.agent``: diff, fingerprint, warnings) runs in those waits, and only the
    workspace-wide part (``PlanSetup.finish``) is left for after the last read. New agents have
    no reads of their own: each agent read also plans one of them. The plan is the one
    ``planner.plan`` makes of the same states.
    """

    def __init__(self, desired: WorkspaceState, options: PlanOptions) -> None:
        self.desired = desired
        self.options = options
        self.setup: PlanSetup | None = None
        self.outcomes: dict[str, AgentOutcome] = {}
        self._creates: list[str] = []

    def in_scope(self, handles: frozenset[str]) -> None:
        self.setup = PlanSetup(self.desired, handles, self.options)
        self._creates = sorted(self.setup.new, reverse=True)

    def agent(self, handle: str, state: AgentState) -> None:
        """Each call writes only its own handles' outcomes (``list.pop`` hands a new agent to
        one caller), so concurrent calls from reader threads are safe."""
        assert self.setup is not None, "in_scope comes first"
        self.outcomes[handle] = self.setup.agent(handle, state)
        try:
            created = self._creates.pop()
        except IndexError:
            return
        self.outcomes[created] = self.setup.agent(created, None)

    def refers_to(self) -> dict[str, frozenset[str]]:
        """Handle -> the agents it points to, of each desired agent planned so far."""
        return {h: o.refers_to for h, o in list(self.outcomes.items()) if o.desired is not None}

    def finish(self, live: WorkspaceState, *, target: str) -> Plan:
        """The whole plan; agents not planned yet (no reads at all) are planned here."""
        setup = self.setup or PlanSetup(self.desired, live.agents, self.options)
        return setup.finish(live, self.outcomes, target=target)


def check_outside_references(
    scoped: ScopedLoad, matched: Collection[str], refers_to: Mapping[str, Collection[str]]
) -> None:
    """Refuse a selected agent pointing at an unselected one that has no live uuid to send.

    ``refers_to``: the agents some of them point to, already known (``PlanAsRead``)."""
    problems = []
    for handle, agent in sorted(scoped.selected.agents.items()):
        targets = refers_to[handle] if handle in refers_to else agent_refs(agent)
        for target in sorted(targets):
            if target in scoped.selected.agents or target in matched:
                continue
            why = (
                "its manifest has errors"
                if target in scoped.broken
                else "it does not exist in the workspace yet"
            )
            problems.append(
                f"agent[{handle}] points to agent[{target}], which is outside the selection "
                f"and {why}; add it to the selection (--agent {target}) or apply it first"
            )
    if problems:
        raise PlanError("\n".join(problems))


def make_plan(workspace: Workspace, request: PlanRequest) -> PlanOutcome:
    scoped = load_scope(
        workspace, request.paths, request.selection, prune=request.prune, sections=False
    )
    with connect(workspace.target) as connection:
        planned = plan_against(connection, scoped, request, workspace)
        return PlanOutcome(
            planned.plan,
            scoped.selected,
            planned.live,
            list(scoped.result.warnings),
            connection.counter.total,
            workspace.target,
        )
