"""The live reading as it was before issue 16's one-pass conversion, kept as the reference.

Frozen copies of ``mhsync.convert``'s API -> canonical path (copy, prune, references, positions,
secrets, then ``canonical_fields``) and of ``mhsync.roundtrip``'s unknown-field walk, several
passes per item as they were. The property tests in ``test_reading_equivalence.py`` hold the
current code to these results; nothing in ``mhsync`` imports this module.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from mhsync.convert import (
    References,
    _check_identities,
    _object_raw,
    _section_list,
    identity_of,
)
from mhsync.roundtrip import EMBEDDED
from mhsync.sections import COLLECTIONS, CORE, OBJECTS, REFERENCED, SectionDescriptor
from mhsync.sections.introspect import field_models, is_open
from mhsync.state import (
    JSON_SCALARS,
    SECRET_SET,
    AgentState,
    Item,
    JSONDict,
    canonical_fields,
    get_path,
    is_empty,
    set_path,
)


def copy_json(value: Any) -> Any:
    if isinstance(value, JSON_SCALARS):
        return value
    if isinstance(value, Mapping):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def prune(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict | Mapping):
        return data
    inner_of = field_models(model)
    open_ended = is_open(model)
    out: JSONDict = {}
    for key, value in data.items():
        inner = inner_of.get(key)
        if inner is None:
            if open_ended or key in inner_of:
                out[key] = value
        elif isinstance(value, list):
            out[key] = [prune(inner, v) for v in value]
        else:
            out[key] = prune(inner, value)
    return out


def pruned_copy(model: type[BaseModel], data: Any, skip: Collection[str] = ()) -> Any:
    if not isinstance(data, dict | Mapping):
        return copy_json(data)
    inner_of = field_models(model)
    open_ended = is_open(model)
    out: JSONDict = {}
    for key, value in data.items():
        if key in skip:
            continue
        inner = inner_of.get(key)
        if inner is None:
            if open_ended or key in inner_of:
                out[key] = value if isinstance(value, JSON_SCALARS) else copy_json(value)
        elif isinstance(value, list):
            out[key] = [pruned_copy(inner, v) for v in value]
        else:
            out[key] = pruned_copy(inner, value)
    return out


def prunes_first(descriptor: SectionDescriptor) -> bool:
    fields = field_models(descriptor.model)
    for ref in descriptor.refs:
        level = fields
        if ref.within:
            inner = fields.get(ref.within)
            level = field_models(inner) if inner is not None else {}
        if ref.api_field not in level or ref.name_field not in level:
            return False
    for list_field, order_key in descriptor.ordered_lists.items():
        inner = fields.get(list_field)
        if inner is None or order_key not in field_models(inner):
            return False
    return True


def names_from_uuids(descriptor: SectionDescriptor, data: JSONDict, refs: References) -> None:
    for ref in descriptor.refs:
        targets = data.get(ref.within, []) if ref.within else [data]
        for target in targets if isinstance(targets, list) else []:
            uuid = target.get(ref.api_field)
            if not uuid:
                target.pop(ref.api_field, None)
                continue
            name = refs.name_for(ref.target, uuid)
            if name is not None:
                target[ref.name_field] = name
                del target[ref.api_field]


def order_of(element: Mapping[str, Any], order_key: str) -> float:
    value = element.get(order_key)
    return float(value) if isinstance(value, int | float) else float("inf")


def positions_from_order(descriptor: SectionDescriptor, data: JSONDict) -> None:
    for list_field, order_key in descriptor.ordered_lists.items():
        elements = data.get(list_field)
        if isinstance(elements, list):
            ranked = sorted(enumerate(elements), key=lambda p: (order_of(p[1], order_key), p[0]))
            data[list_field] = [{k: v for k, v in e.items() if k != order_key} for _, e in ranked]


def secrets_to_markers(
    descriptor: SectionDescriptor, raw: Mapping[str, Any], data: JSONDict
) -> None:
    for field_name, flag in descriptor.write_only.items():
        if raw.get(flag):
            data[field_name] = SECRET_SET
        else:
            data.pop(field_name, None)
    for path in descriptor.sensitive:
        if path not in descriptor.write_only and not is_empty(get_path(data, path)):
            set_path(data, path, SECRET_SET)


def fields_from_api(
    descriptor: SectionDescriptor, raw: Mapping[str, Any], refs: References
) -> JSONDict:
    model = descriptor.model
    if prunes_first(descriptor):
        data: JSONDict = pruned_copy(model, raw, skip=descriptor.read_only)
        names_from_uuids(descriptor, data, refs)
        positions_from_order(descriptor, data)
    else:
        known = None if is_open(model) else field_models(model)
        data = {
            k: copy_json(v)
            for k, v in raw.items()
            if k not in descriptor.read_only and (known is None or k in known)
        }
        names_from_uuids(descriptor, data, refs)
        positions_from_order(descriptor, data)
        data = prune(model, data)
    secrets_to_markers(descriptor, raw, data)
    return canonical_fields(descriptor, data)


def item_from_api(
    descriptor: SectionDescriptor, raw: Mapping[str, Any], refs: References
) -> Item | None:
    if descriptor.skip_flag and raw.get(descriptor.skip_flag):
        return None
    fields = fields_from_api(descriptor, raw, refs)
    position = raw.get(descriptor.order_field) if descriptor.order_field else None
    return Item(
        key=identity_of(descriptor, fields),
        fields=fields,
        uuid=str(raw.get(descriptor.uuid_field) or "") or None,
        position=position if isinstance(position, int) else None,
    )


def items_from_api(
    descriptor: SectionDescriptor, raw_items: list[Mapping[str, Any]], refs: References
) -> list[Item]:
    if descriptor.order_field:
        key = descriptor.order_field
        ranked = sorted(enumerate(raw_items), key=lambda p: (order_of(p[1], key), p[0]))
        raw_items = [item for _, item in ranked]
    items = [item_from_api(descriptor, raw, refs) for raw in raw_items]
    found = [i for i in items if i is not None]
    if descriptor.identity is not None:
        found.sort(key=lambda i: i.key)
    return found


def item_references(
    raw_agent: Mapping[str, Any], separate: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for descriptor in REFERENCED.values():
        if descriptor.embedded_as:
            raw_items = raw_agent.get(descriptor.embedded_as)
        else:
            raw_items = separate.get(descriptor.key)
        names = out[descriptor.key] = {}
        for raw in raw_items if isinstance(raw_items, list) else []:
            uuid = raw.get(descriptor.uuid_field) if isinstance(raw, Mapping) else None
            if uuid:
                names[str(uuid)] = identity_of(descriptor, dict(raw))
    return out


def agent_from_api(
    raw_agent: Mapping[str, Any],
    *,
    handle: str,
    agent_handles: Mapping[str, str],
    separate: Mapping[str, Sequence[Mapping[str, Any]]],
) -> AgentState:
    refs = References(agent_handles, item_references(raw_agent, separate))
    objects = {d.key: fields_from_api(d, _object_raw(raw_agent, d), refs) for d in OBJECTS}
    collections: dict[str, list[Item]] = {}
    for descriptor in COLLECTIONS:
        if descriptor.embedded_as:
            raw_items = _section_list(raw_agent, descriptor)
        else:
            raw_items = list(separate.get(descriptor.key, []))
        items = items_from_api(descriptor, list(raw_items), refs)
        _check_identities(raw_agent, descriptor, items)
        collections[descriptor.key] = items
    return AgentState(
        handle=handle,
        uuid=str(raw_agent.get("agent_uuid") or "") or None,
        objects=objects,
        collections=collections,
    )


# --- the unknown-field walk ---------------------------------------------------------------------


def server_owned(descriptor: SectionDescriptor) -> frozenset[str]:
    names = set(descriptor.read_only) | {descriptor.uuid_field}
    names |= set(descriptor.write_only.values())
    names |= set(descriptor.ordered_lists.values())
    names |= {ref.api_field for ref in descriptor.refs}
    names |= {n for n in (descriptor.skip_flag, descriptor.order_field) if n}
    return frozenset(names)


def unknown_agent_fields(raw_agent: Mapping[str, Any]) -> list[str]:
    core = {k: v for k, v in raw_agent.items() if k not in EMBEDDED}
    found = unknown_section_fields(CORE, core)
    for key, descriptor in EMBEDDED.items():
        found += unknown_section_fields(descriptor, raw_agent.get(key))
    return sorted(found)


def unknown_section_fields(descriptor: SectionDescriptor, raw: Any) -> list[str]:
    if descriptor.kind == "collection" and isinstance(raw, Mapping):
        raw = [raw]
    found = set(_unknown(descriptor.model, raw, "", server_owned(descriptor)))
    where = descriptor.embedded_as or (descriptor.key if descriptor.path else "")
    return sorted(
        f"{where}{p}" if p.startswith("[") or not where else f"{where}.{p}" for p in found
    )


def _unknown(model: type[BaseModel], data: Any, prefix: str, owned: frozenset[str]) -> list[str]:
    if isinstance(data, list):
        return [p for element in data for p in _unknown(model, element, f"{prefix}[]", owned)]
    if not isinstance(data, Mapping) or is_open(model):
        return []
    fields = field_models(model)
    found: list[str] = []
    for key, value in data.items():
        if key in owned:
            continue
        name = str(key)
        if name not in fields:
            found.append(f"{prefix}.{key}" if prefix else name)
            continue
        inner = fields[name]
        if inner is not None:
            found += _unknown(inner, value, f"{prefix}.{key}" if prefix else name, owned)
    return found
