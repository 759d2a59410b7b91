"""Failures: a failed change stops its own agent only, dependents and deletes are held back,
the report says what happened to every change, and applying again converges."""

from __future__ import annotations

import pytest
from planner.factories import desired_agent, want, workspace

from mhsync.executor import ChangeStatus, SecretResolutionError
from mhsync.plan import Action
from mhsync.state import WorkspaceState

from .conftest import SECRET_VAR
from .harness import Harness
from .scenarios import plain_agent, two_agents


def _baseline(harness: Harness) -> None:
    _, report = harness.apply(workspace(plain_agent("alpha", "a-1"), plain_agent("beta", "b-1")))
    assert report.ok, report.lines()


def _edits(rule_mode: str = "intent") -> WorkspaceState:
    """alpha: core, a note, a routing rule, then a guard rule (table order); beta: core, a note."""
    alpha = desired_agent(
        "alpha",
        "Alpha",
        core={"description": "edited"},
        notes=[want("notes", content=t) for t in ("a-1", "a-2")],
        routing_rules=[
            want(
                "routing_rules",
                department_name="Sales",
                detection_mode=rule_mode,
                destination_type="extension",
                destination="101",
                ai_prompt="wants to buy",
            )
        ],
        guard_rules=[
            want(
                "guard_rules", name="Rude", when_condition="insults", then_action="end_conversation"
            )
        ],
    )
    beta = desired_agent(
        "beta",
        "Beta",
        core={"description": "also edited"},
        notes=[want("notes", content=t) for t in ("b-1", "b-2")],
    )
    return workspace(alpha, beta)


@pytest.mark.parametrize(
    ("rule_mode", "inject", "status_text"),
    [
        pytest.param("intent", "500", "-> 500", id="injected-500"),
        pytest.param("exact", None, "-> 422", id="server-validation-422"),
    ],
)
def test_failure_stops_only_its_agent_and_reapply_converges(
    harness: Harness, rule_mode: str, inject: str | None, status_text: str
) -> None:
    _baseline(harness)
    if inject:
        harness.sandbox.inject(inject, method="POST", path_pattern=r"/routing-rules$")
    made, report = harness.apply(_edits(rule_mode))
    by_address = {o.address: o for o in report.outcomes}
    assert [o.address for o in report.outcomes] == [c.address for c in made.changes]
    assert by_address["agent[alpha].core"].status is ChangeStatus.DONE
    failed = by_address['agent[alpha].routing_rules["Sales"]']
    assert failed.status is ChangeStatus.FAILED
    assert failed.error is not None and status_text in failed.error
    assert "/routing-rules" in failed.error and failed.calls_made == 1
    assert by_address["agent[alpha].notes[1]"].status is ChangeStatus.DONE
    skipped = by_address['agent[alpha].guard_rules["Rude"]']
    assert skipped.status is ChangeStatus.NOT_ATTEMPTED and skipped.calls_made == 0
    assert all(o.status is ChangeStatus.DONE for a, o in by_address.items() if "beta" in a)
    assert not report.ok and [o.address for o in report.failed] == [failed.address]
    assert report.counts()[ChangeStatus.NOT_ATTEMPTED] == 1
    assert (
        harness.log("POST").count(
            ("POST", "/agents/" + harness.agent_json("Alpha")["agent_uuid"] + "/routing-rules", 500)
        )
        <= 1
    )
    if inject:  # the fault is gone: a second apply finishes the job
        _, again = harness.apply(_edits(rule_mode))
        assert again.ok, again.lines()
        assert harness.remaining(_edits(rule_mode)) == []


def test_report_lines_name_failed_and_skipped_changes(harness: Harness) -> None:
    _baseline(harness)
    harness.sandbox.inject("500", method="POST", path_pattern=r"/routing-rules$")
    _, report = harness.apply(_edits())
    lines = report.lines()
    assert any(line.startswith("failed") and "routing_rules" in line for line in lines)
    assert any(line.startswith("not_attempted") and "guard_rules" in line for line in lines)
    assert lines[-1].endswith("requests)") and "1 failed" in lines[-1]


def test_agent_depending_on_a_failed_create_is_not_attempted(
    harness: Harness, hook_secret: str
) -> None:
    harness.sandbox.inject("500", method="POST", path_pattern=r"/agents$")
    made, report = harness.apply(two_agents(hook_secret))
    statuses = {o.address: o.status for o in report.outcomes}
    assert statuses["agent[support]"] is ChangeStatus.FAILED
    sales = [o for o in report.outcomes if o.address.startswith("agent[sales]")]
    assert sales and all(o.status is ChangeStatus.NOT_ATTEMPTED for o in sales)
    assert "agent[support] it depends on failed" in (sales[0].error or "")
    assert [e.path for e in harness.sandbox.request_log() if e.method == "POST"] == [
        "/api/v1/agents"
    ]
    assert len(report.outcomes) == len(made.changes)


def test_agent_deletes_are_held_back_when_anything_failed(harness: Harness) -> None:
    _baseline(harness)
    harness.apply(
        workspace(plain_agent("alpha", "a-1"), plain_agent("beta", "b-1"), plain_agent("old"))
    )
    harness.sandbox.inject("500", method="POST", path_pattern=r"/routing-rules$")
    made, report = harness.apply(_edits(), prune=True)
    [doomed] = [a.handle for a in made.agents if a.action is Action.DELETE]
    deleted = next(o for o in report.outcomes if o.address == f"agent[{doomed}]")
    assert deleted.status is ChangeStatus.NOT_ATTEMPTED
    assert "held back" in (deleted.error or "")
    assert harness.agent_json("Old")["agent_uuid"]
    assert not harness.log("DELETE")


def test_missing_secret_variable_stops_everything_before_any_request(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_VAR, raising=False)
    made, live = harness.plan(two_agents("${env:" + SECRET_VAR + "}"))
    harness.recorder.clear()
    with pytest.raises(SecretResolutionError, match=SECRET_VAR) as raised:
        harness.execute(made, live)
    assert "is not set" in str(raised.value)
    assert harness.recorder.sent == []
    assert harness.events == []
