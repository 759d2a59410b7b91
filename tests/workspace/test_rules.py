"""The workspace rules, one reproduced failure of issue 10 per test (each failed before the fix)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx
import pytest

from .conftest import TOKEN, Mh, Server, write_manifests, write_project

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SECRETS = (
    "VOLVO_DMS_WEBHOOK_SECRET",
    "VOLVO_CRM_WEBHOOK_SECRET",
    "VOLVO_BOOKING_API_TOKEN",
    "SUPPORT_WEBHOOK_SECRET",
)


def _project(tmp_path: Path, servers: tuple[Server, Server], **kw: str | None) -> Path:
    a, b = servers
    return write_project(tmp_path / "project", a.url, b.url, **kw)  # type: ignore[arg-type]


def test_pull_with_target_reads_that_target_not_the_default(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    env.chdir(_project(tmp_path, servers))
    assert mh("apply", "--auto-approve").code == 0
    assert mh("apply", "--target", "b", "--auto-approve").code == 0
    listed = httpx.get(f"{b.url}/agents", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    parts = next(agent for agent in listed["data"]["items"] if agent["name"] == "Parts desk")
    answer = httpx.patch(
        f"{b.url}/agents/{parts['agent_uuid']}",
        json={"role": "Role edited on B"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 200, answer.text
    a.clear()
    pulled = mh("pull", "--target", "b")
    assert pulled.code == 0, pulled.text
    assert "role: Role edited on B" in Path("agents/parts-desk.yaml").read_text()
    assert a.requests() == []
    assert mh("plan", "--target", "b", "--detailed-exitcode").code == 0


def test_base_url_from_the_environment_with_target_on_plan(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    """Target ``ci`` has no base_url; the CI job gives it in MHSYNC_BASE_URL, as documented."""
    a, b = servers
    env.chdir(_project(tmp_path, servers))
    env.setenv("MHSYNC_BASE_URL", b.url)
    result = mh("plan", "--target", "ci")
    assert result.code == 0, result.text
    assert result.first_line == f"Workspace: ci ({b.url})"
    assert b.requests() and a.requests() == []


def test_no_project_file_and_base_url_applies_there_not_to_a_local_sandbox(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    _, b = servers
    write_manifests(tmp_path)
    env.chdir(tmp_path)
    env.setenv("MHSYNC_BASE_URL", b.url)
    result = mh("apply", "agents", "--auto-approve")
    assert result.code == 0, result.text
    assert "from MHSYNC_BASE_URL" in result.first_line
    assert ("POST", "/api/v1/agents") in b.writes()
    assert not (tmp_path / ".mhsync" / "sandbox.db").exists()


def test_saved_sandbox_plan_applies_from_the_repository_root(
    tmp_path: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    """``plan --out`` inside examples/, apply from one level up: the same sandbox, not stale."""
    examples = tmp_path / "repo" / "examples"
    shutil.copytree(REPO / "examples", examples)
    for name in EXAMPLE_SECRETS:
        env.setenv(name, f"value-of-{name}")
    env.chdir(examples)
    assert mh("plan", "--out", "p.json").code == 0
    env.chdir(examples.parent)
    applied = mh("apply", "examples/p.json", "--auto-approve")
    assert applied.code == 0, applied.text
    assert not (examples.parent / ".mhsync").exists(), "applied to another sandbox"
    assert applied.first_line == f"Workspace: sandbox ({examples.resolve()}/.mhsync/sandbox.db)"
    exported = mh("export", "-C", "examples", "--all", "-o", str(tmp_path / "out"))
    assert exported.code == 0, exported.text
    assert "Exported 3 agent(s)" in exported.err
    env.chdir(examples)
    assert mh("plan", "--detailed-exitcode").code == 0


def test_saved_plan_refuses_another_target_or_base_url(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    env.chdir(_project(tmp_path, servers))
    assert mh("plan", "--out", "p.json").code == 0
    a.clear()
    other = mh("apply", "p.json", "--target", "b", "--auto-approve")
    assert other.code == 1
    assert f"p.json was made for target a ({a.url}); --target b names another" in other.err
    env.setenv("MHSYNC_BASE_URL", b.url)
    moved = mh("apply", "p.json", "--auto-approve")
    assert moved.code == 1
    assert f"but MHSYNC_BASE_URL names {b.url}" in moved.err
    assert a.requests() == [] and b.requests() == []


def test_base_url_without_target_is_ignored_with_a_note(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    env.chdir(_project(tmp_path, servers))
    env.setenv("MHSYNC_BASE_URL", b.url)
    result = mh("plan")
    assert result.code == 0, result.text
    assert result.first_line == f"Workspace: a ({a.url})"
    assert "Note: MHSYNC_BASE_URL is ignored" in result.err
    assert a.requests() and b.requests() == []


def test_target_outside_any_project_says_no_project_file_was_found(
    tmp_path: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    env.chdir(tmp_path)
    result = mh("export", "--target", "staging", "--all", "-o", "out")
    assert result.code == 1
    assert f"no mhsync.yaml found (searched from {tmp_path.resolve()} upward)" in result.err
    assert not (tmp_path / "out").exists()


def test_unknown_target_gets_a_did_you_mean(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    env.chdir(_project(tmp_path, servers))
    result = mh("plan", "--target", "bb")
    assert result.code == 1
    assert "unknown target `bb`; known targets: a, b, ci, sandbox (did you mean `b`?)" in result.err


def test_targets_without_default_demand_target(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    env.chdir(_project(tmp_path, servers, default=None))
    env.setenv("MHSYNC_BASE_URL", b.url)
    result = mh("plan")
    assert result.code == 1
    assert "no target chosen: pass --target" in result.err
    assert a.requests() == [] and b.requests() == []


def test_validate_without_paths_or_project_file_scans_nothing(
    tmp_path: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    """A tree of unrelated YAML (here 400 files) is not walked; the refusal says why."""
    for index in range(400):
        folder = tmp_path / f"d{index % 20}"
        folder.mkdir(exist_ok=True)
        (folder / f"f{index}.yaml").write_text("apiVersion: mhsync/v1\nkind: Agent\n")
    env.chdir(tmp_path)
    started = time.perf_counter()
    result = mh("validate")
    assert time.perf_counter() - started < 2
    assert result.code == 1
    assert f"no mhsync.yaml found (searched from {tmp_path.resolve()} upward)" in result.err
    assert "Nothing was scanned" in result.err
    assert "error" not in result.out


def test_project_option_runs_against_a_project_from_anywhere(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    project = _project(tmp_path, servers)
    env.chdir(tmp_path)
    for args in (
        ("validate", "-C", str(project)),
        ("plan", "--project", str(project), "--target", "b"),
        ("drift", "-C", str(project), "--target", "b"),
    ):
        result = mh(*args)
        assert result.code in (0, 2), (args, result.text)
    assert b.requests() and a.requests() == []
    formatted = mh("fmt", "-C", str(project), "--check")
    assert "agents/front-desk.yaml" in formatted.out, formatted.text
    assert Path.cwd() == tmp_path


def test_quickstart_needs_no_env_file(tmp_path: Path, mh: Mh, env: pytest.MonkeyPatch) -> None:
    """install, apply on the sandbox, plan: no changes, with no secret variable set."""
    examples = tmp_path / "examples"
    shutil.copytree(REPO / "examples", examples)
    for name in EXAMPLE_SECRETS:
        env.delenv(name, raising=False)
    env.chdir(tmp_path)
    applied = mh("apply", "examples/agents", "--target", "sandbox", "--auto-approve")
    assert applied.code == 0, applied.text
    assert (
        "VOLVO_DMS_WEBHOOK_SECRET is not set; the sandbox was sent a throwaway value" in applied.err
    )
    planned = mh("plan", "examples/agents", "--target", "sandbox", "--detailed-exitcode")
    assert planned.code == 0, planned.text


def test_rollback_on_the_sandbox_needs_no_secret_either(
    tmp_path: Path, mh: Mh, env: pytest.MonkeyPatch
) -> None:
    """A rollback that re-creates a deleted webhook sends a throwaway secret on the sandbox."""
    write_manifests(tmp_path)
    env.chdir(tmp_path)
    env.delenv("HOOK_SECRET")
    assert mh("apply", "agents", "--auto-approve").code == 0
    manifest = tmp_path / "agents" / "front-desk.yaml"
    manifest.write_text(manifest.read_text().split("  webhooks:")[0] + "  webhooks: []\n")
    deleted = mh("apply", "agents", "--auto-approve")
    assert deleted.code == 0, deleted.text
    assert "Snapshot saved" in deleted.err, deleted.text
    snapshot = next((tmp_path / ".mhsync" / "snapshots").iterdir())
    rolled = mh("rollback", str(snapshot), "--auto-approve")
    assert rolled.code == 0, rolled.text
    assert "is not set; the sandbox was sent a throwaway value for it" in rolled.err, rolled.err
    assert rolled.first_line == f"Workspace: sandbox ({tmp_path.resolve()}/.mhsync/sandbox.db)"


def test_rollback_refuses_a_snapshot_from_another_url(
    tmp_path: Path, servers: tuple[Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    a, b = servers
    project = _project(tmp_path, servers)
    env.chdir(project)
    assert mh("apply", "--auto-approve").code == 0
    manifest = project / "agents" / "parts-desk.yaml"
    manifest.write_text(manifest.read_text().replace("Parts advisor", "Parts expert"))
    assert mh("apply", "--auto-approve").code == 0
    snapshot = next((project / ".mhsync" / "snapshots").iterdir())
    env.setenv("MHSYNC_BASE_URL", b.url)
    b.clear()
    refused = mh("rollback", str(snapshot), "--target", "a", "--auto-approve")
    assert refused.code == 1
    assert f"was taken from {a.url}, not a ({b.url})" in refused.err
    assert b.requests() == []
