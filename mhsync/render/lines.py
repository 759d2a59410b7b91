"""A plan as display lines: the one layout that the text and markdown renderers both draw.

Per agent a title, then per change a header line (marker and address) and its detail lines:
the fields a create or delete carries, the field changes of an update (long prose word-diffed),
or for a whole-section replace the items before and after, diffed as a list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Change, FieldChange
from mhsync.render.values import Path, block, display, flatten, inline, is_long, under
from mhsync.render.worddiff import Segment, word_diff

MARKERS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE: "-",
    Action.MOVE: "↕",
    Action.REPLACE: "±",
}
UNCHANGED = " "
LEGEND = {"+": "create", "~": "update", "-": "delete", "↕": "move", "±": "replace section"}

_VERB: dict[Action | None, str] = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be deleted",
}


@dataclass(frozen=True)
class Line:
    """``indent`` 1 is a change, 2 its details, 3 a detail's continuation."""

    marker: str
    indent: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass(frozen=True)
class AgentBlock:
    agent: AgentPlan
    title: str
    lines: tuple[Line, ...]


def agent_blocks(agents: Iterable[AgentPlan]) -> list[AgentBlock]:
    """One block per agent that has changes, in plan order."""
    return [
        AgentBlock(agent, agent_title(agent), tuple(_agent_lines(agent)))
        for agent in agents
        if agent.changes
    ]


def agent_title(agent: AgentPlan) -> str:
    verb = _VERB.get(agent.action, "is unchanged")
    title = f"agent[{agent.handle}] {json.dumps(agent.name, ensure_ascii=False)} {verb}"
    if agent.depends_on:
        title += " (after " + ", ".join(f"agent[{h}]" for h in agent.depends_on) + ")"
    return title


def used_markers(blocks: Iterable[AgentBlock]) -> list[str]:
    seen = {line.marker for b in blocks for line in b.lines if line.indent == 1}
    return [m for m in LEGEND if m in seen]


def _agent_lines(agent: AgentPlan) -> list[Line]:
    return [line for change in agent.changes for line in change_lines(change, agent.fragments)]


def fragment_note(names: str | None) -> str:
    """How a rendering says where an inherited value lives."""
    if not names:
        return ""
    return f" (from fragment{'s' if ', ' in names else ''} {names})"


def change_lines(change: Change, fragments: Mapping[str, str] | None = None) -> list[Line]:
    """``fragments``: the agent's ``AgentPlan.fragments``, for "from fragment X" notes."""
    marks = fragments or {}
    marker = MARKERS[change.action]
    header = change.address + _suffix(change) + fragment_note(marks.get(change.address))
    lines = [_line(marker, 1, header)]
    sensitive = [path.parts for path in change.sensitive]
    if change.action is Action.CREATE:
        lines += _leaves("+", change.after, sensitive)
    elif change.action is Action.DELETE and change.section != AGENT_SECTION:
        lines += _leaves("-", change.before, sensitive)
    elif change.action is Action.UPDATE:
        for field in change.fields:
            found = _field_lines(field, under(field.path.parts, sensitive))
            note = fragment_note(marks.get(f"{change.address}#{field.path}"))
            if note and found:
                first = found[0]
                found[0] = Line(first.marker, first.indent, (*first.segments, Segment(note)))
            lines += found
    elif change.action is Action.REPLACE:
        lines += _replace_lines(change.before or [], change.after or [], sensitive)
    return lines


def _suffix(change: Change) -> str:
    if change.action is Action.DELETE and change.section == AGENT_SECTION and change.uuid:
        return f" ({change.uuid})"
    if change.action is Action.REPLACE:
        count = (len(change.before or []), len(change.after or []))
        return f" (whole section in one request: {count[0]} -> {count[1]} items, new uuids)"
    moved = change.position is not None and change.previous_position != change.position
    if change.action is Action.MOVE or (moved and change.action is Action.UPDATE):
        old = "unset" if change.previous_position is None else change.previous_position
        return f" (position {old} -> {change.position})"
    return ""


def _line(marker: str, indent: int, text: str, style: str | None = None) -> Line:
    return Line(marker, indent, (Segment(text, style),))


def _leaves(marker: str, value: object, sensitive: list[Path]) -> list[Line]:
    lines: list[Line] = []
    for path, leaf in flatten(value):
        lines += _value_lines(marker, display(path), leaf, under(path, sensitive))
    return lines


def _value_lines(marker: str, label: str, value: object, sensitive: bool) -> list[Line]:
    if sensitive or not is_long(value):
        return [_line(marker, 2, f"{label}: {inline(value, sensitive=sensitive)}")]
    return [_line(marker, 2, f"{label}:")] + [_line(marker, 3, text) for text in block(value)]


RESENT = "secret re-sent"
"""How a secret sent again unchanged-as-far-as-anyone-can-tell is shown (``--resend-secrets``)."""


def _field_lines(field: FieldChange, sensitive: bool) -> list[Line]:
    old, new = field.before, field.after
    if sensitive and old == new:  # the marker on both sides: sent again (rotation)
        return [_line("~", 2, f"{field.path}: {RESENT}")]
    if old is None:
        return _value_lines("+", field.path, new, sensitive)
    if new is None:
        return _value_lines("-", field.path, old, sensitive)
    if sensitive or not (is_long(old) or is_long(new)):
        shown = (inline(old, sensitive=sensitive), inline(new, sensitive=sensitive))
        return [_line("~", 2, f"{field.path}: {shown[0]} -> {shown[1]}")]
    if isinstance(old, str) and isinstance(new, str):
        words = word_diff(old, new)
        return [_line("~", 2, f"{field.path}:")] + [Line("~", 3, tuple(s)) for s in words]
    return (
        [_line("~", 2, f"{field.path}:")]
        + [_line("-", 3, text) for text in block(old)]
        + [_line("+", 3, text) for text in block(new)]
    )


def _replace_lines(before: list[object], after: list[object], sensitive: list[Path]) -> list[Line]:
    """The section as it will read, item by item, then the items that go.

    An item also found before is unchanged (``(was [i])`` when it moves, marked ``↕``); a new
    one is ``+``; an item that no longer appears is listed last with ``-``.
    """
    old = [_item_summary(item, i, sensitive) for i, item in enumerate(before)]
    new = [_item_summary(item, i, sensitive) for i, item in enumerate(after)]
    free = list(range(len(old)))
    lines: list[Line] = []
    for j, text in enumerate(new):
        i = next((i for i in free if old[i] == text), None)
        if i is None:
            lines.append(_line("+", 2, f"[{j}] {text}"))
            continue
        free.remove(i)
        if i == j:
            lines.append(_line(UNCHANGED, 2, f"[{j}] {text}", "muted"))
        else:
            lines.append(_line(MARKERS[Action.MOVE], 2, f"[{j}] {text} (was [{i}])"))
    return lines + [_line("-", 2, f"[{i}] {old[i]}") for i in free]


def _item_summary(item: object, index: int, sensitive: list[Path]) -> str:
    """One item on one line: its content for text items, else its fields as compact JSON."""
    if isinstance(item, dict) and set(item) == {"content"}:
        return inline(item["content"])
    own = [p[1:] for p in sensitive if p and p[0] == str(index)]
    leaves = {display(path): inline(v, sensitive=under(path, own)) for path, v in flatten(item)}
    return "{" + ", ".join(f"{k}: {v}" for k, v in leaves.items()) + "}"
