"""Golden scenarios: a manifest state, a live state, and the plan they make, as text and JSON.

Each ``NNN-name/`` directory reads as documentation: ``desired.json`` (what the manifests say),
``live.json`` (what the workspace holds), optional ``options.json`` (prune, protected,
max_deletes), ``expected.txt`` (``mhsync plan`` without colour) and ``expected.json`` (the plan
file). ``MHSYNC_UPDATE_GOLDENS=1 pytest tests/golden`` rewrites the expected files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from planner.factories import state_from_json

from mhsync.plan import Plan
from mhsync.planner import PlanOptions, plan
from mhsync.render import render_json, render_text

HERE = Path(__file__).parent
SCENARIOS = sorted(p for p in HERE.iterdir() if p.is_dir() and p.name[:3].isdigit())
UPDATE = os.environ.get("MHSYNC_UPDATE_GOLDENS") == "1"


def _load(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def make_plan(scenario: Path) -> Plan:
    options_file = scenario / "options.json"
    raw = _load(options_file) if options_file.exists() else {}
    options = PlanOptions(
        prune=bool(raw.get("prune", False)),
        max_deletes=raw.get("max_deletes"),  # type: ignore[arg-type]
        protected=frozenset(raw.get("protected", ())),  # type: ignore[call-overload]
    )
    return plan(
        state_from_json(_load(scenario / "desired.json"), side="desired"),
        state_from_json(_load(scenario / "live.json"), side="live"),
        target="production",
        options=options,
    )


def _check(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} missing; run with MHSYNC_UPDATE_GOLDENS=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_plan_text(scenario: Path) -> None:
    _check(scenario / "expected.txt", render_text(make_plan(scenario), color=False))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_plan_json(scenario: Path) -> None:
    made = make_plan(scenario)
    _check(scenario / "expected.json", render_json(made))
    assert Plan.from_json((scenario / "expected.json").read_text(encoding="utf-8")) == made


def test_there_are_enough_scenarios_to_read() -> None:
    assert len(SCENARIOS) >= 6
