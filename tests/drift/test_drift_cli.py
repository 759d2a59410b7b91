"""``mhsync drift`` end to end: apply, edit in the "dashboard", read the drift (never write)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MARKERS, TOKEN, Project, Result

Mh = Callable[..., Result]
SERVICE = "Volvo Service Line"


def dashboard(project: Project) -> httpx.Client:
    """Someone editing agents by hand in the Mindhunters dashboard."""
    return httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def live(api: httpx.Client, name: str) -> dict[str, Any]:
    items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
    return dict(next(a for a in items if a["name"] == name))


def edit_in_dashboard(project: Project) -> str:
    """Topic changed, a guard rule added, the second note deleted, a webhook deleted (its url)."""
    with dashboard(project) as api:
        agent = live(api, SERVICE)
        base = f"/agents/{agent['agent_uuid']}"
        api.patch(base, json={"topic": "Tyres only"}).raise_for_status()
        rule = {
            "name": "Legal escalation",
            "when_condition": "The customer mentions a lawyer.",
            "then_action": "end_conversation",
        }
        api.post(f"{base}/guard-rules", json=rule).raise_for_status()
        api.delete(f"{base}/notes/{agent['notes'][1]['uuid']}").raise_for_status()
        hooks = api.get(f"{base}/webhooks").json()["data"]
        api.delete(f"{base}/webhooks/{hooks[0]['webhook_uuid']}").raise_for_status()
        return str(hooks[0]["url"])


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve")
    assert result.code == 0, result.text
    return project


def only_reads(project: Project) -> None:
    methods = {entry.method for entry in project.sandbox.request_log()}
    assert methods == {"GET"}, methods


def test_no_drift_right_after_apply(applied: Project, mh: Mh) -> None:
    applied.sandbox.clear_request_log()
    result = mh("drift")
    assert result.code == 0, result.text
    assert "No drift: the workspace matches the manifests (3 agents checked)." in result.out
    only_reads(applied)


def test_dashboard_edits_are_drift_named_field_by_field(applied: Project, mh: Mh) -> None:
    url = edit_in_dashboard(applied)
    applied.sandbox.clear_request_log()
    result = mh("drift")
    assert result.code == 2, result.text
    out = result.out
    assert '# agent[volvo-service] "Volvo Service Line" (agents/volvo-service.yaml:8)' in out
    assert 'changed in the workspace: topic "Workshop appointments" -> "Tyres only"' in out
    assert 'added in the workspace: guard rule "Legal escalation"' in out
    assert "deleted in the workspace: note 1" in out
    assert f'deleted in the workspace: webhook "{url}"' in out
    assert "secret_key: (sensitive value)" in out
    assert "Drift: 1 agent of 3 differs from the manifests (4 differences)." in out
    assert not any(marker in result.text for marker in MARKERS)
    only_reads(applied)


def test_drift_json_is_the_versioned_document(applied: Project, mh: Mh) -> None:
    edit_in_dashboard(applied)
    result = mh("drift", "--json")
    assert result.code == 2, result.text
    data = json.loads(result.out)
    assert (data["format_version"], data["drifted"], data["checked"]) == (1, True, 3)
    assert data["counts"] == {"added": 1, "changed": 1, "deleted": 2, "missing": 0, "moved": 0}
    (agent,) = data["agents"]
    assert (agent["handle"], agent["file"], agent["line"]) == (
        "volvo-service",
        "agents/volvo-service.yaml",
        8,
    )
    topic = next(d for d in agent["differences"] if d["path"] == "topic")
    assert topic == {
        "address": "agent[volvo-service].core",
        "git": "Workshop appointments",
        "key": None,
        "kind": "changed",
        "message": 'changed in the workspace: topic "Workshop appointments" -> "Tyres only"',
        "path": "topic",
        "position": None,
        "section": "core",
        "workspace": "Tyres only",
        "workspace_position": None,
    }


def test_drift_markdown(applied: Project, mh: Mh) -> None:
    edit_in_dashboard(applied)
    result = mh("drift", "--markdown")
    assert result.code == 2, result.text
    assert result.out.startswith("### mhsync drift on `local`")
    assert (
        "| `volvo-service` Volvo Service Line | `agents/volvo-service.yaml:8` | 4 |" in result.out
    )
    changed = '- changed in the workspace: topic "Workshop appointments" -&gt; "Tyres only"'
    assert changed in result.out


def test_inside_github_actions_annotations_and_step_summary(
    applied: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    edit_in_dashboard(applied)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(applied.root.parent))
    result = mh("drift", "--json")
    assert result.code == 2, result.text
    json.loads(result.out)  # annotations go to stderr: stdout stays one JSON document
    (annotation,) = [line for line in result.err.splitlines() if line.startswith("::error")]
    assert annotation.startswith(
        "::error file=project/agents/volvo-service.yaml,line=8,title=mhsync drift::"
        "agent[volvo-service] drifted in the workspace:%0A"
    )
    assert 'topic "Workshop appointments" -> "Tyres only"' in annotation
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### mhsync drift on `local`")
    assert "Legal escalation" in text


def test_no_annotations_outside_github_actions(applied: Project, mh: Mh) -> None:
    edit_in_dashboard(applied)
    result = mh("drift")
    assert result.code == 2
    assert "::error" not in result.text


def test_an_agent_deleted_in_the_dashboard_is_missing(applied: Project, mh: Mh) -> None:
    with dashboard(applied) as api:
        parts = live(api, "Volvo Parts Desk")
        api.delete(f"/agents/{parts['agent_uuid']}").raise_for_status()
    result = mh("drift", "--agent", "volvo-parts")
    assert result.code == 2, result.text
    assert "agent[volvo-parts]" in result.out
    assert "agent missing from the workspace" in result.out
    assert "volvo-service" not in result.out


def test_selection_reads_only_the_selected_agents(applied: Project, mh: Mh) -> None:
    edit_in_dashboard(applied)
    result = mh("drift", "--agent", "whatsapp-support")
    assert result.code == 0, result.text
    assert "(1 agent checked)" in result.out


def test_errors_exit_1(applied: Project, mh: Mh) -> None:
    result = mh("drift", "--target", "nowhere")
    assert result.code == 1
    assert "nowhere" in result.err
    assert mh("drift", "--json", "--markdown").code == 1


def test_drift_needs_no_secret_values(
    applied: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nightly drift job reads only; it must not have to carry every webhook secret."""
    from tests.e2e.conftest import SECRETS

    for name in SECRETS:
        monkeypatch.delenv(name)
    assert mh("drift").code == 0
    edit_in_dashboard(applied)
    assert mh("drift").code == 2
    assert mh("plan").code == 0  # plan needs no secret values either (issue 13)
