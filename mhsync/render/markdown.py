"""The pull-request comment rendering: a summary table, then one folded block per agent.

GitHub refuses comments over 65,536 characters, so the comment is kept under ``limit`` by
folding the largest agent blocks first into a one-line note (the table still counts them), and
the comment says so. Inside ``diff`` fences GitHub highlights ``+`` lines as added, ``-`` as
removed and ``!`` (update, move, replace) as changed.
"""

from __future__ import annotations

import html
import re

from mhsync.plan import Plan
from mhsync.render.counts import summary_line
from mhsync.render.lines import AgentBlock, Line, agent_blocks
from mhsync.render.redact import redact
from mhsync.render.text import secrets_line
from mhsync.render.worddiff import plain

GITHUB_LIMIT = 65_000
_DIFF_MARKERS = {"+": "+", "-": "-", " ": " "}
"""Markers GitHub's diff highlighting knows; every other marker becomes ``!``."""
FOLDED_NOTE = (
    "> Some agents' details are folded to keep this comment short; "
    "run `mhsync plan` locally for the full plan."
)


def render_markdown(plan: Plan, *, limit: int = GITHUB_LIMIT) -> str:
    plan = redact(plan)
    head = _head(plan)
    blocks = agent_blocks(plan.agents)
    bodies = [_details(b, _diff(b)) for b in blocks]
    by_size = sorted(range(len(bodies)), key=lambda i: (-len(bodies[i]), i))
    folded = 0
    while len(_join(head, bodies, folded > 0)) > limit and folded < len(by_size):
        index = by_size[folded]
        bodies[index] = _details(blocks[index], _fold_note(blocks[index]))
        folded += 1
    hidden = 0
    while len(_join(head, bodies, folded > 0)) > limit and bodies:
        bodies.pop()
        hidden += 1
        bodies_note = f"_{hidden} more agents not shown; run `mhsync plan` locally._\n"
        if len(_join(head, [*bodies, bodies_note], True)) <= limit:
            bodies.append(bodies_note)
            break
    text = _join(head, bodies, folded > 0)
    return text if len(text) <= limit else text[: limit - 1].rsplit("\n", 1)[0] + "\n"


def _head(plan: Plan) -> str:
    lines = [f"### mhsync plan for `{plan.target}`", "", f"**{summary_line(plan)}**", ""]
    if plan.selection:
        lines += [f"Selection: `{plan.selection}` (other agents not read)", ""]
    rows = [a for a in plan.agents if a.changes]
    if rows:
        lines += ["| agent | create | update | delete |", "| --- | ---: | ---: | ---: |"]
        for agent in rows:
            s = agent.summary()
            name = _cell(agent.name)
            lines.append(f"| `{agent.handle}` {name} | {s.create} | {s.update} | {s.delete} |")
        lines.append("")
    for handle, paths in plan.ignored.items():
        lines.append(f"> Ignored on `agent[{handle}]`: " + ", ".join(f"`{p}`" for p in paths))
    lines += [f"> **Warning:** {_cell(w)}" for w in plan.warnings]
    for name, handles in plan.fragment_users().items():
        agents = ", ".join(f"`{h}`" for h in handles)
        lines.append(f"> Fragment `{name}` changes {len(handles)} agent(s): {agents}")
    needs = secrets_line(plan, quote="`")
    if needs is not None:
        lines.append(f"> **Note:** {needs[0].upper() + needs[1:]}.")
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "\\|")


def _diff(block: AgentBlock) -> str:
    lines = [_diff_line(line) for line in block.lines]
    fence = "`" * max(3, _longest_backtick_run(lines) + 1)
    return "\n".join([f"{fence}diff", *lines, fence])


def _diff_line(line: Line) -> str:
    marker = _DIFF_MARKERS.get(line.marker, "!")
    text = "".join(plain(s) for s in line.segments)
    return f"{marker} {'  ' * (line.indent - 1)}{text}".rstrip()


def _longest_backtick_run(lines: list[str]) -> int:
    return max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)


def _details(block: AgentBlock, body: str) -> str:
    count = len(block.agent.changes)
    summary = f"<code>{html.escape(block.title)}</code> ({count} change{'s' * (count != 1)})"
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>\n"


def _fold_note(block: AgentBlock) -> str:
    count = len(block.agent.changes)
    return f"_{count} changes not shown (too large); run `mhsync plan` locally._"


def _join(head: str, bodies: list[str], folded: bool) -> str:
    parts = [head, *([FOLDED_NOTE + "\n"] if folded else []), *bodies]
    return "\n".join(parts)
