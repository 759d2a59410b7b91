"""Addresses and HTTP calls of changes: the only place that chooses a change's method.

Paths come from ``mhsync.sections.api_paths`` (the one module that spells them). An agent
created earlier in the same apply has no uuid at plan time; its path segment is the placeholder
``{agent:HANDLE}`` the executor substitutes.
"""

from __future__ import annotations

import json

from mhsync.errors import PlanError
from mhsync.plan import Call, CallKind
from mhsync.sections import SectionDescriptor, api_paths


def agent_address(handle: str) -> str:
    return f"agent[{handle}]"


def section_address(handle: str, section_key: str) -> str:
    return f"{agent_address(handle)}.{section_key}"


def item_address(handle: str, descriptor: SectionDescriptor, key: str, index: int) -> str:
    """``agent[h].notes[2]`` for positional items, ``agent[h].guard_rules["Name"]`` otherwise."""
    if descriptor.positional:
        return f"{section_address(handle, descriptor.key)}[{index}]"
    return f"{section_address(handle, descriptor.key)}[{json.dumps(key, ensure_ascii=False)}]"


def agent_path(handle: str, uuid: str | None, *, new: bool) -> str:
    if new:
        return api_paths.new_agent_path(handle)
    if not uuid:
        raise PlanError(f"{agent_address(handle)}: the live agent has no uuid")
    return api_paths.agent_path(uuid)


def agent_create() -> Call:
    return Call(method="POST", path=api_paths.AGENTS, kind=CallKind.AGENT_CREATE)


def agent_update(base: str) -> Call:
    return Call(method="PATCH", path=base, kind=CallKind.AGENT_UPDATE)


def agent_delete(base: str) -> Call:
    return Call(method="DELETE", path=base, kind=CallKind.AGENT_DELETE)


def object_write(descriptor: SectionDescriptor, base: str) -> Call:
    """How an object section is written: merged into the agent, or put whole at its path."""
    if descriptor.replace == "patch_agent":
        return agent_update(base)
    return section_replace(descriptor, base)


def section_replace(descriptor: SectionDescriptor, base: str) -> Call:
    path = api_paths.section_path(base, descriptor)
    return Call(method="PUT", path=path, kind=CallKind.SECTION_REPLACE)


def item_create(descriptor: SectionDescriptor, base: str) -> Call:
    path = api_paths.section_path(base, descriptor)
    return Call(method="POST", path=path, kind=CallKind.ITEM_CREATE)


def item_update(descriptor: SectionDescriptor, base: str, uuid: str | None, address: str) -> Call:
    path = api_paths.item_path(base, descriptor, _uuid(uuid, address))
    return Call(method="PATCH", path=path, kind=CallKind.ITEM_UPDATE)


def item_delete(descriptor: SectionDescriptor, base: str, uuid: str | None, address: str) -> Call:
    path = api_paths.item_path(base, descriptor, _uuid(uuid, address))
    return Call(method="DELETE", path=path, kind=CallKind.ITEM_DELETE)


def _uuid(uuid: str | None, address: str) -> str:
    if not uuid:
        raise PlanError(f"{address}: the live item has no uuid")
    return uuid
