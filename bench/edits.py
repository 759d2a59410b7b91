"""Requests made by ``apply`` for typical edits, against the cheapest possible sequence of calls.

Ten synthetic agents are applied to a fresh sandbox process; then one edit at a time is made to
one agent's manifest and applied. For each edit: the write calls the plan lists, the write
requests the sandbox received, every request of the apply (its reads included), and whether
the next plan is empty. Reads are the same for every apply (the agent list, then intents and
webhooks of each agent); writes are where a planner can waste requests.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.live import _configure, plan_minimum
from bench.server import sandbox_process
from bench.workload import manifest, set_bench_environment, write_manifest, write_project
from mhsync.workflows.apply import ApplyRequest, run_apply
from mhsync.workflows.plan import PlanRequest, make_plan
from mhsync.workspace import resolve_workspace

AGENTS = 10
Spec = dict[str, Any]


def _reword_guideline(spec: Spec) -> None:
    spec["guidelines"][3] = spec["guidelines"][3] + " Reworded."


def _reorder_notes(spec: Spec) -> None:
    spec["notes"] = [spec["notes"][-1], *spec["notes"][:-1]]


def _add_guard_rule(spec: Spec) -> None:
    spec["guard_rules"].append(
        {
            "name": "Lawyer",
            "when_condition": "A lawyer is mentioned.",
            "then_action": "end_conversation",
        }
    )


def _rename_procedure(spec: Spec) -> None:
    procedure = spec["procedures"][1]
    procedure["previous_keys"] = [procedure["name"]]
    procedure["name"] = procedure["name"] + " (renamed)"


def _move_webhook(spec: Spec) -> None:
    spec["webhooks"][0]["url"] = spec["webhooks"][0]["url"] + "-moved"


EDITS: tuple[tuple[str, Callable[[Spec], None], int, str], ...] = (
    ("change one guideline", _reword_guideline, 1, "PATCH the guideline"),
    ("reorder notes (last to first)", _reorder_notes, 1, "PUT the notes section"),
    ("add a guard rule", _add_guard_rule, 1, "POST the rule"),
    ("rename a procedure (previous_keys)", _rename_procedure, 1, "PATCH keeping its uuid"),
    ("change a webhook URL", _move_webhook, 2, "DELETE + POST (the URL is its identity)"),
)


@dataclass
class EditFigure:
    edit: str
    cheapest_writes: int
    cheapest: str
    planned_writes: int
    writes_sent: int
    apply_requests: int
    apply_reads: int
    minimum_reads: int
    converged: bool

    @property
    def met(self) -> bool:
        return self.writes_sent == self.cheapest_writes and self.converged


def run(work: Path) -> list[dict[str, Any]]:
    root = write_project(work / "edits-project", AGENTS)
    document = manifest(0)
    figures: list[dict[str, Any]] = []
    with sandbox_process(work / "edits.db") as server:
        _configure(root, server.base_url)
        set_bench_environment(server.token)
        _apply(root)
        for name, change, cheapest, how in EDITS:
            document = copy.deepcopy(document)
            change(document["spec"])
            write_manifest(root, document)
            planned = make_plan(resolve_workspace(cwd=root), PlanRequest()).plan
            planned_writes = sum(len(c.calls) for c in planned.changes)
            before = server.requests()
            _apply(root)
            sent = server.requests() - before
            converged = not make_plan(resolve_workspace(cwd=root), PlanRequest()).plan.changes
            figure = EditFigure(
                name,
                cheapest,
                how,
                planned_writes,
                sent.writes,
                sent.total,
                sent.reads,
                plan_minimum(AGENTS),
                converged,
            )
            figures.append({**asdict(figure), "met": figure.met})
    return figures


def _apply(root: Path) -> None:
    outcome = run_apply(
        resolve_workspace(cwd=root), ApplyRequest(), confirm=lambda _: True, on_event=None)
    if outcome.report is not None and not outcome.report.ok:
        raise RuntimeError(f"apply failed: {outcome.report.summary()}")
