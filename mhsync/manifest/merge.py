"""The merge rules of fragments: layers of raw spec data, each value remembering its source.

A spec is merged section by section, and how a section merges is read from its descriptor, so a
new section needs no code here:

- core fields (everything that is not a section) merge key by key, the later value winning;
- object sections (``kind == "object"``: settings, appointments) merge key by key at every
  level of nested mappings; anything else (a list, a scalar) is replaced whole;
- identity-keyed collections (``identity`` set) merge by identity: a later item with the same
  key replaces the earlier one whole, in its place; new keys are appended;
- ordered collections (``identity is None``: guidelines, notes) concatenate, earlier layers first.

Every merged value keeps an ``Origin`` (document, place in it, fragment), so a diagnostic about
it can point at the line where it was written, and the plan can say where it lives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mhsync.convert import identity_of
from mhsync.manifest.document import shorthand_field
from mhsync.manifest.yamlio import Loc, SourceDoc
from mhsync.sections import CORE, SECTIONS, SectionDescriptor

_SECTIONS: dict[str, SectionDescriptor] = {d.key: d for d in SECTIONS if d is not CORE}


@dataclass(frozen=True)
class Origin:
    """Where a merged value was written: ``loc`` inside ``doc``; ``fragment`` unless the agent's."""

    doc: SourceDoc
    loc: Loc
    fragment: str | None = None


@dataclass
class Leaf:
    """A value taken whole (a core field, a collection item, a list or scalar in a mapping)."""

    data: Any
    origin: Origin


@dataclass
class Mapping_:
    """A mapping merged key by key (an object section or a mapping nested in one)."""

    origin: Origin
    entries: dict[str, Node] = field(default_factory=dict)


@dataclass
class Items:
    """A collection section: its items in order; ``origin`` is where the list was written."""

    origin: Origin
    items: list[Leaf] = field(default_factory=list)


Node = Leaf | Mapping_ | Items
Spec = dict[str, Node]
"""A merged spec: top-level key -> node."""


def layer(spec: dict[str, Any], origin: Origin) -> Spec:
    """One document's spec as a layer (``origin.loc`` is where the spec mapping sits)."""
    out: Spec = {}
    for key, value in spec.items():
        at = Origin(origin.doc, (*origin.loc, key), origin.fragment)
        out[key] = _node(_SECTIONS.get(key), value, at)
    return out


def _node(descriptor: SectionDescriptor | None, value: Any, origin: Origin) -> Node:
    if descriptor is not None and descriptor.kind == "collection" and isinstance(value, list):
        items = [
            Leaf(item, Origin(origin.doc, (*origin.loc, i), origin.fragment))
            for i, item in enumerate(value)
        ]
        return Items(origin, items)
    if descriptor is not None and descriptor.kind == "object" and isinstance(value, dict):
        return _mapping(value, origin)
    return Leaf(value, origin)


def _mapping(value: dict[str, Any], origin: Origin) -> Mapping_:
    node = Mapping_(origin)
    for key, inner in value.items():
        at = Origin(origin.doc, (*origin.loc, key), origin.fragment)
        node.entries[key] = _mapping(inner, at) if isinstance(inner, dict) else Leaf(inner, at)
    return node


def merge(lower: Spec, upper: Spec) -> Spec:
    """``upper`` on top of ``lower`` (neither is changed)."""
    out = dict(lower)
    for key, node in upper.items():
        below = out.get(key)
        out[key] = node if below is None else _merge_node(_SECTIONS.get(key), below, node)
    return out


def _merge_node(descriptor: SectionDescriptor | None, lower: Node, upper: Node) -> Node:
    if isinstance(lower, Mapping_) and isinstance(upper, Mapping_):
        entries = dict(lower.entries)
        for key, node in upper.entries.items():
            below = entries.get(key)
            entries[key] = node if below is None else _merge_node(None, below, node)
        return Mapping_(upper.origin, entries)
    if descriptor is not None and isinstance(lower, Items) and isinstance(upper, Items):
        if descriptor.identity is None:
            return Items(upper.origin, [*lower.items, *upper.items])
        return Items(upper.origin, _by_identity(descriptor, lower.items, upper.items))
    return upper


def _by_identity(descriptor: SectionDescriptor, lower: list[Leaf], upper: list[Leaf]) -> list[Leaf]:
    merged = list(lower)
    where: dict[str, int] = {}
    for index, item in enumerate(lower):
        key = item_identity(descriptor, item.data)
        if key is not None:
            where.setdefault(key, index)
    for item in upper:
        key = item_identity(descriptor, item.data)
        if key is not None and key in where:
            merged[where[key]] = item
        else:
            merged.append(item)
            if key is not None:
                where[key] = len(merged) - 1
    return merged


def item_identity(descriptor: SectionDescriptor, data: Any) -> str | None:
    """The identity of a raw item (content for ordered sections), ``None`` if it has none yet."""
    shorthand = shorthand_field(descriptor)
    if isinstance(data, str) and shorthand is not None:
        data = {shorthand: data}
    if not isinstance(data, dict):
        return None
    return identity_of(descriptor, data) or None


# --- dropping inherited values --------------------------------------------------------------


def drop_path(spec: Spec, path: str) -> bool:
    """Remove the key at a dotted ``path`` (``tone``, ``settings.voice.voice_profile``).

    False when nothing is there to drop.
    """
    *parents, last = path.split(".")
    entries: dict[str, Node] = spec
    for part in parents:
        node = entries.get(part)
        if not isinstance(node, Mapping_):
            return False
        node = Mapping_(node.origin, dict(node.entries))  # copy on write: layers are shared
        entries[part] = node
        entries = node.entries
    return entries.pop(last, None) is not None


def drop_items(spec: Spec, section: str, identities: list[str]) -> list[str]:
    """Remove the items of ``section`` with these identities; returns those not found."""
    node = spec.get(section)
    descriptor = _SECTIONS[section]
    if not isinstance(node, Items):
        return list(identities)
    wanted = set(identities)
    kept = [i for i in node.items if item_identity(descriptor, i.data) not in wanted]
    found = {item_identity(descriptor, i.data) for i in node.items} & wanted
    spec[section] = Items(node.origin, kept)
    return [i for i in identities if i not in found]


def known_identities(spec: Spec, section: str) -> list[str]:
    """Identities of the items of ``section`` in ``spec`` (for "did you mean" hints)."""
    node = spec.get(section)
    if not isinstance(node, Items):
        return []
    descriptor = _SECTIONS[section]
    return [k for i in node.items if (k := item_identity(descriptor, i.data)) is not None]


def known_paths(spec: Spec) -> Iterator[str]:
    """Every dotted key path of ``spec`` (for "did you mean" hints)."""
    stack: list[tuple[str, dict[str, Node]]] = [("", spec)]
    while stack:
        prefix, entries = stack.pop()
        for key, node in entries.items():
            path = f"{prefix}{key}"
            yield path
            if isinstance(node, Mapping_):
                stack.append((f"{path}.", node.entries))


# --- back to plain data -----------------------------------------------------------------------


def materialize(spec: Spec, base: Loc) -> tuple[dict[str, Any], dict[Loc, Origin]]:
    """Plain data of ``spec`` and, for each place in it (below ``base``), where it came from."""
    origins: dict[Loc, Origin] = {}
    data = {key: _plain(node, (*base, key), origins) for key, node in spec.items()}
    return data, origins


def _plain(node: Node, loc: Loc, origins: dict[Loc, Origin]) -> Any:
    origins[loc] = node.origin
    if isinstance(node, Leaf):
        return node.data
    if isinstance(node, Mapping_):
        return {key: _plain(inner, (*loc, key), origins) for key, inner in node.entries.items()}
    return [_plain(item, (*loc, i), origins) for i, item in enumerate(node.items)]
