"""``execute(plan, live, client)``: send exactly the plan's calls and report what happened."""

from __future__ import annotations

from collections.abc import Callable

from mhsync.errors import MhsyncError
from mhsync.executor.concurrent import Settler, twin_note
from mhsync.executor.context import AgentDirectory, ExecutorClient
from mhsync.executor.progress import OnEvent, Progress
from mhsync.executor.report import ChangeOutcome, ChangeStatus, ExecutionReport
from mhsync.executor.runner import AgentRunner, Shared, not_attempted
from mhsync.executor.scheduler import run_agents
from mhsync.executor.secrets import SecretBook, env_secret_resolver
from mhsync.executor.verify import verify_calls
from mhsync.plan import Action, AgentPlan, Plan
from mhsync.state import WorkspaceState


def execute(
    plan: Plan,
    live: WorkspaceState,
    client: ExecutorClient,
    *,
    parallelism: int = 4,
    resolve_secret: Callable[[str], str] = env_secret_resolver,
    on_event: OnEvent | None = None,
) -> ExecutionReport:
    """Apply ``plan`` to the workspace behind ``client``.

    ``live`` must be the live state the plan was computed from (the caller re-reads it and
    checks fingerprints first): it supplies agent uuids and each agent's intent keys.
    Agents run concurrently, up to ``parallelism`` at once; changes of one agent run in plan
    order, and the first failure stops that agent only. Every secret reference is resolved once
    before anything is sent, so a missing variable raises
    :class:`~mhsync.executor.secrets.SecretResolutionError` with nothing changed; values are
    resolved again for each request that carries them.

    ``on_event`` receives :class:`~mhsync.executor.report.ProgressEvent` values from worker
    threads, one at a time; it must be thread-safe, quick, and must not raise.
    API errors never escape: they become ``failed`` outcomes in the report.
    """
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    verify_calls(plan)
    secrets = SecretBook(resolve_secret, getattr(client, "protect", None))
    secrets.preflight(plan)
    total = len(plan.changes)
    progress = Progress(total, on_event)
    directory = AgentDirectory(live, plan)
    shared = Shared(
        client,
        directory,
        secrets,
        progress,
        Settler(client, set(directory.known_at_start), lambda: shared.count_request()),
        check_at_once=frozenset(d for a in plan.agents for d in a.depends_on),
    )

    def run(agent_plan: AgentPlan) -> list[ChangeOutcome]:
        return AgentRunner(agent_plan, live.agents.get(agent_plan.handle), shared).run()

    def skip(agent_plan: AgentPlan, reason: str) -> list[ChangeOutcome]:
        progress.skipped(len(agent_plan.changes))
        return not_attempted(agent_plan.changes, reason)

    agents = [a for a in plan.agents if a.changes]
    progress.start(f"applying {total} change(s) to {len(agents)} agent(s)")
    results = run_agents(agents, run, skip, parallelism, shared.stop)
    outcomes = [outcome for agent in agents for outcome in results[agent.handle]]
    outcomes = _settle_created(agents, outcomes, shared)
    report = ExecutionReport(outcomes, shared.requests, shared.notes())
    progress.finish(report.summary())
    return report


def _settle_created(
    agents: list[AgentPlan], outcomes: list[ChangeOutcome], shared: Shared
) -> list[ChangeOutcome]:
    """One re-read for every agent this run created and has not settled yet; a copy that lost
    to an earlier twin is deleted and its create reported ``yielded`` (``executor.concurrent``).
    """
    creating = {
        a.changes[0].address: a
        for a in agents
        if a.action is Action.CREATE and a.handle not in shared.check_at_once
    }
    made = {
        o.address: (creating[o.address].handle, creating[o.address].name, o.uuid)
        for o in outcomes
        if o.address in creating and o.succeeded and o.uuid
    }
    if not made or shared.stop.is_set():
        return outcomes
    address_of = {handle: address for address, (handle, _, _) in made.items()}
    try:
        settled = shared.settler.check({h: (n, u) for h, n, u in made.values()})
    except MhsyncError as exc:
        error = shared.secrets.scrub(f"created, but the check for a concurrent twin failed: {exc}")
        return [
            ChangeOutcome(o.address, ChangeStatus.FAILED, error, o.calls_made, o.uuid)
            if o.address in made
            else o
            for o in outcomes
        ]
    verdicts = {address_of[found.twin.handle]: found for found in settled}
    result = []
    for outcome in outcomes:
        found = verdicts.get(outcome.address)
        if found is None:
            result.append(outcome)
            continue
        note = twin_note(found.twin, found.error)
        shared.note(note)
        status = ChangeStatus.YIELDED if found.error is None else ChangeStatus.FAILED
        result.append(ChangeOutcome(outcome.address, status, note, outcome.calls_made + 1))
    return result
