"""Applying under injected faults until the workspace converges, checking after every run.

The policy measured and asserted (docs/benchmarks.md, "Faults"): apply runs with the faults on;
when it reports failures it is run again, faults still on, up to ``runs_with_faults`` times in
all; if the workspace has still not converged, one last run with the faults off must converge.
After every run, with or without faults: no agent and no item exists twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from mhsync.sandbox import FaultConfig, Sandbox
from tests.proof.conftest import check_converged, check_no_duplicates, mh


@dataclass
class Convergence:
    runs_with_faults: int = 0
    """Runs made with the faults on, the last of which converged (0: never converged so)."""
    clean_runs: int = 0
    codes: list[int] = field(default_factory=list)
    faults_hit: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


def apply_until_converged(
    root: Path,
    sandbox: Sandbox,
    base_url: str,
    faults: FaultConfig,
    *,
    runs_with_faults: int = 2,
    parallelism: int = 1,
) -> Convergence:
    """Apply under ``faults`` (re-running while it fails), then clean if needed; check each run."""
    outcome = Convergence()
    logged = len(sandbox.request_log())
    for run in range(runs_with_faults):
        sandbox.set_faults(replace(faults, seed=faults.seed * 100 + run))  # a new draw per run
        result = mh("apply", "--auto-approve", "--parallelism", str(parallelism))
        sandbox.set_faults(None)
        outcome.codes.append(result.code)
        assert result.code in (0, 1), result.text
        assert "Traceback" not in result.text, result.text
        check_no_duplicates(root, base_url)
        if result.code == 0 and mh("plan", "--detailed-exitcode").code == 0:
            outcome.runs_with_faults = len(outcome.codes)
            break
    else:
        result = mh("apply", "--auto-approve")
        outcome.clean_runs = 1
        outcome.codes.append(result.code)
        assert result.code == 0, result.text
    outcome.kinds = Counter(e.fault for e in sandbox.request_log()[logged:] if e.fault)
    outcome.faults_hit = sum(outcome.kinds.values())
    check_converged(root, base_url)
    return outcome
