"""``mhsync compare`` reports: text, Markdown and JSON, all drawn from one ``Comparison``.

Values are canonical (secrets are only ever the marker, so nothing here can print one); a whole
item or agent on one side only shows as ``(present)`` / ``(none)`` in text and Markdown, and
whole in JSON.
"""

from __future__ import annotations

import json
from typing import Any

from mhsync.planner.compare import AgentComparison, Comparison, Difference
from mhsync.render.values import inline

_WIDE = 80
EXPECTED = "expected"
UNEXPECTED = "UNEXPECTED"


def render_compare_text(comparison: Comparison) -> str:
    a, b = comparison.a, comparison.b
    lines = [f"Comparing {a} with {b} ({_mode(comparison)})", ""]
    for agent in comparison.agents:
        lines.append(f"# agent[{agent.handle}] {json.dumps(agent.name, ensure_ascii=False)}")
        for difference in agent.differences:
            marker, verdict = ("=", EXPECTED) if difference.expected else ("!", UNEXPECTED)
            lines.append(f"  {marker} {_place(difference)}  [{verdict}]")
            lines.append(f"      {a}: {_short(difference, difference.a)}")
            lines.append(f"      {b}: {_short(difference, difference.b)}")
        lines.append("")
    lines.append(_summary(comparison))
    return "\n".join(lines) + "\n"


def render_compare_markdown(comparison: Comparison) -> str:
    a, b = comparison.a, comparison.b
    lines = [f"### mhsync compare: `{a}` vs `{b}`", "", f"_{_mode(comparison)}_", ""]
    if comparison.agents:
        lines += [f"| agent | place | `{a}` | `{b}` | verdict |", "|---|---|---|---|---|"]
        for agent in comparison.agents:
            for difference in agent.differences:
                verdict = "expected" if difference.expected else "**unexpected**"
                cells = (_cell(difference, difference.a), _cell(difference, difference.b))
                lines.append(
                    f"| `{agent.handle}` | `{_place(difference)}` | {cells[0]} | {cells[1]} "
                    f"| {verdict} |"
                )
        lines.append("")
    lines.append(_summary(comparison))
    return "\n".join(lines) + "\n"


def render_compare_json(comparison: Comparison) -> str:
    data: dict[str, Any] = {
        "a": comparison.a,
        "b": comparison.b,
        "explained": comparison.explained,
        "agents": [_agent_json(agent) for agent in comparison.agents],
        "identical": list(comparison.identical),
        "summary": {
            "expected": comparison.expected,
            "unexpected": comparison.unexpected,
            "agents_differing": len(comparison.agents),
            "agents_identical": len(comparison.identical),
        },
        "warnings": list(comparison.warnings),
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _agent_json(agent: AgentComparison) -> dict[str, Any]:
    return {
        "handle": agent.handle,
        "name": agent.name,
        "in_a": agent.in_a,
        "in_b": agent.in_b,
        "differences": [
            {
                "address": d.address,
                "section": d.section,
                "path": d.path,
                "a": d.a,
                "b": d.b,
                "expected": d.expected,
            }
            for d in agent.differences
        ],
    }


def _mode(comparison: Comparison) -> str:
    if comparison.explained:
        return "differences the manifests explain are expected"
    return "raw: no manifests, every difference is unexpected"


def _place(difference: Difference) -> str:
    return difference.address + (f".{difference.path}" if difference.path else "")


def _short(difference: Difference, value: Any) -> str:
    if difference.path is None:
        return "(none)" if value is None else "(present)"
    shown = inline(value)
    return shown if len(shown) <= _WIDE else shown[: _WIDE - 3] + "..."


def _cell(difference: Difference, value: Any) -> str:
    return "`" + _short(difference, value).replace("|", "\\|").replace("`", "'") + "`"


def _summary(comparison: Comparison) -> str:
    verdict = "only expected differences" if not comparison.unexpected else "unexpected differences"
    return (
        f"Compare: {comparison.expected} expected, {comparison.unexpected} unexpected "
        f"difference(s) in {len(comparison.agents)} agent(s); {len(comparison.identical)} "
        f"identical ({verdict})."
    )
