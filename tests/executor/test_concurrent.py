"""Creations another run made at the same time: the earlier one stays, the later one goes.

"Another run" is played by the test: it creates agents or items with the same identity through
the sandbox, before this run's create (an earlier twin: this run's copy must go) or right after
it (a later twin: it is left to its own creator, this run keeps its copy and deletes nothing).
"""

from __future__ import annotations

from typing import Any

import httpx
from planner.factories import workspace

from mhsync.convert import References
from mhsync.executor import ChangeStatus
from mhsync.executor.concurrent import earlier_twin, losing_items
from mhsync.sandbox import Sandbox
from mhsync.sections import section

from .harness import API_PREFIX, Harness, Recorder, make_harness
from .scenarios import plain_agent, two_agents


def _names(harness: Harness) -> list[str]:
    return sorted(a["name"] for a in harness.client.paginate("/agents"))


def test_earlier_twins_win_and_this_runs_copies_are_deleted(
    harness: Harness, hook_secret: str
) -> None:
    desired = two_agents(hook_secret)
    made, live = harness.plan(desired)
    earlier = {
        name: harness.client.post("/agents", {"name": name})["agent_uuid"]
        for name in ("Sales", "Support")
    }
    report = harness.execute(made, live)
    assert report.ok, report.lines()
    assert _names(harness) == ["Sales", "Support"]
    assert {harness.agent_json(n)["agent_uuid"] for n in earlier} == set(earlier.values())
    statuses = {o.address: o.status for o in report.outcomes}
    assert statuses["agent[support]"] is ChangeStatus.YIELDED
    assert statuses["agent[sales]"] is ChangeStatus.YIELDED
    assert len(report.notes) == 2 and all("another run created agent" in n for n in report.notes)
    # support was settled before sales was created: sales' rule names the copy that stays
    posts = [s for s in harness.recorder.writes() if s.path == "/agents"]
    (sales_post,) = [s for s in posts if s.body["name"] == "Sales"]
    (rule,) = sales_post.body["routing_rules"]
    assert rule["destination_agent_uuid"] == earlier["Support"]


class _LateTwin(httpx.BaseTransport):
    """Another run's create of the same agent lands right after this run's."""

    def __init__(self, inner: Recorder, name: str) -> None:
        self.inner = inner
        self.name = name
        self.made = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inner.handle_request(request)
        if not self.made and request.method == "POST" and request.url.path == AGENTS:
            self.made = True
            twin = httpx.Request(
                "POST", request.url, headers=request.headers, json={"name": self.name}
            )
            self.inner.inner.handle_request(twin).read()
        return answer


AGENTS = f"{API_PREFIX}/agents"


def test_a_later_twin_is_left_to_its_creator(sandbox: Sandbox) -> None:
    harness = make_harness(sandbox, lambda recorder: _LateTwin(recorder, "Support"))
    desired = workspace(plain_agent("support", "s-1"))
    _, report = harness.apply(desired)
    assert report.ok and report.notes == []
    assert [o.status for o in report.outcomes] == [ChangeStatus.DONE]
    assert _names(harness) == ["Support", "Support"]
    assert [s for s in harness.recorder.writes() if s.method == "DELETE"] == []


def test_the_earliest_creation_wins_then_the_smallest_uuid() -> None:
    roster: list[dict[str, Any]] = [
        {"agent_uuid": "b", "name": "X", "created_at": "2026-01-01T10:00:00.000002Z"},
        {"agent_uuid": "a", "name": "X", "created_at": "2026-01-01T10:00:00.000002Z"},
        {"agent_uuid": "c", "name": "X", "created_at": "2026-01-01T10:00:00.000001Z"},
        {"agent_uuid": "k", "name": "X", "created_at": "2026-01-01T09:00:00.000000Z"},
    ]
    known = {"k"}  # live at plan time: never a twin
    assert earlier_twin(roster, "X", "c", known) is None
    assert earlier_twin(roster, "X", "a", known)["agent_uuid"] == "c"  # type: ignore[index]
    assert earlier_twin(roster[:2], "X", "b", known)["agent_uuid"] == "a"  # type: ignore[index]
    assert earlier_twin(roster, "X", "gone", known) is None


def test_items_rank_by_created_at_then_list_order() -> None:
    hooks = section("webhooks")
    listed = [
        {"webhook_uuid": "w2", "url": "https://h", "created_at": "2026-01-01T10:00:02Z"},
        {"webhook_uuid": "w1", "url": "https://h", "created_at": "2026-01-01T10:00:01Z"},
    ]
    refs = References(agents={})
    assert losing_items(hooks, listed, {"w2": "https://h"}, set(), refs) == {"w2": "w1"}
    assert losing_items(hooks, listed, {"w1": "https://h"}, set(), refs) == {}
    rules = section("guard_rules")
    same = [
        {"uuid": "g9", "name": "R", "when_condition": "c", "then_action": "end_conversation"},
        {"uuid": "g1", "name": "R", "when_condition": "c", "then_action": "end_conversation"},
    ]
    assert losing_items(rules, same, {"g1": "R"}, set(), refs) == {"g1": "g9"}
