"""plan and apply from the command line, against the sandbox over a real socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import MARKERS, TOKEN, Project, Result

Mh = Callable[..., Result]


def dashboard(project: Project) -> httpx.Client:
    """A client standing in for someone editing agents in the Mindhunters dashboard."""
    return httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def live_agent(project: Project, name: str) -> dict[str, Any]:
    with dashboard(project) as api:
        items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
    matches = [a for a in items if a["name"] == name]
    assert len(matches) == 1, [a["name"] for a in items]
    return dict(matches[0])


def test_apply_then_plan_shows_no_changes(project: Project, mh: Mh) -> None:
    first = mh("apply", "agents", "--auto-approve")
    assert first.code == 0, first.text
    assert "Apply complete" in first.out
    again = mh("plan", "agents", "--detailed-exitcode")
    assert again.code == 0, again.text
    assert "No changes" in again.out


def test_plan_detailed_exitcode_is_2_when_changes_exist(project: Project, mh: Mh) -> None:
    result = mh("plan", "agents", "--detailed-exitcode")
    assert result.code == 2, result.text
    assert "to create" in result.out


def test_plan_without_detailed_exitcode_exits_0_on_changes(project: Project, mh: Mh) -> None:
    assert mh("plan", "agents").code == 0


def test_apply_refuses_to_run_unattended(project: Project, mh: Mh) -> None:
    result = mh("apply", "agents")
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert project.sandbox.request_log() == []


def test_invalid_manifest_sends_nothing(project: Project, mh: Mh) -> None:
    broken = project.root / "agents" / "volvo-parts.yaml"
    text = broken.read_text(encoding="utf-8")
    assert text.count("  role:") == 1
    broken.write_text(text.replace("  role:", "  rol:"), encoding="utf-8")
    result = mh("apply", "agents", "--auto-approve")
    assert result.code == 1
    assert "volvo-parts.yaml:" in result.err
    assert "did you mean `role`" in result.err
    assert project.sandbox.request_log() == []


def test_saved_plan_applies_and_converges(project: Project, mh: Mh, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert mh("plan", "agents", "--out", str(plan_file)).code == 0
    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 0, result.text
    assert mh("plan", "agents", "--detailed-exitcode").code == 0


def test_stale_saved_plan_is_refused(project: Project, mh: Mh, tmp_path: Path) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    agent = live_agent(project, "Volvo Parts Desk")
    plan_file = tmp_path / "plan.json"
    with dashboard(project) as api:
        api.patch(f"/agents/{agent['agent_uuid']}", json={"topic": "edited by hand"})
    assert mh("plan", "agents", "--out", str(plan_file), "--detailed-exitcode").code == 2
    with dashboard(project) as api:
        api.patch(f"/agents/{agent['agent_uuid']}", json={"topic": "edited again"})
    writes_before = len(project.writes())
    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 1
    assert "stale" in result.err
    assert "volvo-parts" in result.err
    assert len(project.writes()) == writes_before


def test_no_secret_or_token_in_any_output(project: Project, mh: Mh, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    outputs = [
        mh("plan", "agents", "--out", str(plan_file)),
        mh("plan", "agents", "--json"),
        mh("plan", "agents", "--markdown"),
        mh("--debug", "apply", "agents", "--auto-approve"),
        mh("plan", "agents", "--json"),
    ]
    texts = [r.text for r in outputs] + [plan_file.read_text(encoding="utf-8")]
    for text in texts:
        for marker in MARKERS:
            assert marker not in text


def test_secrets_reach_the_api(project: Project, mh: Mh) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    agent = live_agent(project, "Volvo Service Line")
    with dashboard(project) as api:
        hooks = api.get(f"/agents/{agent['agent_uuid']}/webhooks").json()["data"]
    assert hooks and all(h["has_secret"] for h in hooks)


def test_plan_json_is_the_documented_format(project: Project, mh: Mh) -> None:
    result = mh("plan", "agents", "--json")
    document = json.loads(result.out)
    assert document["format_version"] == 1
    assert document["target"] == "local"
    handles = sorted(a["handle"] for a in document["agents"])
    assert handles == ["volvo-parts", "volvo-service", "whatsapp-support"]


@pytest.mark.parametrize("parallelism", ["1", "16"])
def test_parallelism_converges(project: Project, mh: Mh, parallelism: str) -> None:
    result = mh("apply", "agents", "--auto-approve", "--parallelism", parallelism)
    assert result.code == 0, result.text
    assert mh("plan", "agents", "--detailed-exitcode").code == 0
