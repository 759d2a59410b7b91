"""``mhsync apply`` killed with SIGKILL after k requests, then re-run until converged.

The apply runs as its own process (``python -m mhsync apply --auto-approve``) against the
sandbox in another process; they share nothing but HTTP. The test watches the sandbox's request
log (a table in its SQLite file) and kills the apply as soon as k requests have been answered,
so the kill lands anywhere: between two changes, inside a request the server is still
processing (it commits, the answer goes nowhere), while a snapshot is being written. Then
apply runs again, in-process, until the workspace converges: every desired agent and item
exactly once, and the next plan empty.

Fast (always on): 5 kill points. Slow (``-m slow``): after every request of four scenarios
(examples created, random manifests created, the same edited, a larger workspace edited), 50
points or more.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.proof import generate
from tests.proof.conftest import (
    check_converged,
    check_no_duplicates,
    environment,
    in_directory,
    make_project,
    mh,
    sandbox_process,
    write_manifests,
)

LATENCY_MS = 10
"""Server latency, so that a kill lands within a request or two of the chosen point."""


@dataclass(frozen=True)
class Scenario:
    name: str
    before: list[dict[str, Any]] | None
    """Manifests applied (and converged) before the killed apply; None: start empty."""
    after: list[dict[str, Any]] | None
    """Manifests of the killed apply; None: the examples."""


RANDOM = generate.workspace(5, agents=3)
LARGER = generate.workspace(11, agents=4)
SCENARIOS = {
    "examples": Scenario("examples", None, None),
    "random": Scenario("random", None, RANDOM),
    "edit": Scenario("edit", RANDOM, generate.edit(RANDOM, 5)),
    "larger-edit": Scenario("larger-edit", LARGER, generate.edit(LARGER, 11)),
}


def _prepare(root: Path, base_url: str, scenario: Scenario) -> None:
    make_project(root, base_url, scenario.before)
    if scenario.before is not None:
        with in_directory(root):
            assert mh("apply", "--auto-approve").code == 0
    if scenario.after is not None:
        write_manifests(root, scenario.after)


def _kill_after(root: Path, server: Any, k: int) -> tuple[bool, int]:
    """Start apply; SIGKILL it once the server has answered ``k`` more requests.

    Returns (killed, requests the server had answered when it was killed).
    """
    start = server.requests()
    process = subprocess.Popen(
        [sys.executable, "-m", "mhsync", "apply", "--auto-approve"],
        cwd=root,
        env={**os.environ, **environment()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = server.requests() - start
        if done >= k:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True, done
        if process.poll() is not None:
            return False, done
        time.sleep(0.002)
    process.kill()
    raise AssertionError("apply did not reach the kill point in 60 s")


def _total_requests(tmp_path: Path, scenario: Scenario) -> int:
    """Requests an uninterrupted apply of the scenario makes."""
    with sandbox_process(tmp_path / "calibrate.db") as server:
        root = tmp_path / "calibrate"
        _prepare(root, server.base_url, scenario)
        start = server.requests()
        with in_directory(root):
            assert mh("apply", "--auto-approve").code == 0
        return server.requests() - start


def _kill_and_recover(tmp_path: Path, scenario: Scenario, k: int) -> tuple[bool, int]:
    """One kill point; returns (killed, apply runs needed afterwards)."""
    with sandbox_process(tmp_path / f"{scenario.name}-{k}.db", latency_ms=LATENCY_MS) as server:
        root = tmp_path / f"{scenario.name}-{k}"
        _prepare(root, server.base_url, scenario)
        killed, _ = _kill_after(root, server, k)
        with in_directory(root):
            check_no_duplicates(root, server.base_url)
            runs = 0
            while True:
                runs += 1
                result = mh("apply", "--auto-approve")
                assert "Traceback" not in result.text, result.text
                check_no_duplicates(root, server.base_url)
                if result.code == 0:
                    break
                assert runs < 3, result.text
            check_converged(root, server.base_url)
    return killed, runs


@pytest.mark.parametrize(
    ("scenario", "k"),
    [("examples", 2), ("examples", 9), ("random", 5), ("edit", 3), ("edit", 7)],
    ids=lambda v: str(v),
)
def test_killed_apply_converges_on_rerun(
    tmp_path: Path, proof_env: None, scenario: str, k: int
) -> None:
    killed, runs = _kill_and_recover(tmp_path, SCENARIOS[scenario], k)
    assert killed
    assert runs == 1


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_kill_at_every_request(tmp_path: Path, proof_env: None) -> None:
    points = 0
    reruns: dict[str, list[int]] = {}
    for name, scenario in SCENARIOS.items():
        total = _total_requests(tmp_path / f"cal-{name}", scenario)
        for k in range(1, total):
            killed, runs = _kill_and_recover(tmp_path / f"{name}-{k}", scenario, k)
            points += killed
            reruns.setdefault(name, []).append(runs)
            assert runs == 1, (name, k)
    print(f"\nkill points: {points}; re-runs needed per scenario: {reruns}")
    assert points >= 50
