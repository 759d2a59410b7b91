"""Ctrl-C in the middle of an apply names the snapshot that undoes what was done."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

import mhsync.workflows.apply as apply_workflow
from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]


def interrupt_execute(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt


def test_ctrl_c_during_apply_prints_the_snapshot_path(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mh("apply", "--auto-approve").code == 0
    service = project.root / "agents" / "volvo-service.yaml"
    text = service.read_text(encoding="utf-8")
    service.write_text(text.replace("  tone: Calm, friendly and precise\n", "  tone: Terse\n"))
    monkeypatch.setattr(apply_workflow, "execute", interrupt_execute)

    result = mh("apply", "--auto-approve")

    assert result.code == 130, result.text
    found = re.search(
        r"The live state before them is in (\S+) \(undo with: mhsync rollback \1\)", result.err
    )
    assert found, result.err
    snapshot = project.root / ".mhsync" / "snapshots"
    assert [p.name for p in snapshot.iterdir()] == [found.group(1).rsplit("/", 1)[-1]]
    assert "Aborted." not in result.err


def test_ctrl_c_during_apply_without_snapshot_says_run_again(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apply_workflow, "execute", interrupt_execute)
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 130
    assert "Interrupted: some changes may have been made; run apply again to converge." in (
        result.err
    )
