"""``mhsync validate`` through click: the "Done when" scenario, formats, strictness, targets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner, Result

from mhsync.cli.validate import validate_command

from .conftest import EXAMPLE_ENV, EXAMPLES, agent


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation must never reach the network: any attempt fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validate tried to use the network")

    monkeypatch.setattr(httpx.Client, "__init__", refuse)
    monkeypatch.setattr(httpx.AsyncClient, "__init__", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    group = click.Group(commands=[validate_command])
    return CliRunner().invoke(group, ["validate", *args], env=env)


SERVICE = agent(
    """\
    guard_rules:
      - name: Emergency
        when_condition: The caller reports an accident.
        example_phrases: [I crashed, accident, help]
        then_action: forward
      - name: Spam
        when_conditon: The caller is selling something.
        example_phrases: [buy now]
        then_action: end_conversation
    routing_rules:
      - department_name: Parts
        detection_mode: intent
        phrases: [parts please]
        ai_prompt: The caller wants parts.
        destination_type: agent
        destination_agent: parts-desk
    webhooks:
      - {url: "https://hooks.example/1", events: [conversation_status]}
      - {url: "https://hooks.example/2", events: [conversation_status]}
      - {url: "https://hooks.example/3", events: [conversation_status]}
      - {url: "https://hooks.example/4", events: [conversation_status]}
      - {url: "https://hooks.example/5", events: [conversation_status]}
      - {url: "https://hooks.example/6", events: [conversation_status]}
    """,
    name="service",
)
SUPPORT = agent("speed: quick\n", name="support")


def test_done_when_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "service.yaml").write_text(SERVICE)
    (agents / "support.yaml").write_text(SUPPORT)
    monkeypatch.chdir(tmp_path)
    result = run(["agents"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "agents/service.yaml:13:7: spec.guard_rules[0].destination: is required when then_action"
        " is forward (or destination_agent for an agent)",
        "agents/service.yaml:13:7: spec.guard_rules[0].destination_type: is required when"
        " then_action is forward",
        "agents/service.yaml:17:7: spec.guard_rules[1].when_condition: is required",
        "agents/service.yaml:18:7: spec.guard_rules[1].when_conditon: unknown field"
        " (did you mean `when_condition`?)",
        "agents/service.yaml:27:26: spec.routing_rules[0].destination_agent: no agent named"
        " `parts-desk` in these manifests",
        "agents/service.yaml:34:7: spec.webhooks[5]: too many items: the API allows at most 5"
        " webhooks per agent (found 6)",
        "agents/support.yaml:12:10: spec.speed: must be one of normal, fast",
        "invalid: 7 errors, 0 warnings in 2 files",
    ]
    sandbox_db = tmp_path.resolve() / ".mhsync" / "sandbox.db"
    assert result.stderr == f"Workspace: sandbox ({sandbox_db})\n"


def test_valid_examples_exit_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    result = run(["--strict"], env=EXAMPLE_ENV)
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: 3 agents in 4 files\n"
    result = run(["--target", "production"], env=EXAMPLE_ENV)
    assert (result.exit_code, result.stderr) == (
        0,
        "Workspace: production (https://nordstaden.mindhunters.ai/api/v1)\n",
    )


def test_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text(agent("speed: quick\n"))
    monkeypatch.chdir(tmp_path)
    result = run(["--format", "json", "a.yaml"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": "a.yaml",
            "line": 12,
            "col": 10,
            "path": "spec.speed",
            "message": "must be one of normal, fast",
            "severity": "error",
            "hint": None,
            "code": "enum",
        }
    ]


def test_warnings_pass_unless_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text(agent().replace("  language: en\n", ""))
    monkeypatch.chdir(tmp_path)
    relaxed = run(["a.yaml"])
    assert relaxed.exit_code == 0
    assert relaxed.stdout.splitlines() == [
        "a.yaml:6:3: warning: spec.language: is not set: the API docs advise it for every agent",
        "valid: 1 agent in 1 file, 1 warning",
    ]
    strict = run(["--strict", "a.yaml"])
    assert strict.exit_code == 1
    assert (
        strict.stdout.splitlines()[-1]
        == "invalid: 0 errors, 1 warning in 1 file (--strict: warnings fail)"
    )


def test_target_variables_fill_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mhsync.yaml").write_text(
        "targets:\n"
        "  staging: {base_url: 'https://s.example', vars: {desc: staging}}\n"
        "  prod: {base_url: 'https://p.example'}\n"
    )
    (tmp_path / "a.yaml").write_text(agent("description: ${var:desc}\n"))
    monkeypatch.chdir(tmp_path)
    assert run(["--target", "staging"]).exit_code == 0
    missing = run(["--target", "prod"])
    assert missing.exit_code == 1
    assert missing.stdout.splitlines()[0] == (
        "a.yaml:12:16: spec.description: variable `desc` is not defined for this target"
        " (define it under the target's `vars` in mhsync.yaml)"
    )
    unchosen = run([])
    assert unchosen.exit_code == 1
    assert "no target chosen: pass --target (one of prod, sandbox, staging)" in str(
        unchosen.exception
    )


def test_the_validate_path_does_not_import_httpx() -> None:
    """A clean interpreter: loading, config and the validate command need no HTTP client."""
    code = (
        "import sys, mhsync.manifest, mhsync.config, mhsync.cli.validate, mhsync.cli.schema;"
        "print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
