"""Plan and apply of N synthetic agents against the sandbox server in its own process.

For every (agents, latency, parallelism) cell: a fresh sandbox process with that latency on a
fresh database; ``apply`` creates the agents from nothing, then ``plan`` reads them back (no
changes). Both run through the same use-case functions the CLI calls (``run_apply``,
``make_plan``), in this process; requests are counted by the sandbox.

The lower bound of a phase is ``requests x latency / parallelism``: the time the requests
would take if every one of them overlapped perfectly. Wall time includes loading and
validating the manifests (``load_s``, measured on its own), which no network can hide; the
ratio is given for the whole phase and for the part after loading.

Cells whose lower bound exceeds ``cell_cap_s`` are not run (``skipped``); if the apply of a
cell is skipped, its plan still runs, on a database seeded by an earlier apply of the same N.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.server import RequestCount, SandboxProcess, sandbox_process
from bench.workload import set_bench_environment, write_project
from mhsync.workflows import apply as apply_workflow
from mhsync.workflows import plan as plan_workflow
from mhsync.workflows.apply import ApplyRequest, run_apply
from mhsync.workflows.plan import PlanRequest, make_plan
from mhsync.workspace import resolve_workspace

LIST_PAGE = 100
WRITES_PER_NEW_AGENT = 14
"""Measured: POST /agents, then each intent and webhook, then the procedures naming intents."""


def plan_minimum(agents: int) -> int:
    """Agent list pages of 100, plus one request each for intents and webhooks per agent."""
    return max(1, math.ceil(agents / LIST_PAGE)) + 2 * agents


@dataclass
class Cell:
    phase: str
    agents: int
    latency_ms: float
    parallelism: int
    status: str = "measured"
    wall_s: float | None = None
    load_s: float | None = None
    requests: int | None = None
    reads: int | None = None
    writes: int | None = None
    client_requests: int | None = None
    bound_s: float | None = None
    ratio: float | None = None
    ratio_after_load: float | None = None
    path_bound_s: float | None = None
    """Rounds of requests that cannot overlap x latency: agent-list page 1, then the other
    pages together, then the per-agent reads in rounds of ``parallelism``; for apply, its
    reads, then each agent's writes one after another, agents in rounds of ``parallelism``."""
    ratio_to_path: float | None = None
    minimum_requests: int | None = None
    changes: int | None = None
    note: str = ""


def _estimate(phase: str, agents: int, latency_ms: float, parallelism: int) -> float:
    requests = plan_minimum(agents) if phase == "plan" else agents * WRITES_PER_NEW_AGENT
    return requests * latency_ms / 1000 / min(parallelism, agents)


def _configure(root: Path, base_url: str) -> None:
    (root / "mhsync.yaml").write_text(
        "manifests: [agents]\ndefault_target: bench\ntargets:\n"
        f"  bench:\n    base_url: {base_url}\n    token_env: BENCH_API_TOKEN\n",
        encoding="utf-8",
    )


class _ConnectClock:
    """Notes when a use-case opens its connection: everything before is loading manifests.

    It wraps ``connect`` where the workflow modules look it up, for the duration of one
    measurement; mhsync itself is not changed for the benchmark.
    """

    def __init__(self) -> None:
        self.connected_at: float | None = None

    @contextmanager
    def timing(self) -> Iterator[None]:
        originals = {m: m.connect for m in (plan_workflow, apply_workflow)}

        @contextmanager
        def timed_connect(target: Any) -> Iterator[Any]:
            if self.connected_at is None:
                self.connected_at = time.perf_counter()
            with originals[plan_workflow](target) as connection:
                yield connection

        try:
            for module in originals:
                module.connect = timed_connect  # type: ignore[assignment]
            yield
        finally:
            for module, original in originals.items():
                module.connect = original  # type: ignore[assignment]


def _timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, seconds before the connection opened)."""
    clock = _ConnectClock()
    with clock.timing():
        started = time.perf_counter()
        result = call()
        ended = time.perf_counter()
    load = (clock.connected_at or started) - started
    return result, ended - started, load


def _finish(cell: Cell, wall: float, load: float, counted: RequestCount) -> Cell:
    cell.wall_s = round(wall, 3)
    cell.load_s = round(load, 3)
    cell.requests, cell.reads, cell.writes = counted.total, counted.reads, counted.writes
    if cell.latency_ms > 0:
        bound = counted.total * cell.latency_ms / 1000 / cell.parallelism
        cell.bound_s = round(bound, 3)
        cell.ratio = round(wall / bound, 2)
        cell.ratio_after_load = round((wall - load) / bound, 2)
        rounds = _rounds(cell, counted)
        cell.path_bound_s = round(rounds * cell.latency_ms / 1000, 3)
        cell.ratio_to_path = round((wall - load) / cell.path_bound_s, 2)
    return cell


def _rounds(cell: Cell, counted: RequestCount) -> int:
    if cell.phase == "plan":
        # Page 1 of the agent list, then pages 2..n together (when there are more), then the
        # per-agent reads in rounds of ``parallelism``.
        pages = 1 if cell.agents <= LIST_PAGE else 2
        return pages + math.ceil(2 * cell.agents / cell.parallelism)
    per_agent = math.ceil(counted.writes / cell.agents)
    return counted.reads + math.ceil(cell.agents / cell.parallelism) * per_agent


def _apply(root: Path, server: SandboxProcess, cell: Cell) -> Cell:
    before = server.requests()
    outcome, wall, load = _timed(
        lambda: run_apply(
            resolve_workspace(cwd=root),
            ApplyRequest(parallelism=cell.parallelism),
            confirm=lambda _: True,
            on_event=None,
        )
    )
    if outcome.report is None or not outcome.report.ok:
        raise RuntimeError(f"apply failed in {cell}: {outcome.report and outcome.report.summary()}")
    cell.client_requests = outcome.requests
    cell.changes = len(outcome.plan.changes)
    return _finish(cell, wall, load, server.requests() - before)


def _plan(root: Path, server: SandboxProcess, cell: Cell, repeat: int = 2) -> Cell:
    """Best of ``repeat`` plans (a plan changes nothing, so it can run again)."""
    runs = []
    for _ in range(repeat):
        before = server.requests()
        outcome, wall, load = _timed(
            lambda: make_plan(
                resolve_workspace(cwd=root), PlanRequest(parallelism=cell.parallelism)
            )
        )
        runs.append((wall, load, outcome, server.requests() - before))
    wall, load, outcome, counted = min(runs, key=lambda run: run[0])
    cell.client_requests = outcome.requests
    cell.changes = len(outcome.plan.changes)
    cell.minimum_requests = plan_minimum(cell.agents)
    if cell.changes:
        cell.note = "plan after apply is not empty"
    return _finish(cell, wall, load, counted)


def _seed(root: Path, work: Path, agents: int) -> Path:
    """A database holding the N agents, applied at latency 0 (for cells whose apply is skipped)."""
    seeded = work / f"seeded-{agents}.db"
    if not seeded.exists():
        db = work / f"seeding-{agents}.db"
        with sandbox_process(db) as server:
            _configure(root, server.base_url)
            set_bench_environment(server.token)
            _apply(root, server, Cell("apply", agents, 0, 16))
        shutil.copyfile(db, seeded)
    return seeded


def run_cells(
    work: Path,
    sizes: tuple[int, ...],
    latencies: tuple[float, ...],
    parallelisms: tuple[int, ...],
    cell_cap_s: float,
    log: Any = print,
) -> Iterator[Cell]:
    """Every cell of the matrix, measured or marked skipped, in a stable order."""
    for agents in sizes:
        root = work / f"project-{agents}"
        write_project(root, agents)
        for latency in latencies:
            for parallelism in parallelisms:
                yield from _run_cell(work, root, agents, latency, parallelism, cell_cap_s, log)


def _run_cell(
    work: Path,
    root: Path,
    agents: int,
    latency: float,
    parallelism: int,
    cap: float,
    log: Any,
) -> Iterator[Cell]:
    apply_cell = Cell("apply", agents, latency, parallelism)
    plan_cell = Cell("plan", agents, latency, parallelism)
    skip_apply = _estimate("apply", agents, latency, parallelism) > cap
    skip_plan = _estimate("plan", agents, latency, parallelism) > cap
    db = work / f"cell-{agents}-{latency:g}-{parallelism}.db"
    if skip_apply:
        apply_cell.status = "skipped"
        apply_cell.note = f"lower bound over {cap:g} s"
        if not skip_plan:
            shutil.copyfile(_seed(root, work, agents), db)
    if skip_apply and skip_plan:
        plan_cell.status = "skipped"
        plan_cell.note = apply_cell.note
        yield apply_cell
        yield plan_cell
        return
    log(f"  {agents} agents, {latency:g} ms, parallelism {parallelism} ...")
    with sandbox_process(db, latency_ms=latency) as server:
        _configure(root, server.base_url)
        set_bench_environment(server.token)
        yield apply_cell if skip_apply else _apply(root, server, apply_cell)
        if skip_plan:
            plan_cell.status = "skipped"
            plan_cell.note = f"lower bound over {cap:g} s"
            yield plan_cell
        else:
            yield _plan(root, server, plan_cell)
    for leftover in work.glob(f"{db.name}*"):
        leftover.unlink()


def as_dicts(cells: list[Cell]) -> list[dict[str, Any]]:
    return [asdict(c) for c in cells]
