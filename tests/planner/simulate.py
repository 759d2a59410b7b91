"""A tiny in-memory server: applies a plan's changes to a live state, as the executor would.

It follows the plan <-> executor contract of docs/ARCHITECTURE.md (bodies from ``after``,
``fields``, ``position``) and checks what a real server would refuse or silently get wrong:
paths that do not name the agent or item, a capped section over its limit, a name that does not
exist yet when it is written, and a delete of something another section still names.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from mhsync.convert import identity_of
from mhsync.plan import CallKind, Change, Plan
from mhsync.sections import COLLECTIONS, SECTIONS, SectionDescriptor, section
from mhsync.state import AgentState, Item, JSONDict, WorkspaceState, clean, set_path


class Server:
    def __init__(self, live: WorkspaceState, desired: WorkspaceState | None = None) -> None:
        self.state = copy.deepcopy(live)
        self.desired = desired
        self.ids = itertools.count()
        self.created: set[str] = set()

    def apply(self, plan: Plan) -> WorkspaceState:
        for agent_plan in plan.agents:
            for change in agent_plan.changes:
                self.apply_change(change)
        return WorkspaceState({h: canonical(a) for h, a in sorted(self.state.agents.items())})

    # --- dispatch ---------------------------------------------------------------------------

    def apply_change(self, change: Change) -> None:
        assert len(change.calls) == 1, change.address
        call = change.calls[0]
        if call.kind is CallKind.AGENT_CREATE:
            self._create_agent(change)
            return
        agent = self.state.agents[change.agent]
        assert call.path.startswith(self._base(agent)), (call.path, change.address)
        if call.kind is CallKind.AGENT_DELETE:
            del self.state.agents[change.agent]
        elif call.kind is CallKind.AGENT_UPDATE:
            target = agent.objects.setdefault(change.section, {})
            for field in change.fields:
                if field.after is None:
                    _remove(target, field.path)
                else:
                    set_path(target, field.path, copy.deepcopy(field.after))
            agent.objects[change.section] = clean(target)
            self._check_refs(agent, section(change.section), [agent.objects[change.section]])
        elif call.kind is CallKind.SECTION_REPLACE:
            descriptor = section(change.section)
            if descriptor.kind == "object":
                agent.objects[descriptor.key] = copy.deepcopy(change.after)
            else:
                agent.collections[descriptor.key] = [
                    self._new_item(descriptor, f, i if descriptor.positional else None)
                    for i, f in enumerate(change.after)
                ]
            self._check_written(agent, descriptor, change.after)
        else:
            self._item_call(agent, change, call.kind, call.path)

    def _item_call(self, agent: AgentState, change: Change, kind: CallKind, path: str) -> None:
        descriptor = section(change.section)
        items = agent.collections.setdefault(descriptor.key, [])
        if kind is CallKind.ITEM_CREATE:
            assert path.endswith(descriptor.path)
            items.append(self._new_item(descriptor, change.after, change.position))
            self._check_written(agent, descriptor, [change.after])
            return
        assert path.endswith(f"{descriptor.path}/{change.uuid}"), path
        index = next(i for i, item in enumerate(items) if item.uuid == change.uuid)
        if kind is CallKind.ITEM_DELETE:
            gone = items.pop(index)
            if all(item.key != gone.key for item in items):  # a live duplicate may remain
                self._check_not_named(agent, descriptor, gone.key)
            return
        assert kind is CallKind.ITEM_UPDATE
        old = items[index]
        fields = copy.deepcopy(old.fields)
        sent = {f.path.split(".")[0] for f in change.fields}
        sent |= descriptor.whole_on_patch | descriptor.patch_requires
        for name in sent:
            if name in change.after:
                fields[name] = copy.deepcopy(change.after[name])
            else:
                fields.pop(name, None)
        position = change.position if change.position is not None else old.position
        items[index] = Item(
            identity_of(descriptor, fields), clean(fields), old.uuid, position=position
        )
        self._check_written(agent, descriptor, [change.after])

    # --- agents -----------------------------------------------------------------------------

    def _create_agent(self, change: Change) -> None:
        handle = change.agent
        assert handle not in self.state.agents, handle
        after: Mapping[str, Any] = change.after
        objects = {d.key: {} for d in SECTIONS if d.kind == "object"}
        objects.update({k: copy.deepcopy(v) for k, v in after.items() if k in objects})
        agent = AgentState(handle, f"new-{handle}", objects, {d.key: [] for d in COLLECTIONS})
        for descriptor in COLLECTIONS:
            for index, fields in enumerate(after.get(descriptor.key, [])):
                position = index if descriptor.positional else None
                agent.collections[descriptor.key].append(
                    self._new_item(descriptor, fields, position)
                )
        self.state.agents[handle] = agent
        self.created.add(handle)
        for descriptor in SECTIONS:
            if descriptor.key in after:
                value = after[descriptor.key]
                self._check_written(
                    agent, descriptor, value if isinstance(value, list) else [value]
                )

    def _base(self, agent: AgentState) -> str:
        if agent.handle in self.created:
            return f"/agents/{{agent:{agent.handle}}}"
        return f"/agents/{agent.uuid}"

    def _new_item(
        self, descriptor: SectionDescriptor, fields: JSONDict, position: int | None
    ) -> Item:
        data = clean(copy.deepcopy(fields))
        return Item(identity_of(descriptor, data), data, f"s-{next(self.ids)}", position=position)

    # --- what a server would refuse ---------------------------------------------------------

    def _check_written(self, agent: AgentState, descriptor: SectionDescriptor, values: Any) -> None:
        if descriptor.limit is not None:
            assert len(agent.collections.get(descriptor.key, [])) <= descriptor.limit
        self._check_refs(agent, descriptor, values)

    def _check_refs(self, agent: AgentState, descriptor: SectionDescriptor, values: Any) -> None:
        for ref, name in _names(descriptor, values):
            if ref.names_agent:
                assert name in self.state.agents, f"{agent.handle}: agent {name} does not exist"
            else:
                keys = {i.key for i in agent.collections.get(ref.target, [])}
                assert name in keys, f"{agent.handle}: {ref.target} {name} does not exist yet"

    def _check_not_named(self, agent: AgentState, gone: SectionDescriptor, key: str) -> None:
        """Only sections the manifest manages: others are the user's to fix (a plan warning)."""
        wanted = self.desired.agents.get(agent.handle) if self.desired else None
        for descriptor in COLLECTIONS:
            if wanted is None or descriptor.key not in wanted.collections:
                continue
            for ref, name in _names(
                descriptor, [i.fields for i in agent.collections[descriptor.key]]
            ):
                if ref.target == gone.key:
                    assert name != key, f"{agent.handle}: {key} deleted while still named"


def _names(descriptor: SectionDescriptor, values: Any) -> Iterator[tuple[Any, str]]:
    for ref in descriptor.refs:
        for fields in values:
            holders = fields.get(ref.within, []) if ref.within else [fields]
            for holder in holders:
                name = holder.get(ref.name_field)
                if name:
                    yield ref, name


def _remove(data: JSONDict, dotted: str) -> None:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def canonical(agent: AgentState) -> AgentState:
    """What the live reader would return: server order for positional lists, keys otherwise."""
    collections: dict[str, list[Item]] = {}
    for key, items in agent.collections.items():
        if section(key).positional:
            ranked = sorted(
                enumerate(items),
                key=lambda p: (p[1].position if p[1].position is not None else float("inf"), p[0]),
            )
            collections[key] = [item for _, item in ranked]
        else:
            collections[key] = sorted(items, key=lambda i: i.key)
    return AgentState(agent.handle, agent.uuid, agent.objects, collections)


def apply_plan(
    plan: Plan, live: WorkspaceState, desired: WorkspaceState | None = None
) -> WorkspaceState:
    return Server(live, desired).apply(plan)
