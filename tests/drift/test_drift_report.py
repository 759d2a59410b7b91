"""Drift read from plans made by the planner on small states: each kind of edit, its wording."""

from __future__ import annotations

import json

import pytest

from mhsync.planner import plan
from mhsync.render.drift import DriftKind, DriftReport, drift_from_plan
from mhsync.render.drift_text import github_annotations, render_drift_markdown, render_drift_text
from mhsync.state import SourceLocation, WorkspaceState
from tests.planner.factories import desired_agent, have, live_agent, notes, want, workspace

UUID = "6f1c0000-0000-4000-8000-000000000001"
RULE = {"when_condition": "A lawyer is mentioned.", "then_action": "end_conversation"}


def drift(desired: WorkspaceState, live: WorkspaceState) -> DriftReport:
    source = {"svc": SourceLocation("agents/svc.yaml", 8)}
    return drift_from_plan(plan(desired, live, target="prod"), source)


CASES = [
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID, core={"topic": "Cars"}),
        live_agent("svc", UUID, "Service", core={"topic": "Trucks"}),
        [(DriftKind.CHANGED, 'changed in the workspace: topic "Cars" -> "Trucks"')],
        id="core-field-changed",
    ),
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID),
        live_agent("svc", UUID, "Service", core={"topic": "Trucks"}),
        [(DriftKind.ADDED, 'added in the workspace: topic "Trucks"')],
        id="core-field-set-in-workspace",
    ),
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID, core={"topic": "Cars"}),
        live_agent("svc", UUID, "Service"),
        [(DriftKind.DELETED, 'deleted in the workspace: topic (git: "Cars")')],
        id="core-field-cleared-in-workspace",
    ),
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID, guard_rules=[]),
        live_agent(
            "svc", UUID, "Service", guard_rules=[have("guard_rules", "g1", name="X", **RULE)]
        ),
        [(DriftKind.ADDED, 'added in the workspace: guard rule "X"')],
        id="item-added",
    ),
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID, notes=notes("notes", ["a", "b", "c"])),
        live_agent("svc", UUID, "Service", notes=notes("notes", ["a", "b"], prefix="n")),
        [(DriftKind.DELETED, "deleted in the workspace: note 2")],
        id="note-deleted",
    ),
    pytest.param(
        desired_agent(
            "svc", "Service", uuid=UUID, guard_rules=[want("guard_rules", name="X", **RULE)]
        ),
        live_agent(
            "svc",
            UUID,
            "Service",
            guard_rules=[have("guard_rules", "g1", name="X", **{**RULE, "when_condition": "B"})],
        ),
        [
            (
                DriftKind.CHANGED,
                'changed in the workspace: guard rule "X": when_condition '
                '"A lawyer is mentioned." -> "B"',
            )
        ],
        id="item-field-changed",
    ),
    pytest.param(
        desired_agent("svc", "Service", uuid=UUID, notes=notes("notes", ["a", "b", "c", "d"])),
        live_agent("svc", UUID, "Service", notes=notes("notes", ["d", "c", "b", "a"], prefix="n")),
        [
            (
                DriftKind.MOVED,
                "moved in the workspace: note 0 (position 0 in git, 3 in the workspace)",
            ),
            (
                DriftKind.MOVED,
                "moved in the workspace: note 1 (position 1 in git, 2 in the workspace)",
            ),
            (
                DriftKind.MOVED,
                "moved in the workspace: note 2 (position 2 in git, 1 in the workspace)",
            ),
            (
                DriftKind.MOVED,
                "moved in the workspace: note 3 (position 3 in git, 0 in the workspace)",
            ),
        ],
        id="notes-reordered-read-from-a-replace",
    ),
    pytest.param(
        desired_agent("svc", "Service", core={"topic": "Cars"}),
        None,
        [(DriftKind.MISSING, "agent missing from the workspace")],
        id="agent-missing",
    ),
]


@pytest.mark.parametrize(("desired", "live", "expected"), CASES)
def test_each_edit_reads_as_a_change_made_in_the_workspace(
    desired: object, live: object, expected: list[tuple[DriftKind, str]]
) -> None:
    report = drift(workspace(desired), workspace(live) if live else workspace())  # type: ignore[arg-type]
    assert [(d.kind, d.message) for d in report.differences] == expected
    assert report.drifted
    assert report.agents[0].file == "agents/svc.yaml"
    assert report.agents[0].line == 8


def test_equal_states_have_no_drift() -> None:
    state = workspace(desired_agent("svc", "Service", uuid=UUID, core={"topic": "Cars"}))
    live = workspace(live_agent("svc", UUID, "Service", core={"topic": "Cars"}))
    report = drift(state, live)
    assert not report.drifted
    assert report.checked == 1
    assert "No drift" in render_drift_text(report)
    assert github_annotations(report) == []


def test_a_section_replace_is_taken_apart_item_by_item() -> None:
    desired = desired_agent("svc", "Service", uuid=UUID, notes=notes("notes", ["a", "b", "c"]))
    live = live_agent("svc", UUID, "Service", notes=notes("notes", ["x", "y", "z"], prefix="n"))
    made = plan(workspace(desired), workspace(live), target="prod")
    assert [c.action.value for c in made.changes] == ["replace"]
    messages = [d.message for d in drift_from_plan(made).differences]
    assert messages == [
        'changed in the workspace: note 0: content "a" -> "x"',
        'changed in the workspace: note 1: content "b" -> "y"',
        'changed in the workspace: note 2: content "c" -> "z"',
    ]


def test_secrets_are_never_values_in_any_output() -> None:
    hook = {"url": "https://h.example.com/a", "events": ["intent_call"]}
    desired = desired_agent(
        "svc", "Service", uuid=UUID, webhooks=[want("webhooks", secret_key="${env:S}", **hook)]
    )
    live = live_agent("svc", UUID, "Service", webhooks=[])
    report = drift(workspace(desired), workspace(live))
    outputs = [
        report.to_json(),
        render_drift_text(report),
        render_drift_markdown(report),
        *github_annotations(report),
    ]
    assert all("(sensitive value)" in text or "::error" in text for text in outputs)
    assert not any("${env:S}" in text for text in outputs)


def test_json_document_is_versioned_and_counts_by_kind() -> None:
    desired = desired_agent("svc", "Service", uuid=UUID, core={"topic": "Cars"}, notes=[])
    live = live_agent("svc", UUID, "Service", notes=notes("notes", ["n"], prefix="n"))
    data = json.loads(drift(workspace(desired), workspace(live)).to_json())
    assert data["format_version"] == 1
    assert data["drifted"] is True
    assert data["counts"] == {"added": 1, "changed": 0, "deleted": 1, "missing": 0, "moved": 0}
    first = data["agents"][0]
    assert (first["handle"], first["file"], first["line"]) == ("svc", "agents/svc.yaml", 8)
    assert {d["kind"] for d in first["differences"]} == {"added", "deleted"}
    topic = next(d for d in first["differences"] if d["path"] == "topic")
    assert (topic["git"], topic["workspace"]) == ("Cars", None)
    DriftReport.model_validate({k: v for k, v in data.items() if k not in ("drifted", "counts")})


def test_annotations_escape_and_point_at_the_manifest() -> None:
    desired = desired_agent("svc", "Service", uuid=UUID, core={"topic": "50% off, now"})
    live = live_agent("svc", UUID, "Service", core={"topic": "a\nb"})
    (command,) = github_annotations(drift(workspace(desired), workspace(live)), base=None)
    assert command.startswith("::error file=agents/svc.yaml,line=8,title=mhsync drift::")
    message = command.split("::", 2)[2]
    assert "\n" not in message
    assert "50%25 off, now" in message
