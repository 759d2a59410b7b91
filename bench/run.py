"""Run every benchmark, print the tables, write ``bench/results/latest.json``.

    python -m bench            # the full run (about ten minutes on a 2-core machine)
    python -m bench --quick    # a smaller matrix, for a smoke test (about a minute)
    python bench/run.py [--quick] [--save]

``--save`` also keeps the figures as ``bench/results/<date>.json`` (the committed copy that
docs/benchmarks.md quotes). Method and targets: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # ``python bench/run.py``: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import composition, edits, live, planner_cpu, targets
from bench.report import render, render_issue16

RESULTS = Path(__file__).resolve().parent / "results"


def profile(quick: bool) -> dict[str, Any]:
    if quick:
        return {
            "sizes": (10, 100),
            "latencies": (0.0, 50.0),
            "parallelisms": (1, 4, 16),
            "cell_cap_s": 8.0,
            "planner_sizes": (100, 250),
            "planner_repeat": 1,
        }
    return {
        "sizes": (10, 100, 500),
        "latencies": (0.0, 50.0),
        "parallelisms": (1, 4, 16),
        "cell_cap_s": 60.0,
        "planner_sizes": planner_cpu.SIZES,
        "planner_repeat": 5,
    }


def _meta(quick: bool, settings: dict[str, Any], seconds: float) -> dict[str, Any]:
    try:
        import _ruamel_yaml  # noqa: F401

        libyaml = True
    except ImportError:
        libyaml = False
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.date.today().isoformat(),
        "quick": quick,
        "commit": commit,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "libyaml": libyaml,
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()},
        "total_s": round(seconds, 1),
    }


def issue6_targets(matrix: list[dict[str, Any]], planner: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 6, met or not, with the figures it was judged on."""
    plans = [c for c in matrix if c["phase"] == "plan" and c["status"] == "measured"]
    at_16 = [c for c in plans if c["parallelism"] == 16 and c["latency_ms"] > 0]
    largest = max((c["agents"] for c in at_16), default=0)
    growth = planner.get("growth_exponent", {})
    return {
        "plan_requests_equal_minimum": all(c["requests"] == c["minimum_requests"] for c in plans),
        "plan_within_1_3x_bound_at_16": {
            str(c["agents"]): {
                "ratio": c["ratio"],
                "ratio_after_load": c["ratio_after_load"],
                "met_after_load": c["ratio_after_load"] <= 1.3,
            }
            for c in at_16
        },
        "plan_within_1_3x_bound_at_16_largest_n": next(
            (c["ratio_after_load"] <= 1.3 for c in at_16 if c["agents"] == largest), None
        ),
        "planner_1000x100_under_3s_cpu": planner.get("target_met"),
        "planner_linear_growth": all(k <= planner_cpu.LINEAR_EXPONENT for k in growth.values()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller matrix (about a minute)")
    parser.add_argument("--save", action="store_true", help="also write results/<date>.json")
    parser.add_argument(
        "--targets-only", action="store_true", help="only the targets of issue 16 (no matrix)"
    )
    parser.add_argument(
        "--work",
        type=Path,
        help="keep generated projects and seeded databases here, and reuse them (default: a "
        "temporary directory, deleted at the end)",
    )
    args = parser.parse_args(argv)
    settings = profile(args.quick)
    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="mhsync-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print("issue 16 targets, each beside its baseline ...", flush=True)
        issue16 = targets.run_all(work, args.quick)
        if args.targets_only:
            print(render_issue16(issue16))
            _write(
                {
                    "meta": _meta(args.quick, settings, time.perf_counter() - started),
                    "issue16": issue16,
                },
                args.save,
                "targets-",
            )
            return 0
        print("planner CPU and memory (no network) ...", flush=True)
        planner = planner_cpu.run(settings["planner_sizes"], settings["planner_repeat"])
        print("500 agents sharing fragments vs written out ...", flush=True)
        composed = composition.run(work / "composition", composition.AGENTS, repeat=2)
        print("apply of typical edits ...", flush=True)
        edit_figures = edits.run(work)
        print("plan and apply against the sandbox process ...", flush=True)
        cells = live.run_cells(
            work,
            settings["sizes"],
            settings["latencies"],
            settings["parallelisms"],
            settings["cell_cap_s"],
        )
        matrix = live.as_dicts(list(cells))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    results = {
        "meta": _meta(args.quick, settings, time.perf_counter() - started),
        "matrix": matrix,
        "edits": edit_figures,
        "planner": planner,
        "composition": composed,
        "issue16": issue16,
    }
    results["targets"] = issue6_targets(matrix, planner)
    results["targets"]["fragments_500_load_no_slower"] = composed["no_slower"]
    print(render(results))
    _write(results, args.save)
    return 0


def _write(results: dict[str, Any], save: bool, prefix: str = "") -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    (RESULTS / f"{prefix}latest.json").write_text(text, encoding="utf-8")
    if save:
        (RESULTS / f"{prefix}{results['meta']['date']}.json").write_text(text, encoding="utf-8")
    print(f"figures written to {RESULTS / (prefix + 'latest.json')}")


if __name__ == "__main__":
    sys.exit(main())
