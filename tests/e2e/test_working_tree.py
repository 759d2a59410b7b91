"""Tests never depend on state left in the working tree.

Running the README's quickstart leaves ``examples/.mhsync/`` (the sandbox database and, after a
second apply, snapshots) in the checkout; the projects the tests copy from ``examples/`` must not
carry it along, or a test's first apply would find snapshots it never took.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import tests.e2e.conftest as e2e
from tests.e2e.conftest import Project, Result
from tests.proof import conftest as proof

Mh = Callable[..., Result]


@pytest.fixture
def used_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for a checkout in which the quickstart has run: ``examples/.mhsync/`` exists."""
    checkout = tmp_path / "checkout"
    shutil.copytree(e2e.REPO / "examples", checkout / "examples", ignore=e2e.LOCAL_STATE)
    state = checkout / "examples" / ".mhsync"
    (state / "snapshots" / "20260101T000000Z-local").mkdir(parents=True)
    (state / "snapshots" / "20260101T000000Z-local" / "snapshot.json").write_text("{}")
    (state / "sandbox.db").write_bytes(b"not a database")
    # pytest may load a conftest under a second module name (``e2e.conftest`` beside
    # ``tests.e2e.conftest``): point every copy at the stand-in.
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) in (e2e.__file__, proof.__file__):
            monkeypatch.setattr(module, "REPO", checkout)
    return checkout


def test_the_e2e_project_leaves_the_checkouts_state_behind(
    used_checkout: Path, project: Project, mh: Mh
) -> None:
    assert (used_checkout / "examples" / ".mhsync").is_dir()
    assert not (project.root / ".mhsync").exists()
    first = mh("apply", "--auto-approve")
    assert first.code == 0, first.text
    assert "Snapshot saved" not in first.err


def test_the_proof_project_leaves_the_checkouts_state_behind(
    used_checkout: Path, tmp_path: Path
) -> None:
    root = proof.make_project(tmp_path / "proof-project", "http://127.0.0.1:9")
    assert (root / "agents").is_dir()
    assert not (root / ".mhsync").exists()
