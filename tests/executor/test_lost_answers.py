"""POSTs whose answer is lost: adopt what landed, send again what did not, never duplicate."""

from __future__ import annotations

from typing import Any

import pytest
from planner.factories import desired_agent, want, workspace

from mhsync.executor import ChangeStatus
from mhsync.state import WorkspaceState

from .harness import Harness
from .scenarios import plain_agent, two_agents

WEBHOOK: dict[str, Any] = {"url": "https://hooks.example.com/a", "events": ["conversation_status"]}
GUARD: dict[str, Any] = {
    "name": "Legal",
    "when_condition": "lawyer",
    "then_action": "end_conversation",
}


def _existing(harness: Harness, *notes: str) -> str:
    _, report = harness.apply(workspace(plain_agent("alpha", *notes)))
    assert report.ok
    return str(harness.agent_json("Alpha")["agent_uuid"])


def _with(**sections: list[dict[str, Any]]) -> WorkspaceState:
    agent = desired_agent("alpha", "Alpha")
    for key, items in sections.items():
        agent.collections[key] = [want(key, **fields) for fields in items]
    return workspace(agent)


def _posts(harness: Harness, suffix: str) -> list[int]:
    return [status for method, path, status in harness.log("POST") if path.endswith(suffix)]


@pytest.mark.parametrize(
    ("suffix", "desired", "section"),
    [
        pytest.param("/webhooks", _with(webhooks=[WEBHOOK]), "webhooks", id="separate-webhook"),
        pytest.param(
            "/guard-rules", _with(guard_rules=[GUARD]), "guard_rules", id="embedded-guard-rule"
        ),
    ],
)
def test_item_post_that_landed_without_answer_is_adopted_once(
    harness: Harness, suffix: str, desired: WorkspaceState, section: str
) -> None:
    _existing(harness)
    harness.sandbox.inject("drop_after_commit", method="POST", path_pattern=suffix + "$")
    _, report = harness.apply(desired)
    [outcome] = report.outcomes
    assert outcome.status is ChangeStatus.ADOPTED, outcome
    assert outcome.uuid and outcome.calls_made == 2  # the POST and one re-read
    assert _posts(harness, suffix) == [201]
    assert len(harness.read(desired).agents["alpha"].collections[section]) == 1
    assert harness.remaining(desired) == []


def test_positional_item_with_equal_content_is_adopted_by_its_unseen_uuid(harness: Harness) -> None:
    _existing(harness, "same")
    desired = workspace(plain_agent("alpha", "same", "same"))
    harness.sandbox.inject("drop_after_commit", method="POST", path_pattern=r"/notes$")
    _, report = harness.apply(desired)
    assert [o.status for o in report.outcomes] == [ChangeStatus.ADOPTED]
    notes = harness.agent_json("Alpha")["notes"]
    assert [n["content"] for n in notes] == ["same", "same"]
    assert report.outcomes[0].uuid == notes[1]["uuid"]
    assert harness.remaining(desired) == []


def test_agent_post_that_landed_without_answer_is_adopted_and_the_rest_follows(
    harness: Harness, hook_secret: str
) -> None:
    desired = two_agents(hook_secret)
    harness.sandbox.inject("drop_after_commit", method="POST", path_pattern=r"/agents$", count=2)
    _, report = harness.apply(desired)
    assert report.ok, report.lines()
    statuses = {o.address: o.status for o in report.outcomes}
    assert statuses["agent[support]"] is ChangeStatus.ADOPTED
    assert statuses["agent[sales]"] is ChangeStatus.ADOPTED
    names = sorted(a["name"] for a in harness.client.paginate("/agents"))
    assert names == ["Sales", "Support"]
    adopted = next(o for o in report.outcomes if o.address == "agent[sales]")
    assert adopted.uuid == harness.agent_json("Sales")["agent_uuid"]
    assert harness.remaining(desired) == []


@pytest.mark.parametrize("fault", ["drop_before", "502"])
def test_post_that_never_landed_is_sent_once_more(harness: Harness, fault: str) -> None:
    _existing(harness)
    desired = _with(webhooks=[WEBHOOK])
    harness.sandbox.inject(fault, method="POST", path_pattern=r"/webhooks$")
    _, report = harness.apply(desired)
    [outcome] = report.outcomes
    assert outcome.status is ChangeStatus.DONE and outcome.calls_made == 3
    assert _posts(harness, "/webhooks")[-1] == 201
    assert len(_posts(harness, "/webhooks")) == 2
    assert len(harness.read(desired).agents["alpha"].collections["webhooks"]) == 1


def test_post_lost_twice_fails_without_duplicates_and_reapply_converges(harness: Harness) -> None:
    _existing(harness)
    desired = _with(webhooks=[WEBHOOK])
    harness.sandbox.inject("drop_before", method="POST", path_pattern=r"/webhooks$", count=2)
    _, report = harness.apply(desired)
    [outcome] = report.outcomes
    assert outcome.status is ChangeStatus.FAILED
    assert "may or may not have been applied" in (outcome.error or "")
    assert outcome.calls_made == 4  # POST, re-read, POST, re-read
    assert harness.read(desired).agents["alpha"].collections["webhooks"] == []
    _, again = harness.apply(desired)
    assert again.ok and harness.remaining(desired) == []


def test_agent_post_lost_with_two_unknown_namesakes_is_not_guessed(harness: Harness) -> None:
    desired = workspace(plain_agent("alpha", "a-1"))
    made, live = harness.plan(desired)
    for _ in range(2):  # someone else creates two agents with the name meanwhile
        harness.client.post("/agents", {"name": "Alpha"})
    harness.sandbox.inject("drop_before", method="POST", path_pattern=r"/agents$")
    report = harness.execute(made, live)
    [outcome] = report.outcomes
    assert outcome.status is ChangeStatus.FAILED
    assert "2 unknown agents named 'Alpha'" in (outcome.error or "")
    assert len([a for a in harness.client.paginate("/agents") if a["name"] == "Alpha"]) == 2
