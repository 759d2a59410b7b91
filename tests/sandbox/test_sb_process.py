"""Shared database files, and the sandbox as a separate server process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mhsync.sandbox import Sandbox

TOKEN = "proc-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _client(sb: Sandbox) -> httpx.Client:
    return httpx.Client(transport=sb.transport(), base_url="http://s/api/v1", headers=AUTH)


def test_two_sandboxes_on_one_file_share_state(tmp_path: Path) -> None:
    db = str(tmp_path / "nested" / "sandbox.db")
    with (
        Sandbox(db_path=db, tokens=[TOKEN]) as first,
        Sandbox(db_path=db, tokens=[TOKEN]) as second,
    ):
        agent = _client(first).post("/agents", json={"name": "shared"}).json()["data"]
        seen = _client(second).get(f"/agents/{agent['agent_uuid']}")
        assert seen.status_code == 200 and seen.json()["data"] == agent
        _client(second).post(
            f"/agents/{agent['agent_uuid']}/notes", json={"content": "from second"}
        ).raise_for_status()
        notes = _client(first).get(f"/agents/{agent['agent_uuid']}").json()["data"]["notes"]
        assert [note["content"] for note in notes] == ["from second"]
        assert len(first.request_log()) == len(second.request_log()) == 4


def test_concurrent_writers_on_one_file(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    with (
        Sandbox(db_path=db, tokens=[TOKEN]) as first,
        Sandbox(db_path=db, tokens=[TOKEN]) as second,
    ):
        agent = _client(first).post("/agents", json={"name": "a"}).json()["data"]
        path = f"/agents/{agent['agent_uuid']}/training"
        clients = [_client(first), _client(second)]

        def add(index: int) -> int:
            client = clients[index % 2]
            return client.post(path, json={"content": f"t{index}"}).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert set(pool.map(add, range(30))) == {201}
        training = clients[0].get(f"/agents/{agent['agent_uuid']}").json()["data"]["training"]
        assert len(training) == 30


def test_memory_sandboxes_are_private() -> None:
    with Sandbox(tokens=[TOKEN]) as first, Sandbox(tokens=[TOKEN]) as second:
        _client(first).post("/agents", json={"name": "a"}).raise_for_status()
        assert _client(second).get("/agents").json()["data"]["total"] == 0


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    db = str(tmp_path / ".mhsync" / "sandbox.db")
    process = subprocess.Popen(
        [sys.executable, "-m", "mhsync.sandbox", "--port", "0", "--db", db, "--token", TOKEN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        yield process, line, db
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_module_serves_over_http(server_process: tuple[subprocess.Popen[str], str, str]) -> None:
    process, line, db = server_process
    prefix = "Sandbox listening on "
    assert line.startswith(prefix), line
    base_url = line[len(prefix) :]
    assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
    assert not base_url.endswith(":0/api/v1")
    assert TOKEN not in line

    with httpx.Client(base_url=base_url, headers=AUTH, timeout=10) as client:
        created = client.post("/agents", json={"name": "over the wire"})
        assert created.status_code == 201
        assert client.get("/agents").json()["data"]["total"] == 1
    assert httpx.get(f"{base_url}/agents").json()["error"]["code"] == "MISSING_AUTH_TOKEN"

    with Sandbox(db_path=db, tokens=[TOKEN]) as reader:
        assert [entry.status for entry in reader.request_log()] == [201, 200, 401]
        assert _client(reader).get("/agents").json()["data"]["items"][0]["name"] == "over the wire"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert TOKEN not in process.stderr.read()


def test_module_requires_a_token(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MHSYNC_SANDBOX_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "mhsync.sandbox", "--port", "0", "--db", ":memory:"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert result.returncode == 2
    assert "token" in result.stderr


@pytest.mark.parametrize("existing_mode", [None, 0o644], ids=["new-file", "world-readable-file"])
def test_the_database_and_its_journals_are_private(
    tmp_path: Path, existing_mode: int | None
) -> None:
    """It holds webhook secrets: only its owner may read it (issue 12), also an older file."""
    db = tmp_path / "state" / "sandbox.db"
    if existing_mode is not None:
        with Sandbox(db_path=str(db), tokens=[TOKEN]):
            pass
        for path in db.parent.iterdir():
            path.chmod(existing_mode)
    old_umask = os.umask(0o022)
    try:
        with Sandbox(db_path=str(db), tokens=[TOKEN]) as sb:
            _client(sb).post("/agents", json={"name": "a"}).raise_for_status()
            files = sorted(db.parent.iterdir())
            assert db in files and len(files) >= 2  # the WAL journals exist while it is open
            modes = {path.name: oct(path.stat().st_mode & 0o777) for path in files}
    finally:
        os.umask(old_umask)
    assert set(modes.values()) == {oct(0o600)}, modes
