"""Every command that talks to a workspace x every way of choosing one (issue 10).

Two real sandbox servers, A and B, listen on different ports. Each cell runs one command and
asserts, from both servers' request logs, which one received its requests (validate: neither,
it never connects; the embedded sandbox: neither, and its state file is the one named), and
that the first line the command prints names that workspace.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import Mh, Server, write_manifests, write_project

COMMANDS = ("validate", "plan", "apply", "drift", "export", "pull", "rollback", "doctor")
WAYS = ("default-target", "--target", "--target+MHSYNC_BASE_URL", "no-project+MHSYNC_BASE_URL",
        "sandbox-by-name")
ALLOWED_CODES = {"drift": {0, 2}}


@dataclass
class Cell:
    cwd: Path
    options: tuple[str, ...]
    paths: tuple[str, ...]
    target_name: str
    """The target the command should resolve (recorded in the snapshot rollback reads)."""
    server: str | None
    """``A``, ``B``, or None for the embedded sandbox."""
    first_line: str


def make_cell(
    way: str, tmp_path: Path, a: Server, b: Server, monkeypatch: pytest.MonkeyPatch
) -> Cell:
    project = write_project(tmp_path / "project", a.url, b.url)
    sandbox_db = project.resolve() / ".mhsync" / "sandbox.db"
    if way == "default-target":
        return Cell(project, (), (), "a", "A", f"Workspace: a ({a.url})")
    if way == "--target":
        return Cell(project, ("--target", "b"), (), "b", "B", f"Workspace: b ({b.url})")
    if way == "--target+MHSYNC_BASE_URL":
        monkeypatch.setenv("MHSYNC_BASE_URL", b.url)
        return Cell(project, ("--target", "a"), (), "a", "B", f"Workspace: a ({b.url})")
    if way == "no-project+MHSYNC_BASE_URL":
        loose = tmp_path / "loose"
        write_manifests(loose)
        monkeypatch.setenv("MHSYNC_BASE_URL", b.url)
        shown = f"Workspace: {b.url} (from MHSYNC_BASE_URL; no targets in a project file)"
        return Cell(loose, (), ("agents",), "MHSYNC_BASE_URL", "B", shown)
    assert way == "sandbox-by-name"
    return Cell(project, ("--target", "sandbox"), (), "sandbox", None,
                f"Workspace: sandbox ({sandbox_db})")


def command_args(command: str, cell: Cell) -> list[str]:
    if command == "apply":
        return ["apply", *cell.paths, *cell.options, "--auto-approve"]
    if command == "export":
        return ["export", "--all", "-o", "exported", *cell.options]
    if command == "rollback":
        snapshot = cell.cwd / "snapshot"
        shutil.copytree(cell.cwd / "agents", snapshot)
        (snapshot / "snapshot.json").write_text(json.dumps({"target": cell.target_name}))
        return ["rollback", "snapshot", *cell.options, "--auto-approve"]
    if command == "doctor":
        return ["doctor", *cell.options]
    return [command, *cell.paths, *cell.options]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("way", WAYS)
def test_each_command_talks_to_the_chosen_workspace(
    way: str,
    command: str,
    tmp_path: Path,
    servers: tuple[Server, Server],
    mh: Mh,
    env: pytest.MonkeyPatch,
) -> None:
    a, b = servers
    cell = make_cell(way, tmp_path, a, b, env)
    env.chdir(cell.cwd)
    a.clear()
    b.clear()
    result = mh(*command_args(command, cell))
    assert result.code in ALLOWED_CODES.get(command, {0}), result.text
    assert result.first_line == cell.first_line, result.text
    chosen = {"A": a, "B": b}.get(cell.server or "")
    other = [s for s in (a, b) if s is not chosen]
    if command == "validate":
        assert a.requests() == [] and b.requests() == []
        return
    if chosen is not None:
        assert chosen.requests(), f"{chosen.name} received nothing: {result.text}"
    for server in other:
        assert server.requests() == [], f"{server.name} must not be contacted: {result.text}"
    if cell.server is None:
        assert (cell.cwd / ".mhsync" / "sandbox.db").is_file()
    if command in ("apply", "rollback", "doctor") and chosen is not None:
        assert chosen.writes(), result.text


def test_saved_plan_from_another_directory_applies_to_its_own_workspace(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    project = write_project(tmp_path / "project", a.url, b.url)
    env.chdir(project)
    made = mh("plan", "--target", "b", "--out", str(tmp_path / "p.json"))
    assert made.code == 0, made.text
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env.chdir(elsewhere)
    a.clear()
    b.clear()
    applied = mh("apply", str(tmp_path / "p.json"), "--auto-approve")
    assert applied.code == 0, applied.text
    assert applied.first_line == f"Workspace: b ({b.url})"
    assert ("POST", "/api/v1/agents") in b.writes()
    assert a.requests() == []
    env.chdir(project)
    assert mh("plan", "--target", "b", "--detailed-exitcode").code == 0
