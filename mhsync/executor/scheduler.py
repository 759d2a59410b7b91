"""Which agent runs when: agents in parallel (bounded), dependencies first, deletes last.

An agent whose ``depends_on`` names agents created in this apply starts only after they have
finished, and is not attempted if one of them did not fully succeed (its references might
point nowhere). Agent deletes start after every other agent has finished, and only if nothing
failed: a failed change may be the one that was to stop another agent pointing at the agent
being deleted, and a delete cannot be taken back.

On an interrupt (Ctrl-C) or an unexpected exception, ``stop`` is set so that running agents
finish only the change in flight, queued agents never start, and the exception goes on up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from mhsync.executor.report import ChangeOutcome
from mhsync.plan import Action, AgentPlan

RunAgent = Callable[[AgentPlan], list[ChangeOutcome]]
SkipAgent = Callable[[AgentPlan, str], list[ChangeOutcome]]
Results = dict[str, list[ChangeOutcome]]


def succeeded(outcomes: Sequence[ChangeOutcome]) -> bool:
    return all(o.succeeded for o in outcomes)


def run_agents(
    agents: Sequence[AgentPlan],
    run: RunAgent,
    skip: SkipAgent,
    parallelism: int,
    stop: threading.Event,
) -> Results:
    """Outcomes of every agent's changes, by handle."""
    main = [a for a in agents if a.action is not Action.DELETE]
    deletes = [a for a in agents if a.action is Action.DELETE]
    results: Results = {}
    pool = ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="mhsync")
    try:
        _Wave(pool, run, skip, results, stop).run(main)
        failed = sorted(h for h, outcomes in results.items() if not succeeded(outcomes))
        if failed and deletes:
            reason = "held back: changes of " + ", ".join(f"agent[{h}]" for h in failed) + " failed"
            for agent in deletes:
                results[agent.handle] = skip(agent, reason)
        else:
            _Wave(pool, run, skip, results, stop).run(deletes)
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


class _Wave:
    """Runs a set of agents on the pool, each as soon as its dependencies have finished."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        run: RunAgent,
        skip: SkipAgent,
        results: Results,
        stop: threading.Event,
    ) -> None:
        self.pool = pool
        self.run_agent = run
        self.skip = skip
        self.results = results
        self.stop = stop
        self.running: dict[Future[list[ChangeOutcome]], str] = {}

    def _guarded(self, agent: AgentPlan) -> list[ChangeOutcome]:
        """Runs one agent; anything escaping it stops the others at once (before the main
        thread has even seen it)."""
        try:
            return self.run_agent(agent)
        except BaseException:
            self.stop.set()
            raise

    def run(self, agents: Sequence[AgentPlan]) -> None:
        created = {a.handle for a in agents if a.action is Action.CREATE}
        pending = list(agents)
        while pending or self.running:
            pending = self._launch_ready(pending, created)
            if not self.running:
                for agent in pending:  # waiting on each other: nothing can start them
                    self.results[agent.handle] = self.skip(
                        agent, "its dependencies " + ", ".join(agent.depends_on) + " never ran"
                    )
                return
            finished, _ = wait(self.running, return_when=FIRST_COMPLETED)
            for future in finished:
                self.results[self.running.pop(future)] = future.result()

    def _launch_ready(self, pending: list[AgentPlan], created: set[str]) -> list[AgentPlan]:
        """Start (or skip) every agent whose dependencies are settled; return the others."""
        progressed = True
        while progressed:
            progressed = False
            still: list[AgentPlan] = []
            for agent in pending:
                deps = [d for d in agent.depends_on if d in created and d != agent.handle]
                if any(d not in self.results for d in deps):
                    still.append(agent)
                    continue
                progressed = True
                broken = [d for d in deps if not succeeded(self.results[d])]
                if broken:
                    names = ", ".join(f"agent[{d}]" for d in broken)
                    self.results[agent.handle] = self.skip(agent, f"{names} it depends on failed")
                else:
                    self.running[self.pool.submit(self._guarded, agent)] = agent.handle
            pending = still
        return pending
