"""The project lock: a second apply in the same project is refused; a killed one leaves none."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from mhsync.workflows.lock import project_lock

from .conftest import Project

HOLD = (
    "import sys, time; from pathlib import Path; from mhsync.workflows.lock import project_lock\n"
    "with project_lock(Path(sys.argv[1])):\n"
    "    print('held', flush=True); time.sleep(60)\n"
)


def test_apply_is_refused_while_another_holds_the_lock(project: Project, mh: Any) -> None:
    with project_lock(project.root):
        refused = mh("apply", "--auto-approve")
    assert refused.code == 1
    assert "another mhsync apply is running in this project" in refused.err
    assert f"pid {__import__('os').getpid()}" in refused.err
    assert [w for w in project.writes()] == []
    assert mh("apply", "--auto-approve").code == 0


def test_a_killed_holder_leaves_no_stale_lock(project: Project, mh: Any) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert mh("apply", "--auto-approve").code == 1
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    applied = mh("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert (project.root / ".mhsync" / "apply.lock").exists()
