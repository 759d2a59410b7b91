"""Where planned values live: changes to values a fragment wrote are marked with the fragment.

The desired side records, per agent, which values came from which fragment
(``AgentState.inherited``). As each agent is planned, each change (or each field of an update)
whose desired value is one of them is marked in ``AgentPlan.fragments``, so renderings can say
"from fragment X" and list every agent a fragment change touches. Nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from mhsync.fieldpath import FieldPath
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Change
from mhsync.sections import section
from mhsync.state import AgentState


def annotate_agent(agent: AgentPlan, state: AgentState) -> AgentPlan:
    """One agent's plan with ``fragments`` filled in (itself when it inherits nothing changed)."""
    marks = _marks(agent, state.inherited) if state.inherited else {}
    return agent.model_copy(update={"fragments": marks}) if marks else agent


def _marks(agent: AgentPlan, inherited: Mapping[str, str]) -> dict[str, str]:
    marks: dict[str, str] = {}
    for change in agent.changes:
        if change.action is Action.DELETE:
            continue
        if change.section == AGENT_SECTION:
            found = set(inherited.values())
            if found:
                marks[change.address] = ", ".join(sorted(found))
            continue
        descriptor = section(change.section)
        if descriptor.kind == "object":
            for field in change.fields:
                name = _under(inherited, field.path.under(change.section))
                if name is not None:
                    marks[f"{change.address}#{field.path}"] = name
            continue
        names = sorted(
            {
                name
                for key in _item_keys(change)
                if (name := inherited.get(f"{change.section}:{key}")) is not None
            }
        )
        if names:
            marks[change.address] = ", ".join(names)
    return marks


def _under(inherited: Mapping[str, str], path: FieldPath) -> str | None:
    """The fragment that wrote ``path`` or the mapping holding it."""
    parts = path.parts
    for end in range(len(parts), 1, -1):
        name = inherited.get(FieldPath.of(*parts[:end]))
        if name is not None:
            return name
    return None


def _item_keys(change: Change) -> Iterator[str]:
    """Identity values of the desired items a change writes (content for ordered sections)."""
    descriptor = section(change.section)
    if change.action is Action.REPLACE:
        after = change.after if isinstance(change.after, list) else []
    else:
        after = [change.after] if isinstance(change.after, dict) else []
    if change.key is not None and change.action is not Action.REPLACE:
        yield change.key
        return
    field = descriptor.identity or "content"
    for item in after:
        value = item.get(field) if isinstance(item, dict) else None
        if value is not None:
            yield str(value)
