"""``mhsync doctor`` against the sandbox: clean round trips, and servers that break the contract.

A server that changes, drops or adds fields is made by wrapping the sandbox's agent rendering
(``mhsync.sandbox.agents.render_agent``), which every agent answer and read goes through, in
process and over the socket alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mhsync.render.doctor import render_doctor
from mhsync.roundtrip import FindingKind
from mhsync.sandbox import Sandbox, agents
from mhsync.workflows.doctor import DoctorRequest, run_doctor
from mhsync.workspace import resolve_workspace
from tests.e2e.conftest import TOKEN, Project, Result

Mh = Callable[..., Result]
SECRET_MARKER = "doctor-SECRET-MARKER"


def doctor_agents(project: Project) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as api:
        items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
    return [a for a in items if a["name"].startswith("mhsync-doctor-")]


def serve_altered(monkeypatch: pytest.MonkeyPatch, alter: Callable[[dict[str, Any]], None]) -> None:
    """Make the sandbox answer every agent through ``alter`` (a server off the contract)."""
    original = agents.render_agent

    def render(doc: Any) -> dict[str, Any]:
        agent = original(doc)
        if str(agent.get("name", "")).startswith("mhsync-doctor-"):
            alter(agent)
        return agent

    monkeypatch.setattr(agents, "render_agent", render)


def test_clean_over_a_socket_and_the_agent_is_deleted(project: Project, mh: Mh) -> None:
    result = mh("doctor")
    assert result.code == 0, result.text
    assert "Round trip clean" in result.out
    for step in ("create the agent", "read it back", "plan after apply is empty", "delete"):
        assert f"ok    {step}" in result.out
    assert doctor_agents(project) == []
    deletes = [path for method, path in project.writes() if method == "DELETE"]
    assert len(deletes) == 1
    assert deletes[0].startswith("/agents/")


def test_clean_in_process_on_the_builtin_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mh: Mh
) -> None:
    monkeypatch.chdir(tmp_path)
    result = mh("doctor", "--target", "sandbox")
    assert result.code == 0, result.text
    assert "Round trip clean" in result.out
    sandbox = Sandbox(db_path=str(tmp_path / ".mhsync" / "sandbox.db"), tokens=["t"])
    try:
        client = httpx.Client(
            transport=sandbox.transport(),
            base_url="http://sandbox/api/v1",
            headers={"Authorization": "Bearer t"},
        )
        assert client.get("/agents").json()["data"]["items"] == []
    finally:
        sandbox.close()


def test_a_field_the_server_changes_is_named_and_fails(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_altered(monkeypatch, lambda agent: agent.update(topic=str(agent["topic"]).lower()))
    result = mh("doctor")
    assert result.code == 1, result.text
    assert ".core: topic (the server holds another value)" in result.out
    assert 'sent "Self-test", returned "self-test"' in result.out
    assert "FAIL  plan after apply is empty" in result.out
    assert "Round trip NOT clean" in result.out
    assert doctor_agents(project) == []


def test_a_field_the_server_drops_is_named(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_altered(monkeypatch, lambda agent: agent.pop("custom_llm_url"))
    result = mh("doctor")
    assert result.code == 1, result.text
    assert "dropped   agent[mhsync-doctor-" in result.out
    assert ".core: custom_llm_url (sent, not returned)" in result.out


def test_fields_unknown_to_the_contract_are_notes(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    def grow(agent: dict[str, Any]) -> None:
        agent["voice_engine"] = "v2"
        for rule in agent["guard_rules"]:
            rule["priority_hint"] = 3

    serve_altered(monkeypatch, grow)
    result = mh("doctor")
    assert result.code == 0, result.text
    assert "Notes (these do not fail the check):" in result.out
    assert "unknown   voice_engine" in result.out
    assert "unknown   guard_rules[].priority_hint" in result.out
    assert "returned by: POST /agents, " in result.out


def test_the_agent_is_deleted_when_a_step_fails(project: Project, mh: Mh) -> None:
    project.sandbox.inject("500", method="POST", path_pattern=r"/webhooks$", count=1)
    result = mh("doctor")
    assert result.code == 1, result.text
    assert "FAIL  create the agent with every field and section" in result.out
    assert "ok    delete the agent" in result.out
    assert doctor_agents(project) == []


def test_keep_leaves_the_agent_for_inspection(project: Project, mh: Mh) -> None:
    result = mh("doctor", "--keep")
    assert result.code == 0, result.text
    (kept,) = doctor_agents(project)
    assert f"The agent was kept (--keep): delete {kept['name']} when done." in result.out


def test_an_agent_that_already_has_the_name_is_never_touched(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("mhsync.workflows.doctor.secrets.token_hex", lambda _: "deadbeef")
    with httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as api:
        api.post("/agents", json={"name": "mhsync-doctor-deadbeef"}).raise_for_status()
    project.sandbox.clear_request_log()
    result = mh("doctor")
    assert result.code == 1, result.text
    assert "already exists" in result.out
    assert [a["name"] for a in doctor_agents(project)] == ["mhsync-doctor-deadbeef"]
    assert project.writes() == []


def test_generated_secrets_never_reach_the_report(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = iter(range(10))
    steps: list[str] = []
    report = run_doctor(
        resolve_workspace("local", cwd=project.root),
        DoctorRequest(),
        on_step=steps.append,
        make_secret=lambda: f"{SECRET_MARKER}-{next(counter)}",
    )
    assert report.ok, render_doctor(report)
    shown = render_doctor(report) + "\n".join(steps) + repr(report) + "".join(capsys.readouterr())
    assert SECRET_MARKER not in shown
    assert not [f for f in report.findings if f.kind is FindingKind.UNKNOWN]
