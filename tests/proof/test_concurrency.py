"""Two ``mhsync apply --auto-approve`` processes of the same new manifests, started together.

Each run has its own project directory (a CI job and a laptop: the local lock does not see the
other), both talk to one sandbox server process with latency, so their plans both say "create"
and their creates overlap. Afterwards every agent must exist exactly once, both runs must
have exited 0, and a following plan must be empty. Before mhsync settled concurrent creations,
this duplicated every agent in nearly every trial.

Each trial renames the agents (``spec.name`` gets the trial number), so one server serves all
trials and earlier trials' agents are just unmanaged neighbours.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.proof.conftest import (
    environment,
    in_directory,
    inventory,
    make_project,
    mh,
    sandbox_process,
)

TRIALS = 10
LATENCY_MS = 40
NAMES = ("Volvo Parts Desk", "Volvo Service Line", "Nordstaden Chat Support")
SPEC_NAME = re.compile(r"^  name: (" + "|".join(NAMES) + r")( T[0-9]+)?$", re.MULTILINE)


def _rename(root: Path, trial: int) -> None:
    for file in (root / "agents").glob("*.yaml"):
        text = file.read_text(encoding="utf-8")
        file.write_text(SPEC_NAME.sub(rf"  name: \1 T{trial}", text), encoding="utf-8")


def _apply_together(roots: list[Path]) -> list[tuple[int, str]]:
    """Start one apply per root at the same moment; their exit codes and outputs."""
    env = {**os.environ, **environment()}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "mhsync", "apply", "--auto-approve"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for root in roots
    ]
    results = []
    for process in processes:
        try:
            out, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
            raise AssertionError(f"apply did not finish in 120 s:\n{out}") from None
        results.append((process.returncode, out))
    return results


@pytest.mark.timeout(600)
def test_two_overlapping_applies_leave_every_agent_once(tmp_path: Path, proof_env: None) -> None:
    started = time.monotonic()
    settled = 0
    with sandbox_process(tmp_path / "remote.db", latency_ms=LATENCY_MS) as server:
        roots = [make_project(tmp_path / name, server.base_url) for name in ("ci", "laptop")]
        for trial in range(TRIALS):
            for root in roots:
                _rename(root, trial)
            results = _apply_together(roots)
            for code, out in results:
                assert code == 0, out
                assert "Traceback" not in out, out
                settled += out.count("another run created")
            _, names = inventory(server.base_url)
            counts = {name: names[f"{name} T{trial}"] for name in NAMES}
            assert counts == dict.fromkeys(NAMES, 1), (trial, counts, results)
            with in_directory(roots[0]):  # same manifests in both: one plan says it
                plan = mh("plan", "--detailed-exitcode")
            assert plan.code == 0, (trial, plan.text, results)
    elapsed = time.monotonic() - started
    print(f"\n{TRIALS} trials in {elapsed:.1f} s; {settled} concurrent creations settled")
    assert settled > 0, "the runs never overlapped: the trials proved nothing"
    assert elapsed < 600
