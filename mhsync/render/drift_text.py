"""Drift for people: terminal text, Markdown (step summaries, issues) and GitHub annotations.

All three draw from one ``DriftReport``. Long prose that changed is shown once, word-diffed from
the git text to the workspace text (``[-git-]{+workspace+}``); added and deleted items list
their fields. Sensitive values are already the marker ``(sensitive value)`` in the report.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping

from mhsync.render.drift import Difference, DriftAgent, DriftKind, DriftReport
from mhsync.render.values import display, flatten, inline, is_long
from mhsync.render.worddiff import plain, word_diff

MARKERS = {
    DriftKind.CHANGED: "~",
    DriftKind.ADDED: "+",
    DriftKind.DELETED: "-",
    DriftKind.MOVED: "↕",
    DriftKind.MISSING: "!",
}
ANNOTATION_TITLE = "mhsync drift"
ANNOTATION_LINES = 20
"""Differences listed in one annotation; the rest are counted (the summary has them all)."""
NEXT_STEPS = (
    "`mhsync pull` writes these edits into the manifests; `mhsync apply` puts the manifests back."
)


def summary_line(report: DriftReport) -> str:
    if not report.drifted:
        return f"No drift: the workspace matches the manifests ({_agents(report.checked)} checked)."
    count, drifted = len(report.differences), len(report.agents)
    verb = "differs" if drifted == 1 else "differ"
    return (
        f"Drift: {_agents(drifted)} of {report.checked} {verb} from the manifests "
        f"({count} difference{'s' * (count != 1)})."
    )


def _agents(count: int) -> str:
    return f"{count} agent{'s' * (count != 1)}"


def agent_title(agent: DriftAgent) -> str:
    title = f"agent[{agent.handle}] {inline(agent.name)}"
    if agent.file:
        title += f" ({agent.file}" + (f":{agent.line})" if agent.line else ")")
    return title


# --- text ---------------------------------------------------------------------------------------


def render_drift_text(report: DriftReport) -> str:
    lines = [f"Target: {report.target}"]
    if report.selection:
        lines.append(f"Selection: {report.selection} (other agents not read)")
    lines += [f"Warning: {w}" for w in report.warnings]
    lines.append("")
    for agent in report.agents:
        lines.append(f"# {agent_title(agent)}")
        for difference in agent.differences:
            lines.append(f"  {MARKERS[difference.kind]} {difference.message}")
            lines += [f"      {text}" for text in detail_lines(difference)]
        lines.append("")
    lines.append(summary_line(report))
    if report.drifted:
        lines.append(NEXT_STEPS.replace("`", ""))
    return "\n".join(lines) + "\n"


def detail_lines(difference: Difference) -> list[str]:
    """What follows a difference: a word diff of long prose, the fields of an added item."""
    if difference.kind is DriftKind.CHANGED and (
        is_long(difference.git) or is_long(difference.workspace)
    ):
        if isinstance(difference.git, str) and isinstance(difference.workspace, str):
            diff = word_diff(difference.git, difference.workspace)
            return ["".join(plain(s) for s in line) for line in diff]
        return [f"git: {inline(difference.git)}", f"workspace: {inline(difference.workspace)}"]
    whole = difference.path is None and difference.kind in (DriftKind.ADDED, DriftKind.DELETED)
    value = difference.workspace if difference.kind is DriftKind.ADDED else difference.git
    if whole and isinstance(value, dict):
        return [f"{display(path)}: {inline(leaf)}" for path, leaf in flatten(value)]
    return []


# --- markdown -----------------------------------------------------------------------------------


def render_drift_markdown(report: DriftReport) -> str:
    """A report for ``$GITHUB_STEP_SUMMARY``, an issue or a pull request."""
    lines = [f"### mhsync drift on `{report.target}`", "", f"**{summary_line(report)}**", ""]
    if report.selection:
        lines += [f"Selection: `{report.selection}` (other agents not read)", ""]
    if report.drifted:
        lines += ["| agent | manifest | differences |", "| --- | --- | ---: |"]
        for agent in report.agents:
            where = f"`{agent.file}:{agent.line}`" if agent.file else ""
            lines.append(
                f"| `{agent.handle}` {_cell(agent.name)} | {where} | {len(agent.differences)} |"
            )
        lines.append("")
    lines += [f"> **Warning:** {_cell(w)}" for w in report.warnings]
    for agent in report.agents:
        lines += ["", f"#### `agent[{agent.handle}]` {_cell(agent.name)}", ""]
        for difference in agent.differences:
            lines.append(f"- {_cell(difference.message)}")
            lines += [f"  - `{_code(text)}`" for text in detail_lines(difference)]
    if report.drifted:
        lines += ["", NEXT_STEPS]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    return text.replace("`", "'")


# --- GitHub Actions -----------------------------------------------------------------------------


def github_annotations(report: DriftReport, *, base: str | None = None) -> list[str]:
    """One ``::error`` workflow command per drifted agent, at its manifest's line.

    ``base`` is the directory GitHub resolves ``file=`` against (``$GITHUB_WORKSPACE``); manifest
    paths, relative to the current directory, are made relative to it.
    """
    commands = []
    for agent in report.agents:
        properties: dict[str, str] = {}
        if agent.file:
            properties = {"file": _relative(agent.file, base), "line": str(agent.line or 1)}
        properties["title"] = ANNOTATION_TITLE
        shown = [d.message for d in agent.differences[:ANNOTATION_LINES]]
        hidden = len(agent.differences) - len(shown)
        if hidden:
            shown.append(f"... and {hidden} more (see the job summary)")
        message = "\n".join([f"agent[{agent.handle}] drifted in the workspace:", *shown])
        commands.append(_command("error", properties, message))
    return commands


def _command(name: str, properties: Mapping[str, str], message: str) -> str:
    props = ",".join(f"{k}={_escape_property(v)}" for k, v in properties.items())
    return f"::{name} {props}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(file: str, base: str | None) -> str:
    if not base:
        return file
    path = os.path.relpath(os.path.abspath(file), os.path.abspath(base))
    return file if path.startswith("..") else path.replace(os.sep, "/")
