"""Least privilege in CI (issue 13, item 3): who needs which secret.

validate needs nothing, plan and drift only the API token; what apply will send is named by
plan ("apply will need X", never the value) and checked by apply before its first write; an
empty variable counts as unset.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from .conftest import SECRET, Mh, Server, write_project

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, servers: tuple[Server, Server], env: pytest.MonkeyPatch) -> Path:
    a, b = servers
    root = write_project(tmp_path / "project", a.url, b.url)
    env.chdir(root)
    return root


def test_validate_needs_no_token_and_no_secret(
    project: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    for name in ("HOOK_SECRET", "MHSYNC_A_TOKEN", "MHSYNC_B_TOKEN", "MHSYNC_TOKEN"):
        env.delenv(name)
    result = mh("validate", "--strict")
    assert result.code == 0, result.text


def test_pre_commit_validate_hook_needs_no_secret(
    project: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    hooks = YAML(typ="safe").load((REPO / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == "mhsync-validate")
    program, *args = shlex.split(entry)
    assert program == "mhsync"
    for name in ("HOOK_SECRET", "MHSYNC_A_TOKEN", "MHSYNC_TOKEN"):
        env.delenv(name)
    result = mh(*args)
    assert result.code == 0, result.text


def test_plan_needs_only_the_token_and_names_what_apply_will_need(
    project: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    env.delenv("HOOK_SECRET")
    text = mh("plan")
    assert text.code == 0, text.text
    assert "Apply will need HOOK_SECRET (set them in the environment of apply" in text.out
    markdown = mh("plan", "--markdown")
    assert "> **Note:** Apply will need `HOOK_SECRET`" in markdown.out
    document = json.loads(mh("plan", "--json").out)
    assert document["secrets_needed"] == ["HOOK_SECRET"]


def test_plan_outputs_never_carry_the_value(project: Path, mh: Mh, tmp_path: Path) -> None:
    outputs = [mh("plan", *flags) for flags in ((), ("--json",), ("--markdown",))]
    saved = mh("plan", "--out", str(tmp_path / "p.json"))
    assert all(r.code == 0 for r in [*outputs, saved])
    shown = "".join(r.text for r in [*outputs, saved]) + (tmp_path / "p.json").read_text()
    assert "HOOK_SECRET" in shown
    assert SECRET not in shown


def test_drift_needs_only_the_token(project: Path, mh: Mh, env: pytest.MonkeyPatch) -> None:
    assert mh("apply", "--auto-approve").code == 0
    env.delenv("HOOK_SECRET")
    result = mh("drift")
    assert result.code == 0, result.text


@pytest.mark.parametrize("value", [None, ""], ids=["unset", "empty"])
def test_apply_checks_every_needed_secret_before_its_first_write(
    project: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch,
    value: str | None,
) -> None:
    a, _ = servers
    if value is None:
        env.delenv("HOOK_SECRET")
    else:
        env.setenv("HOOK_SECRET", value)
    planned = mh("plan", "--json")
    assert json.loads(planned.out)["secrets_needed"] == ["HOOK_SECRET"]
    a.clear()
    result = mh("apply", "--auto-approve")
    assert result.code == 1
    state = "is not set" if value is None else "is empty"
    assert f"environment variable HOOK_SECRET {state}" in result.err
    assert "nothing was sent" in result.err
    assert a.writes() == []


def test_an_update_that_sends_no_secret_needs_none(
    project: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    assert mh("apply", "--auto-approve").code == 0
    manifest = project / "agents" / "front-desk.yaml"
    manifest.write_text(
        manifest.read_text().replace("events: [intent_call]", "events: [conversation_status]")
    )
    env.delenv("HOOK_SECRET")
    document = json.loads(mh("plan", "--json").out)
    assert document["agents"] and document.get("secrets_needed", []) == []
    applied = mh("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert mh("plan", "--detailed-exitcode").code == 0
