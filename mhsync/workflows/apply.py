"""The ``apply`` use-case: plan (or load a saved plan), confirm, execute, report.

Confirmation is the caller's: ``confirm(plan)`` is asked only when there is something to do,
so the CLI can show the plan and prompt, while tests and CI pass a function that says yes.
A saved plan is executed only if every agent it names still has the live fingerprint the plan
recorded; otherwise the plan is stale and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.errors import PlanError, StalePlanError
from mhsync.executor import ExecutionReport, ProgressEvent, execute
from mhsync.executor.secrets import (
    SecretBook,
    SecretResolver,
    ThrowawaySecrets,
    env_secret_resolver,
)
from mhsync.live import confirm_agents, list_agents, read_separate_sections
from mhsync.manifest.scoping import ScopedLoad
from mhsync.plan import Action, Plan
from mhsync.state import WorkspaceState, fingerprint
from mhsync.workflows.connect import Connection, connect
from mhsync.workflows.livestate import canonical_live, with_reference_stubs
from mhsync.workflows.lock import project_lock
from mhsync.workflows.plan import PlanRequest, load_scope, plan_against
from mhsync.workspace import Workspace


@dataclass(frozen=True)
class ApplyRequest(PlanRequest):
    saved_plan: Plan | None = None
    """A plan read from a file (``load_plan_file``); its workspace was resolved from it."""
    plan_file: Path | None = None
    """Where ``saved_plan`` came from, for messages."""
    parallelism: int = 4
    """Most requests in flight at once, reading (manifests or saved plan) and writing."""


@dataclass
class ApplyOutcome:
    plan: Plan
    approved: bool
    report: ExecutionReport | None
    requests: int
    warnings: list[object] = field(default_factory=list)
    snapshot: Path | None = None
    """Where the live state of the touched agents was saved before writing (see rollback)."""


Confirm = Callable[[Plan], bool]
OnEvent = Callable[[ProgressEvent], None]


Snapshot = Callable[[Plan, WorkspaceState], Path | None]
"""Saves the live state a plan will change; called after confirmation, before any write."""


def run_apply(
    workspace: Workspace,
    request: ApplyRequest,
    *,
    confirm: Confirm,
    on_event: OnEvent | None,
    snapshot: Snapshot | None = None,
) -> ApplyOutcome:
    warnings: list[object] = []
    scoped: ScopedLoad | None = None
    if request.saved_plan is None:
        scoped = load_scope(
            workspace, request.paths, request.selection, prune=request.prune, sections=False
        )
        warnings.extend(scoped.result.warnings)
    elif not request.selection.is_everything:
        raise PlanError("a saved plan is applied whole: --agent and --selector belong to plan")
    elif request.resend_secrets:
        raise PlanError(
            "a saved plan is applied whole: --resend-secrets belongs to plan "
            "(mhsync plan --resend-secrets --out plan.json)"
        )
    with project_lock(workspace.root), connect(workspace.target) as connection:
        if scoped is not None:
            planned = plan_against(connection, scoped, request, workspace)
            plan, live = planned.plan, planned.for_executor()
        else:
            assert request.saved_plan is not None
            plan = request.saved_plan
            if plan.target != workspace.name:
                raise PlanError(
                    f"{request.plan_file or 'the saved plan'} was made for target "
                    f"{plan.target!r}, not {workspace.name!r}"
                )
            live = read_live_for_plan(connection, plan, parallelism=request.parallelism)
            ensure_fresh(plan, live)
        if not plan.has_changes:
            return ApplyOutcome(plan, True, None, connection.counter.total, warnings)
        throwaway = ThrowawaySecrets() if workspace.target.is_sandbox else None
        resolver: SecretResolver = throwaway or env_secret_resolver
        SecretBook(resolver).preflight(plan)  # every secret it will send, before asking
        if not confirm(plan):
            return ApplyOutcome(plan, False, None, connection.counter.total, warnings)
        taken = snapshot(plan, live) if snapshot is not None else None
        report = execute(
            plan,
            live,
            connection.client,
            parallelism=request.parallelism,
            on_event=on_event,
            resolve_secret=resolver,
        )
        warnings.extend(
            f"{name} is not set; the sandbox was sent a throwaway value for it"
            for name in (throwaway.used if throwaway else [])
        )
        return ApplyOutcome(plan, True, report, connection.counter.total, warnings, taken)


def load_plan_file(path: Path) -> Plan:
    try:
        return Plan.from_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"cannot read plan file {path}: {exc.strerror}") from None
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
        raise PlanError(f"{path} is not an mhsync plan file: {first}") from None


def read_live_for_plan(
    connection: Connection, plan: Plan, *, parallelism: int = 1
) -> WorkspaceState:
    """The live agents a saved plan names, read and canonicalised as at plan time.

    At most ``parallelism`` requests are in flight at once (``apply --parallelism``).

    References are read through the plan's ``agent_handles`` (every agent matched when it was
    made, selected or not), so fingerprints compare like for like; agents outside the plan that
    are still live come back as reference-only stand-ins for the executor.
    """
    listed = list_agents(connection.client, parallelism=parallelism)
    if any(a.action is Action.CREATE for a in plan.agents):
        listed = confirm_agents(connection.client, listed, parallelism=parallelism)
    raws = {raw.uuid: raw for raw in listed}
    in_scope = {a.handle: raws[a.uuid] for a in plan.agents if a.uuid and a.uuid in raws}
    read_separate_sections(connection.client, in_scope.values(), parallelism=parallelism)
    references = {
        a.uuid: a.handle for a in plan.agents if a.uuid and a.action is not Action.DELETE
    }
    references.update(plan.agent_handles)
    state = canonical_live(in_scope, references)
    taken_names = {raw.name for raw in raws.values()}
    state_names = {a.handle: a.name for a in plan.agents if a.action is Action.CREATE}
    clashes = sorted(h for h, name in state_names.items() if name in taken_names)
    if clashes:
        raise StalePlanError(
            "saved plan is stale: agents it would create now exist: " + ", ".join(clashes), clashes
        )
    still_live = {uuid: handle for uuid, handle in references.items() if uuid in raws}
    return with_reference_stubs(state, still_live)


def ensure_fresh(plan: Plan, live: WorkspaceState) -> None:
    """Refuse a plan whose agents changed (or vanished) since it was made."""
    moved = []
    sections = plan.fingerprinted or None
    for agent in plan.agents:
        if agent.fingerprint is None:
            continue
        current = live.agents.get(agent.handle)
        if current is None or fingerprint(current, sections) != agent.fingerprint:
            moved.append(agent.handle)
    if moved:
        raise StalePlanError(
            "saved plan is stale: these agents changed in the workspace since it was made: "
            + ", ".join(moved)
            + "; run plan again",
            moved,
        )
