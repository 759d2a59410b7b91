"""End-to-end fixtures: the CLI in-process, the sandbox over a real socket.

``mh(...)`` runs one mhsync command exactly as the console script does (same error mapping and
exit codes) and returns what it printed. The project is a copy of ``examples/`` whose
``mhsync.yaml`` gains a ``local`` target pointing at a sandbox served on 127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mhsync.cli.main import run
from mhsync.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-E2E-MARKER-7f3a"
SECRETS = {
    "VOLVO_DMS_WEBHOOK_SECRET": "sec-DMS-MARKER-1",
    "VOLVO_CRM_WEBHOOK_SECRET": "sec-CRM-MARKER-2",
    "VOLVO_BOOKING_API_TOKEN": "sec-BOOK-MARKER-3",
    "SUPPORT_WEBHOOK_SECRET": "sec-SUP-MARKER-4",
}
MARKERS = (TOKEN, *SECRETS.values())
# What running the quickstart in the checkout leaves in ``examples/`` (the sandbox database,
# snapshots): never part of a test's project.
LOCAL_STATE = shutil.ignore_patterns(".mhsync", "*.db", "*.db-wal", "*.db-shm")


def copy_examples(root: Path) -> Path:
    """``examples/`` copied to ``root`` without the checkout's local state."""
    shutil.copytree(REPO / "examples", root, ignore=LOCAL_STATE)
    return root


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass
class Project:
    root: Path
    sandbox: Sandbox
    base_url: str

    def writes(self) -> list[tuple[str, str]]:
        """Write requests the sandbox received, as (method, path below /api/v1)."""
        return [
            (e.method, e.path.removeprefix("/api/v1"))
            for e in self.sandbox.request_log()
            if e.method != "GET"
        ]


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MHSYNC_E2E_TOKEN", TOKEN)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets_env: None
) -> Iterator[Project]:
    root = tmp_path / "project"
    copy_examples(root)
    sandbox = Sandbox(db_path=str(tmp_path / "remote.db"), tokens=[TOKEN])
    with sandbox.serve_in_thread() as base_url:
        yaml = YAML()
        config_file = root / "mhsync.yaml"
        config = yaml.load(config_file.read_text(encoding="utf-8"))
        config["targets"]["local"] = {
            "base_url": base_url,
            "token_env": "MHSYNC_E2E_TOKEN",
            "vars": dict(config["targets"]["sandbox"]["vars"]),
        }
        config["default_target"] = "local"
        with config_file.open("w", encoding="utf-8") as handle:
            yaml.dump(config, handle)
        monkeypatch.chdir(root)
        yield Project(root, sandbox, base_url)
    sandbox.close()


@pytest.fixture
def mh(capsys: pytest.CaptureFixture[str]) -> Iterator[object]:
    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(int(code), captured.out, captured.err)

    yield invoke
