"""The benchmark figures as Markdown tables (printed, and pasted into docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    return "\n".join([line, rule, *body])


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def matrix_table(matrix: list[dict[str, Any]]) -> str:
    rows = []
    for c in matrix:
        if c["status"] != "measured":
            rows.append(
                [
                    c["phase"],
                    c["agents"],
                    c["latency_ms"],
                    c["parallelism"],
                    "skipped",
                    *[None] * 7,
                    c["note"],
                ]
            )
            continue
        rows.append(
            [
                c["phase"],
                c["agents"],
                c["latency_ms"],
                c["parallelism"],
                c["wall_s"],
                c["load_s"],
                f"{c['requests']} ({c['reads']} R / {c['writes']} W)",
                c["bound_s"],
                c["ratio"],
                c["ratio_after_load"],
                c["path_bound_s"],
                c["ratio_to_path"],
                c["note"],
            ]
        )
    headers = [
        "phase",
        "agents",
        "latency ms",
        "par.",
        "wall s",
        "load s",
        "requests",
        "bound s",
        "ratio",
        "ratio after load",
        "path s",
        "ratio to path",
        "note",
    ]
    return table(headers, rows)


def plan_requests_table(matrix: list[dict[str, Any]]) -> str:
    seen: dict[int, dict[str, Any]] = {}
    for c in matrix:
        if c["phase"] == "plan" and c["status"] == "measured":
            row = seen.setdefault(
                c["agents"], {"requests": set(), "minimum": c["minimum_requests"]}
            )
            row["requests"].add(c["requests"])
    rows = [
        [
            n,
            ", ".join(str(r) for r in sorted(v["requests"])),
            v["minimum"],
            v["requests"] == {v["minimum"]},
        ]
        for n, v in sorted(seen.items())
    ]
    return table(["agents", "plan requests (every cell)", "minimum", "equal"], rows)


def edits_table(figures: list[dict[str, Any]]) -> str:
    rows = [
        [
            f["edit"],
            f["cheapest_writes"],
            f["planned_writes"],
            f["writes_sent"],
            f"{f['apply_requests']} ({f['apply_reads']} R)",
            f["converged"],
            f["met"],
        ]
        for f in figures
    ]
    headers = [
        "edit",
        "cheapest",
        "planned",
        "writes sent",
        "apply requests",
        "then no changes",
        "met",
    ]
    return table(headers, rows)


def planner_table(planner: dict[str, Any]) -> str:
    rows = [
        [
            f["agents"],
            f["items_per_agent"],
            f["scenario"],
            f["changes"],
            f["cpu_s"],
            f["cpu_per_agent_ms"],
            f["peak_mib"],
        ]
        for f in planner["figures"]
    ]
    headers = ["agents", "items", "scenario", "changes", "CPU s", "CPU ms/agent", "peak MiB"]
    return table(headers, rows)


def render(results: dict[str, Any]) -> str:
    meta = results["meta"]
    parts = [
        f"mhsync benchmarks {meta['date']} ({'quick' if meta['quick'] else 'full'} run, "
        f"{meta['cpus']} CPUs, Python {meta['python']}, libyaml {meta['libyaml']}, "
        f"{meta['total_s']} s)",
        "",
        "Plan and apply against the sandbox process",
        matrix_table(results["matrix"]),
        "",
        "Requests made by plan",
        plan_requests_table(results["matrix"]),
        "",
        "Writes made by apply for typical edits",
        edits_table(results["edits"]),
        "",
        "Planner alone (no network)",
        planner_table(results["planner"]),
        f"growth: CPU ~ agents^k, k = {results['planner']['growth_exponent']} (1.0 is linear)",
        "",
        "Loading 500 agents: sharing one fragment vs written out",
        *(
            [
                f"  CPU: written out {results['composition']['expanded_cpu_s']} s, "
                f"sharing {results['composition']['shared_cpu_s']} s, "
                f"ratio {results['composition']['ratio']}"
            ]
            if "composition" in results
            else []
        ),
        "",
        "Targets",
        *(f"  {name}: {value}" for name, value in results["targets"].items()),
    ]
    return "\n".join(parts)
