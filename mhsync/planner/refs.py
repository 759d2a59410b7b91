"""The names an agent's sections refer to (``destination_agent``, step ``intent``).

A new agent's ``POST /agents`` may carry a section only if every name in it already has a uuid
at that moment, and an agent pointing at another new agent must wait for it (``depends_on``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mhsync.plan import Action, AgentPlan
from mhsync.planner.ignore import IgnoreRules
from mhsync.sections import Ref, SectionDescriptor, ref_section
from mhsync.state import AgentState


def section_refs(agent: AgentState, descriptor: SectionDescriptor) -> Iterator[tuple[Ref, str]]:
    """Every (ref, name) in one managed section of ``agent``."""
    if descriptor.kind == "object":
        values: list[Mapping[str, Any]] = [agent.objects.get(descriptor.key, {})]
    else:
        values = [item.fields for item in agent.collections.get(descriptor.key, [])]
    for ref in descriptor.refs:
        for fields in values:
            holders = fields.get(ref.within, []) if ref.within else [fields]
            for holder in holders if isinstance(holders, list) else []:
                # canonical items are dicts: the abstract Mapping test only for anything else
                is_mapping = holder.__class__ is dict or isinstance(holder, Mapping)
                name = holder.get(ref.name_field) if is_mapping else None
                if isinstance(name, str) and name:
                    yield ref, name


def agent_refs(agent: AgentState) -> set[str]:
    """Handles of other agents that ``agent``'s managed sections point to."""
    return {
        name
        for descriptor in agent.managed_sections()
        if descriptor.refs  # most sections name nothing: not walked at all
        for ref, name in section_refs(agent, descriptor)
        if ref.names_agent and name != agent.handle
    }


def resolvable_at_create(agent: AgentState, descriptor: SectionDescriptor) -> bool:
    """Can this section ride in the ``POST /agents`` body of ``agent``?

    Intent names resolve only once the agent's intents exist (after the agent), and the agent's
    own handle only once it is created; other agents are created first (``depends_on``).
    """
    return all(
        ref.names_agent and name != agent.handle for ref, name in section_refs(agent, descriptor)
    )


def dangling_after(agent_plan: AgentPlan, desired: AgentState, live: AgentState) -> list[str]:
    """Warnings for deletes that leave a section mhsync does not manage naming the deleted item.

    A managed section that names it is changed by the same plan; an unmanaged (or ignored) one
    is not, so the user must hear about it (the server keeps a step pointing at a gone intent).
    """
    deleted = {(c.section, c.key) for c in agent_plan.changes if c.action is Action.DELETE}
    if not deleted:
        return []
    ignore = IgnoreRules.parse(desired.ignore)
    managed = {d.key for d in desired.managed_sections() if not ignore.skips(d.key)}
    out = []
    for descriptor in live.managed_sections():
        if descriptor.key in managed:
            continue
        for ref, name in section_refs(live, descriptor):
            target = ref_section(ref)
            if target is not None and (target.key, name) in deleted:
                out.append(
                    f"agent[{desired.handle}]: {target.key} {name!r} is deleted but "
                    f"{descriptor.key} (not in the manifest) still names it"
                )
    return sorted(set(out))
