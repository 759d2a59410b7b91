"""A process killed right after it opens a file for writing leaves the old file intact.

Each command runs as its own process through ``killhook.py``, which SIGKILLs it the moment it
opens a file under the watched directory for writing (after the open truncated it, before a
byte is written). Before atomic writes, ``fmt``/``pull``/``export``/``plan --out`` left a file
of 0 bytes there, which loads as "no agent" and lets ``plan --prune`` delete it; a killed apply
left a snapshot directory without ``snapshot.json`` that ``rollback`` accepted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.proof.conftest import (
    TOKEN,
    ServerProcess,
    environment,
    in_directory,
    make_project,
    mh,
    sandbox_process,
)

HOOK = Path(__file__).with_name("killhook.py")
REPO = Path(__file__).resolve().parents[2]
SERVICE = Path("agents/volvo-service.yaml")


def killed(root: Path, watched: Path, *args: str, match: str = "") -> None:
    """Run ``mhsync args`` in ``root``; assert it was killed at a write under ``watched``."""
    env = {
        **os.environ,
        **environment(),
        "MHSYNC_KILL_DIR": str(watched),
        "MHSYNC_KILL_MATCH": match,
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.run(
        [sys.executable, str(HOOK), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == -9, (process.returncode, process.stdout, process.stderr)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    with sandbox_process(tmp_path / "remote.db") as running:
        yield running


@pytest.fixture
def applied(tmp_path: Path, server: ServerProcess, proof_env: None) -> Path:
    root = make_project(tmp_path / "project", server.base_url)
    with in_directory(root):
        result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return root


def _edit_tone(server: ServerProcess, name: str, tone: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as api:
        agents = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
        uuid = next(a["agent_uuid"] for a in agents if a["name"] == name)
        assert api.patch(f"/agents/{uuid}", json={"tone": tone}).status_code < 300


def _assert_still_valid(root: Path, path: Path, before: bytes) -> None:
    assert path.read_bytes() == before
    with in_directory(root):
        result = mh("validate")
    assert result.code == 0, result.text


def test_killed_fmt_leaves_the_manifest_whole(
    tmp_path: Path, server: ServerProcess, proof_env: None
) -> None:
    root = make_project(tmp_path / "project", server.base_url)
    path = root / SERVICE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nkind: Agent\n", "\nkind:   Agent\n", 1), encoding="utf-8")
    before = path.read_bytes()
    killed(root, root / "agents", "fmt")
    _assert_still_valid(root, path, before)


def test_killed_pull_leaves_the_manifest_whole(
    applied: Path, server: ServerProcess
) -> None:
    _edit_tone(server, "Volvo Service Line", "Pulled while killed")
    path = applied / SERVICE
    before = path.read_bytes()
    killed(applied, applied / "agents", "pull")
    _assert_still_valid(applied, path, before)


def test_killed_export_leaves_the_manifest_whole(
    applied: Path, server: ServerProcess
) -> None:
    with in_directory(applied):
        result = mh("export", "--all", "-o", "exported")
    assert result.code == 0, result.text
    _edit_tone(server, "Volvo Service Line", "Exported while killed")
    files = sorted((applied / "exported").glob("*.yaml"))
    before = {path: path.read_bytes() for path in files}
    killed(applied, applied / "exported", "export", "--all", "-o", "exported")
    assert {path: path.read_bytes() for path in files} == before
    assert all(before.values())


def test_killed_plan_out_leaves_the_saved_plan_whole(
    applied: Path, server: ServerProcess
) -> None:
    saved = applied / "plan.json"
    with in_directory(applied):
        assert mh("plan", "--out", str(saved)).code == 0
    before = saved.read_bytes()
    assert before
    _edit_tone(server, "Volvo Service Line", "Planned while killed")
    killed(applied, applied, "plan", "--out", str(saved), match="plan.json")
    assert saved.read_bytes() == before


@pytest.mark.parametrize("match", ["", "snapshot.json"], ids=["first-file", "snapshot-json"])
def test_killed_snapshot_is_refused_by_rollback(
    applied: Path, server: ServerProcess, match: str
) -> None:
    _edit_tone(server, "Volvo Service Line", "Changed in the dashboard")
    snapshots = applied / ".mhsync" / "snapshots"
    killed(applied, snapshots, "apply", "--auto-approve", match=match)
    entries = sorted(snapshots.iterdir()) if snapshots.is_dir() else []
    for entry in entries:
        if entry.is_dir() and not entry.name.startswith("."):
            assert (entry / "snapshot.json").is_file(), f"{entry} is listed but incomplete"
        with in_directory(applied):
            result = mh("rollback", str(entry), "--auto-approve")
        assert result.code != 0, result.text
        assert "snapshot" in result.text
