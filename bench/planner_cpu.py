"""Planner CPU time and peak memory with no network: ``plan(desired, live)`` alone.

States are built directly (``bench.workload.planner_states``), so the figure is the planner's
own cost: matching, comparing, costing and ordering, plus the fingerprint of every live agent.
CPU time is ``time.process_time`` of one call (best of ``repeat``, so a stray scheduler hiccup
does not count); peak memory is measured in a separate call under ``tracemalloc`` (which slows
Python down, so it never shares a run with the timing).
"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from dataclasses import asdict, dataclass
from typing import Any

from bench.workload import planner_states
from mhsync.planner import plan

SIZES = (250, 500, 1000)
ITEMS = 100
CPU_TARGET_S = 3.0
"""Planning 1,000 agents x 100 items must take under 3 s of CPU (issue 6)."""
LINEAR_EXPONENT = 1.15
"""Growth counts as linear when CPU ~ agents^k with k at most this."""


@dataclass
class PlannerFigure:
    agents: int
    items_per_agent: int
    scenario: str
    changes: int
    cpu_s: float
    cpu_per_agent_ms: float
    peak_mib: float


def measure(agents: int, items: int, *, edited: bool, repeat: int = 3) -> PlannerFigure:
    desired, live = planner_states(agents, items, edited=edited)
    best = float("inf")
    changes = 0
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        made = plan(desired, live, target="bench")
        best = min(best, time.process_time() - started)
        changes = len(made.changes)
        del made
    gc.collect()
    tracemalloc.start()
    made = plan(desired, live, target="bench")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del made
    return PlannerFigure(
        agents=agents,
        items_per_agent=items,
        scenario="2 edits per agent" if edited else "no changes",
        changes=changes,
        cpu_s=round(best, 3),
        cpu_per_agent_ms=round(best / agents * 1000, 3),
        peak_mib=round(peak / 2**20, 1),
    )


def run(sizes: tuple[int, ...] = SIZES, repeat: int = 3) -> dict[str, Any]:
    figures = [
        measure(n, ITEMS, edited=edited, repeat=repeat) for edited in (False, True) for n in sizes
    ]
    largest = [f for f in figures if f.agents == max(sizes)]
    return {
        "figures": [asdict(f) for f in figures],
        "target_cpu_s": CPU_TARGET_S,
        # Unmeasured (None) when the run did not reach 1,000 agents (``--quick``).
        "target_met": None
        if max(sizes) < 1000
        else all(f.cpu_s < CPU_TARGET_S for f in largest),
        "growth_exponent": _growth(figures),
    }


def _growth(figures: list[PlannerFigure]) -> dict[str, float]:
    """Exponent k of CPU ~ agents^k per scenario, by least squares on logs (1.0 = linear).

    A fit over every size is steadier than a ratio of two noisy points on a shared machine.
    """
    out: dict[str, float] = {}
    for scenario in sorted({f.scenario for f in figures}):
        rows = [(math.log(f.agents), math.log(f.cpu_s)) for f in figures if f.scenario == scenario]
        if len(rows) < 2:
            continue
        mean_x = sum(x for x, _ in rows) / len(rows)
        mean_y = sum(y for _, y in rows) / len(rows)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in rows) / sum(
            (x - mean_x) ** 2 for x, _ in rows
        )
        out[scenario] = round(slope, 2)
    return out
