"""The composite action (``action.yml``): its scripts run, and the plan comment is sticky.

The scripts run here with stand-ins for ``gh`` and ``mhsync`` on PATH (no network, no GitHub):
a stand-in records its arguments, so the tests see which API calls the comment step makes.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
SCRIPTS = REPO / "action"

FAKE_GH = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_LOG"
for arg in "$@"; do
    case "$arg" in body=@*) cp "${arg#body=@}" "$FAKE_LOG.body" ;; esac
done
if [ "$1 $2" = "api --paginate" ]; then printf '%s' "${FAKE_EXISTING:-}"; fi
"""
FAKE_MHSYNC = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_LOG"
echo "## Plan for $*"
exit "${FAKE_EXIT:-0}"
"""


def action() -> Any:
    return YAML(typ="safe").load(ACTION.read_text(encoding="utf-8"))


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    """A runner's environment: temp dir, output files, stand-ins on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("gh", FAKE_GH), ("mhsync", FAKE_MHSYNC)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (tmp_path / "runner").mkdir()
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_REPOSITORY": "acme/agents",
        "FAKE_LOG": str(tmp_path / "calls"),
    }


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPTS / script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def outputs(env: dict[str, str]) -> dict[str, str]:
    lines = Path(env["GITHUB_OUTPUT"]).read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def test_every_step_script_exists_and_parses() -> None:
    steps = action()["runs"]["steps"]
    scripts = [
        s["run"].split("/action/")[1].strip('"') for s in steps if "/action/" in s.get("run", "")
    ]
    assert sorted(scripts) == ["comment.sh", "install.sh", "run.sh"]
    for script in scripts:
        done = subprocess.run(["bash", "-n", str(SCRIPTS / script)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_the_action_fails_with_the_commands_exit_code_after_commenting() -> None:
    steps = action()["runs"]["steps"]
    assert steps[-1]["run"] == 'exit "${MHSYNC_EXIT:-1}"'
    comment = next(s for s in steps if "comment.sh" in s.get("run", ""))
    assert comment["if"].startswith("always()")


def test_run_records_the_exit_code_and_writes_the_markdown_report(
    runner: dict[str, str],
) -> None:
    env = {
        **runner,
        "MHSYNC_COMMAND": "plan --target production",
        "MHSYNC_COMMENT": "true",
        "FAKE_EXIT": "2",
    }
    done = run("run.sh", env)
    assert done.returncode == 0, done.stderr  # the action's last step exits with the code
    found = outputs(env)
    assert found["exit-code"] == "2"
    assert Path(env["FAKE_LOG"]).read_text() == "plan --target production --markdown\n"
    report = Path(found["report"]).read_text()
    assert report == "## Plan for plan --target production --markdown\n"
    assert Path(env["GITHUB_STEP_SUMMARY"]).read_text() == report


def test_run_without_comment_passes_the_command_as_written(runner: dict[str, str]) -> None:
    env = {**runner, "MHSYNC_COMMAND": "validate --strict"}
    done = run("run.sh", env)
    assert done.returncode == 0
    assert outputs(env) == {"exit-code": "0"}
    assert Path(env["FAKE_LOG"]).read_text() == "validate --strict\n"
    assert "## Plan for validate --strict" in done.stdout


def test_the_first_comment_is_created_and_later_ones_edit_it(
    runner: dict[str, str], tmp_path: Path
) -> None:
    report = tmp_path / "plan.md"
    report.write_text("Plan: 1 to add\n")
    env = {**runner, "MHSYNC_PR": "42", "MHSYNC_COMMENT_KEY": "plan", "MHSYNC_REPORT": str(report)}
    log = Path(env["FAKE_LOG"])

    first = run("comment.sh", env)
    assert first.returncode == 0, first.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("api --paginate repos/acme/agents/issues/42/comments --jq ")
    assert '"<!-- mhsync:plan -->"' in calls[0]
    assert calls[1].startswith("api --method POST repos/acme/agents/issues/42/comments -F body=@")
    assert Path(f"{log}.body").read_text() == "<!-- mhsync:plan -->\nPlan: 1 to add\n"

    log.unlink()
    second = run("comment.sh", {**env, "FAKE_EXISTING": "9001\n9002\n"})
    assert second.returncode == 0, second.stderr
    calls = log.read_text().splitlines()
    assert calls[1].startswith("api --method PATCH repos/acme/agents/issues/comments/9001 ")
    assert len(calls) == 2
