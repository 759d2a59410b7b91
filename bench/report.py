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
    if "issue16" in results:
        parts = [parts[0], "", render_issue16(results["issue16"]), "", *parts[2:]]
    return "\n".join(parts)


def _verdict(met: bool | None) -> str:
    if met is None:
        return "unmeasured"
    return "met" if met else "MISSED"


def issue16_table(figures: dict[str, Any]) -> str:
    """One row per target of issue 16: measured, baseline, ratio, target, verdict."""
    plan, validate = figures["plan"], figures["validate"]
    scale, start = figures["scaling"], figures["start"]
    quick = figures["quick"]
    low, high = scale["exponent_measured_range"]
    rows: list[list[Any]] = [
        [
            f"plan, {plan['agents']} agents, 50 ms, P16 (whole command)",
            f"{plan['plan_s']} s",
            f"{plan['baseline_s']} s (stdlib client, {plan['requests']} GETs)",
            f"{plan['ratio']}x",
            f"<= {plan['target']}x",
            _verdict(None if quick else plan["met"]),
        ],
        [
            f"validate, {validate['agents']} agents ({validate['yaml_mib']} MiB)",
            f"{validate['validate_s']} s",
            f"{validate['pyyaml_c_s']} s (PyYAML CSafeLoader)",
            f"{validate['ratio']}x",
            f"<= {validate['target']}x",
            _verdict(None if quick else validate["met"]),
        ],
    ]
    for phase in ("plan", "validate"):
        rows.append(
            [
                f"{phase} growth, {low} to {high} agents (CPU ~ agents^k)",
                f"k = {scale['exponents'][phase]}",
                "k = 1 (linear)",
                "-",
                f"<= {scale['exponent_target']}",
                _verdict(
                    None
                    if scale["exponent_met"] is None
                    else scale["exponents"][phase] <= scale["exponent_target"]
                ),
            ]
        )
    rows.append(
        [
            "plan memory per agent at 2000 agents (peak RSS growth)",
            "-"
            if scale["memory_mib_per_agent"] is None
            else f"{scale['memory_mib_per_agent']} MiB",
            "-",
            "-",
            f"<= {scale['memory_target_mib']} MiB",
            _verdict(scale["memory_met"]),
        ]
    )
    for name in ("version", "help"):
        rows.append(
            [
                f"mhsync --{name}",
                f"{start[name]['s']} s",
                f"{start['python_c_pass_s']} s (python -c pass)",
                f"{start[name]['ratio']}x",
                f"<= {start['target']}x",
                _verdict(start[name]["met"]),
            ]
        )
    headers = ["target (issue 16)", "measured", "baseline, same run", "ratio", "target", "verdict"]
    return table(headers, rows)


def scaling_table(scale: dict[str, Any]) -> str:
    rows = [
        [
            r["agents"],
            r["validate"]["wall_s"],
            r["validate"]["cpu_s"],
            r["validate"]["rss_mib"],
            r["plan"]["wall_s"],
            r["plan"]["cpu_s"],
            r["plan"]["rss_mib"],
        ]
        for r in scale["rows"]
    ]
    headers = [
        "agents", "validate s", "validate CPU s", "validate peak MiB",
        "plan s (latency 0)", "plan CPU s", "plan peak MiB",
    ]  # fmt: skip
    return table(headers, rows)


def plan_breakdown(plan: dict[str, Any]) -> str:
    """Where the plan's time goes, from the three processes of the plan target."""
    rows = [
        ["mhsync plan (whole command)", plan["plan_s"], plan["plan_cpu_s"]],
        ["standard-library client, same GETs", plan["baseline_s"], plan["baseline_cpu_s"]],
    ]
    if "client_only_s" in plan:
        rows.append(
            [
                "mhsync's HTTP client alone, same GETs",
                plan["client_only_s"],
                plan["client_only_cpu_s"],
            ]
        )
    text = table(["process", "wall s", "CPU s"], rows)
    if "client_cpu_ms_per_request" in plan:
        text += (
            f"\nmhsync's client costs {plan['client_cpu_ms_per_request']} ms of CPU per request "
            "more than the standard-library client"
        )
    return text


def render_issue16(figures: dict[str, Any]) -> str:
    notes = []
    if figures["quick"]:
        notes.append(
            "quick run: plan and validate at 100 agents where the targets say 500, growth only "
            f"up to {figures['scaling']['exponent_measured_range'][1]} agents: those targets are "
            "unmeasured here (run without --quick)"
        )
    return "\n".join(
        [
            "Targets of issue 16 (each against its baseline, measured side by side in this run)",
            issue16_table(figures),
            *notes,
            "",
            f"Plan of {figures['plan']['agents']} agents: the processes side by side",
            plan_breakdown(figures["plan"]),
            "",
            "Scaling (whole processes; CPU and peak RSS of the mhsync process alone)",
            scaling_table(figures["scaling"]),
        ]
    )
