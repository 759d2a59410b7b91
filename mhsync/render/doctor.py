"""The report of ``mhsync doctor``: its checks, what the server did with the fields, and the
contract's ASSUMED facts as the workspace answered them.

Problems (changed, dropped, added) come first: each is a field where the workspace does not keep
what mhsync writes, i.e. a perpetual diff waiting for a user. Notes (defaulted, unknown) follow:
they cannot cause a diff, but they are where the API and mhsync's contract disagree. The contract
table closes the report: fact, CONTRACT's assumption, what this workspace did, where to change it.
``render_doctor_json`` is the same report as data (``mhsync doctor --json``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mhsync.planner.contract_facts import FactResult, FactStatus
from mhsync.render.values import inline
from mhsync.roundtrip import Finding, FindingKind, RoundTripReport

_WHAT = {
    FindingKind.CHANGED: "the server holds another value",
    FindingKind.DROPPED: "sent, not returned",
    FindingKind.ADDED: "returned, never sent",
    FindingKind.DEFAULTED: "not sent; the server filled it",
    FindingKind.UNKNOWN: "returned, not in mhsync's contract: ignored when reading",
}


def render_doctor(report: RoundTripReport) -> str:
    lines = [f"mhsync doctor: round trip on target {report.target!r} with agent {report.handle}"]
    if report.uuid:
        lines[0] += f" ({report.uuid})"
    lines.append("")
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        lines.append(f"  {mark}  {check.name}" + (f" ({check.detail})" if check.detail else ""))
    if report.problems:
        lines += ["", "Fields the workspace does not keep as written:"]
        lines += [f"  {line}" for f in report.problems for line in finding_lines(f)]
    if report.replan:
        lines += ["", "Plan after apply still shows:"]
        lines += [f"  {change}" for change in report.replan]
    if report.notes:
        lines += ["", "Notes (these do not fail the check):"]
        defaulted = [f for f in report.notes if f.kind is not FindingKind.UNKNOWN]
        lines += [f"  {line}" for f in defaulted for line in finding_lines(f)]
        lines += [f"  {line}" for line in unknown_lines(report.notes)]
    if report.facts:
        lines += ["", "Contract facts (CONTRACT.md's ASSUMED facts, as this workspace answered):"]
        lines += [f"  {line}" for line in facts_table(report.facts)]
    lines += ["", verdict(report)]
    if report.facts:
        lines.append(facts_verdict(report.facts))
    if report.kept and report.uuid:
        lines.append(f"The agent was kept (--keep): delete {report.handle} when done.")
    return "\n".join(lines) + "\n"


def finding_lines(finding: Finding) -> list[str]:
    """``changed  agent[h].core: topic: sent "a", returned "b"`` (one line, values inline)."""
    place = f"{finding.where}: {finding.path}" if finding.path else finding.where
    head = f"{finding.kind.value:<9} {place} ({_WHAT[finding.kind]})"
    if finding.kind is FindingKind.CHANGED:
        return [head, f"          sent {inline(finding.sent)}, returned {inline(finding.returned)}"]
    if finding.kind is FindingKind.DROPPED:
        return [head, f"          sent {inline(finding.sent)}"]
    if finding.kind in (FindingKind.ADDED, FindingKind.DEFAULTED):
        return [head, f"          returned {inline(finding.returned)}"]
    return [head]


def unknown_lines(findings: list[Finding]) -> list[str]:
    """Unknown fields, one line per path, with every place that returned it."""
    places: dict[str, list[str]] = {}
    for finding in findings:
        if finding.kind is FindingKind.UNKNOWN:
            places.setdefault(finding.path, []).append(finding.where)
    return [
        f"{FindingKind.UNKNOWN.value:<9} {path} ({_WHAT[FindingKind.UNKNOWN]})\n"
        f"            returned by: {', '.join(sorted(set(where)))}"
        for path, where in sorted(places.items())
    ]


FACT_COLUMNS = ("status", "fact", "CONTRACT assumes", "this workspace", "change in")


def facts_table(facts: Sequence[FactResult]) -> list[str]:
    """One aligned row per fact, under a header row."""
    rows = [FACT_COLUMNS] + [
        (r.status.value, r.fact.fact, r.fact.assumption, r.observed, r.fact.place) for r in facts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(FACT_COLUMNS) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    ]


def facts_verdict(facts: Sequence[FactResult]) -> str:
    counts = {status: sum(r.status is status for r in facts) for status in FactStatus}
    summary = ", ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    if counts[FactStatus.DIFFERS]:
        return (
            f"Contract NOT as assumed ({summary}): each fact that differs names the place in "
            "mhsync's code that holds the assumption."
        )
    return f"Contract as assumed ({summary})."


def verdict(report: RoundTripReport) -> str:
    if report.round_trip_ok:
        return "Round trip clean: the workspace keeps every field as mhsync writes it."
    failed = sum(not c.ok for c in report.checks)
    return (
        f"Round trip NOT clean: {failed} of {len(report.checks)} checks failed. Each finding "
        "above is a place where this workspace differs from mhsync's contract."
    )


def render_doctor_json(report: RoundTripReport) -> str:
    """The whole report as JSON (stable keys); values are canonical, so secrets are markers."""
    data: dict[str, Any] = {
        "target": report.target,
        "agent": report.handle,
        "uuid": report.uuid,
        "ok": report.ok,
        "kept": report.kept,
        "requests": report.requests,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
        "findings": [
            {
                "kind": f.kind.value,
                "where": f.where,
                "path": f.path,
                "sent": f.sent,
                "returned": f.returned,
            }
            for f in report.findings
        ],
        "replan": list(report.replan),
        "facts": [
            {
                "key": r.fact.key,
                "fact": r.fact.fact,
                "contract": r.fact.contract,
                "assumption": r.fact.assumption,
                "status": r.status.value,
                "observed": r.observed,
                "place": r.fact.place,
            }
            for r in report.facts
        ],
    }
    return json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
