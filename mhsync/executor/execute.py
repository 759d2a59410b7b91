"""``execute(plan, live, client)``: send exactly the plan's calls and report what happened."""

from __future__ import annotations

from collections.abc import Callable

from mhsync.executor.context import AgentDirectory, ExecutorClient
from mhsync.executor.progress import OnEvent, Progress
from mhsync.executor.report import ChangeOutcome, ExecutionReport
from mhsync.executor.runner import AgentRunner, Shared, not_attempted
from mhsync.executor.scheduler import run_agents
from mhsync.executor.secrets import SecretBook, env_secret_resolver
from mhsync.plan import AgentPlan, Plan
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
    secrets = SecretBook(resolve_secret)
    secrets.preflight(plan)
    total = len(plan.changes)
    progress = Progress(total, on_event)
    shared = Shared(client, AgentDirectory(live, plan), secrets, progress)

    def run(agent_plan: AgentPlan) -> list[ChangeOutcome]:
        return AgentRunner(agent_plan, live.agents.get(agent_plan.handle), shared).run()

    def skip(agent_plan: AgentPlan, reason: str) -> list[ChangeOutcome]:
        progress.skipped(len(agent_plan.changes))
        return not_attempted(agent_plan.changes, reason)

    agents = [a for a in plan.agents if a.changes]
    progress.start(f"applying {total} change(s) to {len(agents)} agent(s)")
    results = run_agents(agents, run, skip, parallelism, shared.stop)
    outcomes = [outcome for agent in agents for outcome in results[agent.handle]]
    report = ExecutionReport(outcomes, shared.requests)
    progress.finish(report.summary())
    return report
