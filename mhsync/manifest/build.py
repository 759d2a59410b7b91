"""Parsed agents turned into the desired ``WorkspaceState``: the same canonical form as live.

Manifest-side conventions are settled here so that a manifest and the live agent it describes
compare equal: items go through ``convert.item_from_manifest`` (defaults, set-like sorting,
derived intent keys, secrets kept as ``${env:NAME}`` references), identity-keyed sections are
sorted by key as the live reader sorts them, and a raw ``destination_agent_uuid`` that a manifest
pins becomes the handle, as the live reader would show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from operator import attrgetter

from mhsync.convert import item_from_manifest, object_from_manifest
from mhsync.fieldpath import FieldPath
from mhsync.manifest.fragments import ComposedDoc, inherited_values
from mhsync.manifest.parse import ParsedAgent
from mhsync.sections import CORE, SectionDescriptor, section
from mhsync.state import AgentState, Item, JSONDict, SourceLocation, WorkspaceState

Prebuilt = Callable[[ParsedAgent, Mapping[str, str]], AgentState | None]
"""A state already built for an agent, when it is the one building it against these pinned
uuids would give (``manifest.parallel``: a worker process built it); ``None``: build it here."""


_KEY = attrgetter("key")
"""An item's key (its identity), to sort a section by; in C, not a call per item."""


def build_workspace(
    agents: list[ParsedAgent], target: str | None = None, prebuilt: Prebuilt | None = None
) -> WorkspaceState:
    """The desired workspace from every agent that validated completely, pinned as ``target``
    reads ``metadata.uuid`` (a per-target mapping names one uuid per target)."""
    complete = [a for a in agents if a.complete and a.handle]
    pinned = {
        uuid: a.metadata.name
        for a in complete
        if a.metadata and (uuid := a.metadata.uuid_for(target))
    }
    workspace = WorkspaceState()
    for agent in complete:
        state = prebuilt(agent, pinned) if prebuilt is not None else None
        if state is None:
            state = build_agent(agent, pinned, target)
        workspace.agents.setdefault(state.handle, state)
    return workspace


def build_agent(
    agent: ParsedAgent, pinned: Mapping[str, str], target: str | None = None
) -> AgentState:
    """One desired agent; ``pinned`` maps uuids pinned by manifests to their handles."""
    assert agent.metadata is not None and agent.core is not None
    metadata = agent.metadata
    core, core_secrets = object_from_manifest(CORE, agent.core)
    objects: dict[str, JSONDict] = {CORE.key: core}
    secrets: dict[str, dict[FieldPath, str]] = {CORE.key: core_secrets} if core_secrets else {}
    for key, data in agent.objects.items():
        objects[key], found = object_from_manifest(section(key), data)
        if found:
            secrets[key] = found
    collections: dict[str, list[Item]] = {}
    positions: dict[str, list[tuple[int, str]]] = {}
    composed = isinstance(agent.doc, ComposedDoc)
    for key, parsed in agent.collections.items():
        descriptor = section(key)
        if pinned and any(ref.names_agent for ref in descriptor.refs):
            items = [
                item_from_manifest(descriptor, names_for_pinned(descriptor, p.data, pinned))
                for p in parsed
            ]
        else:  # nothing to rewrite: no manifest pins a uuid, or no field names an agent
            items = [item_from_manifest(descriptor, p.data) for p in parsed]
        if composed:  # where each item was in the merged list: only fragments write there
            positions[key] = [(p.index, item.key) for p, item in zip(parsed, items, strict=True)]
        if descriptor.identity is not None:
            items.sort(key=_KEY)
        collections[key] = items
    return AgentState(
        handle=metadata.name,
        uuid=metadata.uuid_for(target),
        objects=objects,
        collections=collections,
        protected=metadata.protected,
        labels=dict(metadata.labels),
        ignore=tuple(metadata.ignore),
        previous_names=tuple(metadata.previous_names),
        source=SourceLocation(agent.doc.file, agent.doc.value_mark(()).line),
        secrets=secrets,
        inherited=inherited_values(agent.doc, positions),
    )


def names_for_pinned(
    descriptor: SectionDescriptor, data: JSONDict, pinned: Mapping[str, str]
) -> JSONDict:
    """Agent references by uuid to a manifest agent, rewritten as references by handle."""
    for ref in descriptor.refs:
        if not ref.names_agent:
            continue
        holders = data.get(ref.within) if ref.within else [data]
        for holder in holders if isinstance(holders, list) else []:
            uuid = holder.get(ref.api_field)
            handle = None if uuid is None else pinned.get(str(uuid))  # no uuid: nothing to ask
            if handle is not None and holder.get(ref.name_field) is None:
                holder[ref.name_field] = handle
                holder[ref.api_field] = None
    return data
