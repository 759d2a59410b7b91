"""The ``rollback`` use-case: plan a snapshot directory against the workspace and apply it.

It is apply with the snapshot as manifests (the same planner and executor), with three
differences that a snapshot needs:

- the target is the one the snapshot was taken from (another one is refused: its uuids mean
  nothing there);
- secret placeholders need no values unless a secret must actually be sent. Unchanged secrets
  compare by presence, but a webhook or intent token that has to be re-created (the apply
  deleted it) needs its value, which no snapshot can hold: rollback stops before confirming and
  names the variables to set;
- an agent the apply deleted (its pinned uuid is gone) is created anew.

Agents the apply created are not deleted (``snapshot.json`` lists them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.config import Target
from mhsync.errors import ConfigError, ManifestError
from mhsync.executor import ExecutionReport, execute
from mhsync.executor.secrets import ThrowawaySecrets, env_secret_resolver
from mhsync.live import list_agents
from mhsync.manifest import load_manifests
from mhsync.manifest.scoping import scope
from mhsync.plan import Action, Change, Plan, needed_variables, sent_secrets
from mhsync.workflows.apply import Confirm, OnEvent
from mhsync.workflows.connect import connect
from mhsync.workflows.livestate import EVERYTHING
from mhsync.workflows.lock import project_lock
from mhsync.workflows.plan import PlanRequest, plan_against
from mhsync.workflows.snapshot import SnapshotHook, check_complete, read_info
from mhsync.workspace import Workspace


@dataclass(frozen=True)
class RollbackRequest:
    snapshot: Path
    parallelism: int = 4
    """Most requests in flight at once, reading the workspace and writing it."""


def snapshot_target(snapshot: Path) -> str | None:
    """The target a snapshot was taken from (its ``snapshot.json``), to resolve the workspace."""
    recorded = read_info(snapshot).get("target")
    return recorded if isinstance(recorded, str) else None


@dataclass
class RollbackOutcome:
    plan: Plan
    target: Target
    approved: bool = True
    report: ExecutionReport | None = None
    requests: int = 0
    snapshot: Path | None = None
    """The snapshot taken before the rollback wrote (a rollback can be rolled back)."""
    recreated: list[str] = field(default_factory=list)
    throwaway_secrets: list[str] = field(default_factory=list)
    """Sandbox only: unset secret variables that were sent as throwaway values."""


def run_rollback(
    workspace: Workspace,
    request: RollbackRequest,
    *,
    confirm: Confirm,
    on_event: OnEvent | None,
    snapshot: SnapshotHook | None = None,
) -> RollbackOutcome:
    if not request.snapshot.is_dir():
        raise ConfigError(f"{request.snapshot} is not a snapshot directory")
    check_complete(request.snapshot)
    recorded = snapshot_target(request.snapshot)
    target = workspace.target
    if recorded is not None and recorded != target.name:
        raise ConfigError(
            f"{request.snapshot} was taken from target {recorded!r}, not {target.name!r}"
        )
    taken_at = read_info(request.snapshot).get("base_url")
    if isinstance(taken_at, str) and taken_at.rstrip("/") != (target.base_url or "").rstrip("/"):
        raise ConfigError(
            f"{request.snapshot} was taken from {taken_at}, not {workspace.describe()}; its "
            "uuids mean nothing elsewhere"
        )
    result = load_manifests([request.snapshot], variables=target.vars, check_env=False)
    if result.errors:
        raise ManifestError(f"{len(result.errors)} error(s) in the snapshot", list(result.errors))
    plan_request = PlanRequest(paths=(request.snapshot,), parallelism=request.parallelism)
    with project_lock(workspace.root), connect(target) as connection:
        live_uuids = {
            raw.uuid for raw in list_agents(connection.client, parallelism=request.parallelism)
        }
        recreated = []
        for agent in result.workspace.agents.values():
            if agent.uuid and agent.uuid not in live_uuids:
                agent.uuid = None
                recreated.append(agent.handle)
        planned = plan_against(connection, scope(result, EVERYTHING), plan_request, workspace)
        plan = only_sent_secrets(planned.plan)
        outcome = RollbackOutcome(plan, target, recreated=sorted(recreated))
        throwaway = ThrowawaySecrets() if target.is_sandbox else None
        if plan.has_changes:
            if throwaway is None:
                require_secrets(plan)
            outcome.approved = confirm(plan)
            if outcome.approved:
                if snapshot is not None:
                    outcome.snapshot = snapshot(plan, planned.for_executor())
                outcome.report = execute(
                    plan,
                    planned.for_executor(),
                    connection.client,
                    parallelism=request.parallelism,
                    on_event=on_event,
                    resolve_secret=throwaway or env_secret_resolver,
                )
        outcome.throwaway_secrets = throwaway.used if throwaway else []
        outcome.requests = connection.counter.total
        return outcome


def only_sent_secrets(plan: Plan) -> Plan:
    """``plan`` with each update keeping only the secret references its request will carry.

    An update sends only the top-level fields that changed, so a secret under an unchanged
    field is never sent and needs no value; creates and replaces send every secret they hold.
    """
    agents = []
    for agent in plan.agents:
        changes = tuple(_trimmed(change) for change in agent.changes)
        agents.append(agent.model_copy(update={"changes": changes}))
    return plan.model_copy(update={"agents": tuple(agents)})


def _trimmed(change: Change) -> Change:
    if change.action is not Action.UPDATE or not change.secrets:
        return change
    return change.model_copy(update={"secrets": sent_secrets(change)})


def require_secrets(plan: Plan) -> None:
    """Stop, naming the variables, when a secret the rollback must send has no value."""
    missing = [name for name in needed_variables(plan) if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            "the rollback must re-create write-only secrets, which a snapshot cannot hold (the "
            "API never returns them); set " + ", ".join(missing) + " to their values and run "
            "rollback again. Nothing was changed."
        )
