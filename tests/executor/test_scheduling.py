"""Agents in parallel (bounded), dependencies first, deletes last, progress in order."""

from __future__ import annotations

import pytest
from planner.factories import desired_agent, want, workspace

from mhsync.executor import ChangeStatus, ProgressEvent
from mhsync.plan import Action
from mhsync.sandbox import FaultConfig
from mhsync.state import WorkspaceState

from .harness import Harness
from .scenarios import plain_agent

HANDLES = ("a1", "a2", "a3", "a4", "a5", "a6")


def _many(note: str) -> WorkspaceState:
    return workspace(*(plain_agent(h, note) for h in HANDLES))


@pytest.mark.parametrize(("parallelism", "peak"), [(1, 1), (4, 4)])
def test_agents_run_concurrently_up_to_the_bound(
    harness: Harness, parallelism: int, peak: int
) -> None:
    harness.apply(_many("v1"))
    harness.sandbox.set_faults(FaultConfig(latency_ms=80))
    _, report = harness.apply(_many("v2"), parallelism=parallelism)
    assert report.ok and len(report.outcomes) == len(HANDLES)
    assert harness.recorder.peak == peak


def _chain() -> WorkspaceState:
    """c routes to b, b routes to a: all three new."""

    def routing(to: str) -> list:  # type: ignore[type-arg]
        rule = {"department_name": f"to {to}", "destination_type": "agent", "destination_agent": to}
        return [want("routing_rules", ai_prompt="x", **rule)]

    return workspace(
        desired_agent("c", "C", routing_rules=routing("b")),
        desired_agent("b", "B", routing_rules=routing("a")),
        desired_agent("a", "A"),
    )


def test_chain_of_new_agents_is_created_in_dependency_order(harness: Harness) -> None:
    harness.sandbox.set_faults(FaultConfig(latency_ms=10))
    _, report = harness.apply(_chain(), parallelism=8)
    assert report.ok, report.lines()
    names = [s.body["name"] for s in harness.recorder.writes() if s.path == "/agents"]
    assert names == ["A", "B", "C"]
    assert harness.remaining(_chain()) == []


def test_agent_deletes_run_after_every_other_agent(harness: Harness) -> None:
    harness.apply(workspace(*(plain_agent(h, "v1") for h in (*HANDLES, "old1", "old2"))))
    harness.sandbox.set_faults(FaultConfig(latency_ms=5))
    made, report = harness.apply(_many("v2"), prune=True, parallelism=4)
    assert report.ok, report.lines()
    assert sum(a.action is Action.DELETE for a in made.agents) == 2
    methods = [s.method for s in harness.recorder.writes()]
    assert methods[-2:] == ["DELETE", "DELETE"] and "DELETE" not in methods[:-2]
    assert sorted(a["name"] for a in harness.client.paginate("/agents")) == [
        h.title() for h in HANDLES
    ]


def test_progress_events_count_every_change_in_order(harness: Harness) -> None:
    harness.apply(_many("v1"))
    harness.events.clear()
    harness.sandbox.inject("500", method="PATCH")
    made, report = harness.apply(_many("v2"), parallelism=3)
    events = harness.events
    total = len(made.changes)
    assert events[0].kind == "start" and events[0].done == 0 and events[0].total == total
    assert events[-1].kind == "finish" and events[-1].done == total
    assert events[-1].message == report.summary()
    assert [e.done for e in events] == sorted(e.done for e in events)
    kinds = [e.kind for e in events[1:-1]]
    assert kinds.count("change_failed") == 1 and kinds.count("change_done") == total - 1
    failed = next(e for e in events if e.kind == "change_failed")
    assert failed.address is not None and failed.address in failed.message
    assert "500" in failed.message
    assert report.counts()[ChangeStatus.FAILED] == 1


def test_an_empty_plan_sends_nothing(harness: Harness) -> None:
    harness.apply(_many("v1"))
    _, report = harness.apply(_many("v1"))
    assert report.ok and report.outcomes == [] and report.requests == 0
    assert harness.recorder.sent == []
    assert report.summary() == "nothing to do (0 requests)"


def test_interrupt_stops_queued_agents_and_propagates(harness: Harness) -> None:
    harness.apply(_many("v1"))
    made, live = harness.plan(_many("v2"))

    def interrupt(event: ProgressEvent) -> None:
        if event.kind == "change_done":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harness.execute(made, live, parallelism=1, on_event=interrupt)
    assert len(harness.recorder.writes()) == 1
