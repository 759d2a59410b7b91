"""The terminal rendering of a plan, Terraform-like.

Markers: ``+`` create, ``~`` update, ``-`` delete, ``↕`` move, ``±`` whole-section replace.
Without colour, word diffs read ``[-removed-]{+added+}``; with colour they are red and green.
"""

from __future__ import annotations

import io

from mhsync.plan import Plan
from mhsync.render.counts import summary_line
from mhsync.render.lines import LEGEND, AgentBlock, Line, agent_blocks, used_markers
from mhsync.render.redact import redact
from mhsync.render.worddiff import ADDED, REMOVED, Segment, plain

_MARKER_STYLES = {"+": "green", "-": "red", "~": "yellow", "↕": "cyan", "±": "magenta", " ": "dim"}
_STYLES = {
    "header": "bold",
    "muted": "dim",
    "warning": "yellow",
    REMOVED: "red strike",
    ADDED: "green bold",
}


def render_text(plan: Plan, *, color: bool) -> str:
    lines = text_lines(redact(plan))
    return _ansi(lines) if color else "\n".join(_plain(s) for s in lines) + "\n"


def secrets_line(plan: Plan, quote: str = "") -> str | None:
    """``apply will need X, Y``: the secret variables apply will send (names, never values)."""
    if not plan.secrets_needed:
        return None
    names = ", ".join(f"{quote}{name}{quote}" for name in plan.secrets_needed)
    where = (
        "unset ones get throwaway values on the sandbox"
        if plan.workspace is not None and plan.workspace.sandbox_state
        else "set them in the environment of apply; plan itself needs no secret values"
    )
    return f"apply will need {names} ({where})"


def text_lines(plan: Plan) -> list[list[Segment]]:
    """Every output line as segments: header, ignored paths, warnings, agents, summary."""
    out: list[list[Segment]] = [[Segment(f"Target: {plan.target}", "header")]]
    if plan.selection:
        out.append([Segment(f"Selection: {plan.selection} (other agents not read)", "header")])
    if plan.ignored:
        out.append([Segment("Ignored paths (not compared on existing agents):", "muted")])
        for handle, paths in plan.ignored.items():
            out.append([Segment(f"  agent[{handle}]: {', '.join(paths)}", "muted")])
    out += [[Segment(f"Warning: {w}", "warning")] for w in plan.warnings]
    for name, handles in plan.fragment_users().items():
        agents = ", ".join(f"agent[{h}]" for h in handles)
        out.append([Segment(f"Fragment {name} changes {len(handles)} agent(s): {agents}", "muted")])
    blocks = agent_blocks(plan.agents)
    if blocks:
        legend = "  ".join(f"{m} {LEGEND[m]}" for m in used_markers(blocks))
        out += [[], [Segment(f"Symbols: {legend}", "muted")]]
    for block in blocks:
        out += _block(block)
    out += [[], [Segment(summary_line(plan), "header")]]
    needs = secrets_line(plan)
    if needs is not None:
        out.append([Segment(needs[0].upper() + needs[1:] + ".", "warning")])
    return out


def _block(block: AgentBlock) -> list[list[Segment]]:
    out: list[list[Segment]] = [[], [Segment(f"# {block.title}", "header")]]
    return out + [_with_marker(line) for line in block.lines]


def _with_marker(line: Line) -> list[Segment]:
    indent = "  " + "    " * (line.indent - 1)
    marker = Segment(line.marker, f"marker:{line.marker}")
    return [Segment(indent), marker, Segment(" "), *line.segments]


def _plain(segments: list[Segment]) -> str:
    return "".join(plain(s) for s in segments).rstrip()


def _ansi(lines: list[list[Segment]]) -> str:
    # rich only for colours: a plan printed to a pipe or in CI never imports it (0.1 s)
    from rich.console import Console
    from rich.text import Text

    text = Text(no_wrap=True)
    for segments in lines:
        for segment in segments:
            text.append(segment.text, style=_style(segment.style))
        text.append("\n")
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        no_color=False,
        soft_wrap=True,
        highlight=False,
        emoji=False,
        markup=False,
        width=10_000,
    )
    console.print(text, end="")
    return buffer.getvalue()


def _style(name: str | None) -> str:
    if name is None:
        return ""
    if name.startswith("marker:"):
        return _MARKER_STYLES.get(name.removeprefix("marker:"), "")
    return _STYLES.get(name, "")
