"""Small builders of canonical states for planner, renderer and golden tests (no HTTP).

Items and objects go through the manifest models, so both sides carry the documented defaults
exactly as the manifest loader (desired) and the server (live) would; desired secrets are written
as ``${env:NAME}`` and become markers plus references, as in real manifests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mhsync.convert import identity_of, item_from_manifest, object_from_manifest
from mhsync.sections import COLLECTIONS, OBJECTS, section
from mhsync.state import AgentState, Item, JSONDict, WorkspaceState, canonical_fields


def _dump(section_key: str, fields: Mapping[str, Any]) -> JSONDict:
    model = section(section_key).model
    dumped: JSONDict = model.model_validate(dict(fields)).model_dump(mode="json")
    return dumped


def want(section_key: str, **fields: Any) -> Item:
    """A desired item, as the manifest loader makes it."""
    return item_from_manifest(section(section_key), _dump(section_key, fields))


def have(section_key: str, uuid: str, position: int | None = None, **fields: Any) -> Item:
    """A live item, as the live reader makes it."""
    descriptor = section(section_key)
    data = _dump(section_key, fields)
    data.pop("previous_keys", None)
    clean = canonical_fields(descriptor, data)
    if descriptor.identity and descriptor.identity not in clean and descriptor.derive_identity:
        clean[descriptor.identity] = descriptor.derive_identity(clean)  # the server fills it
    return Item(key=identity_of(descriptor, clean), fields=clean, uuid=uuid, position=position)


def notes(section_key: str, texts: Sequence[str], *, prefix: str = "") -> list[Item]:
    """Positional items: live when ``prefix`` is given (uuid ``prefix-i``, order ``i``)."""
    if prefix:
        return [have(section_key, f"{prefix}-{i}", i, content=t) for i, t in enumerate(texts)]
    return [want(section_key, content=t) for t in texts]


def desired_agent(
    handle: str,
    name: str | None = None,
    *,
    core: Mapping[str, Any] | None = None,
    objects: Mapping[str, Mapping[str, Any]] | None = None,
    ignore: Sequence[str] = (),
    uuid: str | None = None,
    **collections: list[Item],
) -> AgentState:
    """A desired agent managing ``core``, the given objects and the given collections only."""
    secrets: dict[str, dict[str, str]] = {}
    made: dict[str, JSONDict] = {}
    for key, data in {"core": {"name": name or handle, **(core or {})}, **(objects or {})}.items():
        fields, found = object_from_manifest(section(key), _dump(key, data))
        made[key] = fields
        if found:
            secrets[key] = found
    return AgentState(
        handle=handle,
        uuid=uuid,
        objects=made,
        collections=dict(collections),
        ignore=tuple(ignore),
        secrets=secrets,
    )


def live_agent(
    handle: str,
    uuid: str,
    name: str | None = None,
    *,
    core: Mapping[str, Any] | None = None,
    objects: Mapping[str, Mapping[str, Any]] | None = None,
    protected: bool = False,
    **collections: list[Item],
) -> AgentState:
    """A live agent: every section present (empty unless given)."""
    data = {"core": {"name": name or handle, **(core or {})}, **(objects or {})}
    made = {
        d.key: canonical_fields(d, _dump(d.key, data[d.key])) if d.key in data else {}
        for d in OBJECTS
    }
    return AgentState(
        handle=handle,
        uuid=uuid,
        objects=made,
        collections={d.key: list(collections.get(d.key, [])) for d in COLLECTIONS},
        protected=protected,
    )


def workspace(*agents: AgentState) -> WorkspaceState:
    return WorkspaceState({a.handle: a for a in agents})


# --- JSON dumps of states (golden scenarios) -----------------------------------------------------


def state_from_json(data: Mapping[str, Any], *, side: str) -> WorkspaceState:
    """A state from a readable JSON dump; ``side`` is ``desired`` or ``live``.

    ``{"agents": {HANDLE: {"uuid", "objects": {"core": {...}, ...}, "collections": {KEY: [
    {"fields": {...}, "uuid": ..., "position": ...}]}, "ignore": [...]}}}``
    """
    agents = []
    for handle, raw in data["agents"].items():
        objects = dict(raw.get("objects", {}))
        core = dict(objects.pop("core", {}))
        name = core.pop("name", handle)
        collections: dict[str, list[Item]] = {}
        for key, items in raw.get("collections", {}).items():
            if side == "desired":
                collections[key] = [want(key, **i["fields"]) for i in items]
            else:
                collections[key] = [
                    have(key, i["uuid"], i.get("position"), **i["fields"]) for i in items
                ]
        if side == "desired":
            agents.append(
                desired_agent(
                    handle,
                    name,
                    core=core,
                    objects=objects,
                    ignore=raw.get("ignore", ()),
                    uuid=raw.get("uuid"),
                    **collections,
                )
            )
        else:
            agents.append(
                live_agent(
                    handle,
                    raw["uuid"],
                    name,
                    core=core,
                    objects=objects,
                    protected=raw.get("protected", False),
                    **collections,
                )
            )
    return workspace(*agents)


# --- reading plans in assertions ----------------------------------------------------------------


def call_lines(changes: Sequence[Any]) -> list[str]:
    """``METHOD path`` of every call, in plan order."""
    return [f"{c.method} {c.path}" for change in changes for c in change.calls]


def actions(changes: Sequence[Any]) -> list[tuple[str, str]]:
    """(action, address) of every change, in plan order."""
    return [(change.action.value, change.address) for change in changes]
