"""Translation between API JSON and the canonical state, in both directions.

Reading (API -> canonical) is where perpetual diffs are prevented: unknown and server-owned
fields are pruned against the manifest models, uuids become names, positions replace ``order``,
secrets become presence markers. Writing (canonical -> API) reverses it at the moment a request
is built, resolving names to uuids that may only exist since earlier requests of the same apply.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import operator
import typing
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from mhsync.errors import UnexpectedResponseError
from mhsync.fieldpath import FieldPath
from mhsync.sections import (
    AGENT_READ_ONLY,
    COLLECTIONS,
    CORE_KEY,
    OBJECTS,
    REFERENCED,
    Ref,
    SectionDescriptor,
    api_paths,
)
from mhsync.sections.introspect import field_models, is_open
from mhsync.state import (
    JSON_SCALARS,
    SECRET_SET,
    AgentState,
    Item,
    JSONDict,
    canonical_fields,
    clean,
    drop_path,
    get_path,
    is_empty,
    set_like_order,
    set_path,
)


@dataclass(frozen=True)
class References:
    """Lookups between uuids and names for one agent's references, by ``Ref.target``.

    ``agents`` maps every known agent uuid -> handle (target ``CORE_KEY``); ``items`` maps the key
    of each section references name (``sections.REFERENCED``) to this agent's item uuid ->
    identity.
    """

    agents: Mapping[str, str]
    items: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def _names(self, target: str) -> Mapping[str, str]:
        return self.agents if target == CORE_KEY else self.items.get(target, {})

    def name_for(self, target: str, uuid: str) -> str | None:
        return self._names(target).get(uuid)

    def uuid_for(self, target: str, name: str) -> str | None:
        for uuid, known in self._names(target).items():
            if known == name:
                return uuid
        return None


class UnresolvedReferenceError(LookupError):
    """A name in a request body has no uuid yet (its target was not created)."""


# --- model-driven pruning ----------------------------------------------------------------------


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars); several times faster than deepcopy."""
    if isinstance(value, JSON_SCALARS):
        return value
    if isinstance(value, Mapping):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


def prune(model: type[BaseModel], data: Any) -> Any:
    """Keep only what ``model`` knows, recursively; open-ended models keep everything.

    Mappings are rebuilt, but the values kept are shared with ``data``: callers pass data of
    their own (``fields_from_api`` deep-copies the API answer first).
    """
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


def _pruned_copy(model: type[BaseModel], data: Any, skip: Collection[str] = ()) -> Any:
    """``prune(model, _copy_json(data))`` in one pass: one new structure instead of two.

    Keys in ``skip`` (the server-owned fields of an item) are left out at the top level.
    """
    if not isinstance(data, dict | Mapping):
        return _copy_json(data)
    inner_of = field_models(model)
    open_ended = is_open(model)
    out: JSONDict = {}
    for key, value in data.items():
        if key in skip:
            continue
        inner = inner_of.get(key)
        if inner is None:
            if open_ended or key in inner_of:
                out[key] = value if isinstance(value, JSON_SCALARS) else _copy_json(value)
        elif isinstance(value, list):
            out[key] = [_pruned_copy(inner, v) for v in value]
        else:
            out[key] = _pruned_copy(inner, value)
    return out


_PRUNES_FIRST: dict[int, tuple[SectionDescriptor, bool]] = {}
"""id(descriptor) -> (descriptor, answer); the descriptor is kept so that its id stays its own
(descriptors are not hashable)."""


def _prunes_first(descriptor: SectionDescriptor) -> bool:
    """Whether pruning before references and positions are read gives the same fields as
    pruning after: every field they read or write (a reference's uuid and name fields, an
    ordered list's order key) is one the model knows, so pruning first drops none of them."""
    known = _PRUNES_FIRST.get(id(descriptor))
    if known is None:
        known = _PRUNES_FIRST[id(descriptor)] = (descriptor, _safe_to_prune_first(descriptor))
    return known[1]


def _safe_to_prune_first(descriptor: SectionDescriptor) -> bool:
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


def empty_value(descriptor: SectionDescriptor, field_name: str) -> Any:
    """What to send to clear a field: ``[]`` for lists, else ``null``."""
    info = descriptor.model.model_fields.get(field_name)
    if info is not None and typing.get_origin(info.annotation) is list:
        return []
    return None


# --- API -> canonical ---------------------------------------------------------------------------


def _names_from_uuids(descriptor: SectionDescriptor, data: JSONDict, refs: References) -> None:
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


def _positions_from_order(descriptor: SectionDescriptor, data: JSONDict) -> None:
    for list_field, order_key in descriptor.ordered_lists.items():
        elements = data.get(list_field)
        if isinstance(elements, list):
            ranked = sorted(enumerate(elements), key=lambda p: (_order(p[1], order_key), p[0]))
            data[list_field] = [{k: v for k, v in e.items() if k != order_key} for _, e in ranked]


def _order(element: Mapping[str, Any], order_key: str) -> float:
    value = element.get(order_key)
    return float(value) if isinstance(value, int | float) else float("inf")


def _secrets_to_markers(
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


_LEAVES = frozenset({str, int, float, bool})
"""Exact types of the values read as they are (most values): tested before any call."""


_Plan = tuple[tuple[str, "_Shape | None", bool], ...]
"""Per output field, in output order: its name, the shape of the model nested under it, and
whether its value comes from the special reading (``_Reader.taken``) instead of the JSON."""


@dataclass(frozen=True)
class _Shape:
    """How a mapping read under one model becomes canonical: its fields in output order and
    the models nested under them, looked up once per model instead of per value."""

    plan: _Plan
    inner: Mapping[str, _Shape]
    open: bool


@functools.cache
def _shape(model: type[BaseModel]) -> _Shape:
    fields = field_models(model)
    inner = {name: _shape(sub) for name, sub in fields.items() if sub is not None}
    plan = tuple((name, inner.get(name), False) for name in sorted(fields))
    return _Shape(plan, inner, is_open(model))


def _open_plan(shape: _Shape, names: Iterable[str], taken: Collection[str] = ()) -> _Plan:
    """The plan of one mapping read under an open-ended model: every name it carries."""
    return tuple(
        (name, None if name in taken else shape.inner.get(name), name in taken)
        for name in sorted(names)
    )


_NOTHING: JSONDict = {}


def _read(shape: _Shape, data: Any) -> Any:
    """``clean(prune(model, data))`` in one pass and without a copy: ``clean`` builds every
    container anew, so nothing of ``data`` is shared or changed."""
    if data.__class__ is not dict and not isinstance(data, Mapping):  # dicts: no abstract test
        return clean(data)
    plan = _open_plan(shape, data) if shape.open else shape.plan
    return _canonical(plan, data, _NOTHING)


def _canonical(plan: _Plan, data: Mapping[str, Any], special: JSONDict) -> JSONDict:
    """The fields of ``plan`` read from ``data`` (or ``special``), pruned and cleaned: keys in
    plan order, values that mean nothing left out (``state.clean``)."""
    out: JSONDict = {}
    leaves = _LEAVES
    for key, inner, taken in plan:
        value = special.get(key) if taken else data.get(key)
        if value.__class__ in leaves:
            out[key] = value
            continue
        if value is None:
            continue
        if inner is None:
            value = clean(value)
        elif isinstance(value, list):
            value = [_read(inner, element) for element in value]
        else:
            value = _read(inner, value)
        if value is not None and value != [] and value != {}:  # is_empty, inlined
            out[key] = value
    return out


@dataclass(frozen=True)
class _Reader:
    """How one section's API JSON is read, derived from its descriptor once.

    ``special`` are the top-level fields that references, positions and secrets read or write:
    those go through the earlier steps (copy, names, positions, markers) on their own; every
    other field is pruned and cleaned in one pass (``_read``). ``plan`` is the output order
    (sorted, as ``canonical_fields`` leaves it) for a model that keeps only its own fields.
    """

    descriptor: SectionDescriptor
    shape: _Shape
    plan: _Plan
    special: frozenset[str]
    always_special: bool
    """Whether the special steps run for every item (a write-only field's marker is read
    from the API's flag, whether or not the field is there)."""
    prunes_first: bool
    drop: frozenset[str]
    """Fields never in the output: the read-only ones (unless a special step writes them)
    and the manifest's own (``manifest_only``)."""
    set_like: tuple[str, ...]
    direct: bool = False
    """Whether the special fields are read here directly rather than through the earlier steps:
    references at the top level, write-only fields and secret leaves, each over plain fields
    of the model (``_direct``); procedure steps and anything stranger take the steps."""
    refs: tuple[Ref, ...] = ()
    write_only: tuple[tuple[str, str], ...] = ()
    secret_leaves: tuple[tuple[str, ...], ...] = ()
    lists: tuple[tuple[str, _Shape, tuple[Ref, ...], str | None], ...] = ()
    """Nested list field, its elements' shape, the references they carry, their order key."""
    taken: frozenset[str] = frozenset()
    """Fields whose values come from the special reading, not from the API JSON itself."""
    finishes: bool = True
    """Whether ``_finished`` has work: secret leaves read directly, or set-like lists."""


_READERS: dict[int, _Reader] = {}
"""id(descriptor) -> its reader; the reader holds the descriptor, so the id stays its own."""


def _reader(descriptor: SectionDescriptor) -> _Reader:
    known = _READERS.get(id(descriptor))
    if known is None:
        known = _READERS[id(descriptor)] = _new_reader(descriptor)
    return known


def _new_reader(descriptor: SectionDescriptor) -> _Reader:
    special = {ref.within or ref.api_field for ref in descriptor.refs}
    special |= {ref.name_field for ref in descriptor.refs if not ref.within}
    special |= set(descriptor.ordered_lists) | set(descriptor.write_only)
    special |= {FieldPath(path).head for path in descriptor.sensitive}
    drop = frozenset(descriptor.manifest_only) | (descriptor.read_only - special)
    names = (set(field_models(descriptor.model)) | special) - drop
    direct = _direct(descriptor, special, drop)
    taken = frozenset(_direct_names(descriptor)) if direct else frozenset(special)
    shape = _shape(descriptor.model)
    return _Reader(
        descriptor=descriptor,
        shape=shape,
        plan=tuple(
            (name, None if name in taken else shape.inner.get(name), name in taken)
            for name in sorted(names)
        ),
        special=frozenset(special),
        always_special=bool(descriptor.write_only),
        prunes_first=_prunes_first(descriptor),
        drop=drop,
        set_like=tuple(sorted(descriptor.set_like)),
        direct=direct,
        lists=tuple(
            (
                name,
                _shape(inner),
                tuple(ref for ref in descriptor.refs if ref.within == name),
                descriptor.ordered_lists.get(name),
            )
            for name in _list_fields(descriptor)
            if (inner := field_models(descriptor.model).get(name)) is not None
        ),
        taken=taken,
        refs=descriptor.refs,
        write_only=tuple(descriptor.write_only.items()),
        secret_leaves=tuple(
            FieldPath(p).parts
            for p in sorted(descriptor.sensitive)
            if p not in descriptor.write_only
        ),
        finishes=bool(descriptor.set_like)
        or (direct and any(p not in descriptor.write_only for p in descriptor.sensitive)),
    )


def _list_fields(descriptor: SectionDescriptor) -> list[str]:
    """Nested list fields whose elements carry references or an order key (procedure steps)."""
    return sorted(
        {ref.within for ref in descriptor.refs if ref.within} | set(descriptor.ordered_lists)
    )


def _direct(descriptor: SectionDescriptor, special: set[str], drop: frozenset[str]) -> bool:
    """Whether ``fields_from_api`` may read the special fields directly, giving what the
    earlier steps give: each special field has one job; references are fields the model (or
    the model of a nested list's elements) holds as plain values, and so is an order key it
    knows; each secret path leads through nested models to a plain value."""
    fields = field_models(descriptor.model)
    lists = _list_fields(descriptor)
    jobs = [f for ref in descriptor.refs if not ref.within for f in (ref.api_field, ref.name_field)]
    jobs += [*lists, *descriptor.write_only]
    paths = [FieldPath(p).parts for p in descriptor.sensitive if p not in descriptor.write_only]
    jobs += [parts[0] for parts in paths]
    if len(jobs) != len(set(jobs)) or special & (drop | descriptor.set_like):
        return False
    for list_field in lists:
        inner = fields.get(list_field)
        if inner is None:
            return False
        elements = field_models(inner)
        order_key = descriptor.ordered_lists.get(list_field)
        named = [ref for ref in descriptor.refs if ref.within == list_field]
        used = [f for ref in named for f in (ref.api_field, ref.name_field)]
        if order_key in used or len(used) != len(set(used)):
            return False
        if any(elements.get(f, _MISSING) is not None for f in used):
            return False
        if order_key is not None and elements.get(order_key) is not None:
            return False
    for ref in descriptor.refs:
        if not ref.within and any(fields.get(f, _MISSING) is not None for f in _ref_fields(ref)):
            return False
    for parts in paths:
        level: Mapping[str, type[BaseModel] | None] = fields
        for depth, part in enumerate(parts):
            if part not in level:
                return False
            inner = level[part]
            if (inner is None) != (depth == len(parts) - 1):
                return False
            level = field_models(inner) if inner is not None else {}
    return True


def _ref_fields(ref: Ref) -> tuple[str, str]:
    return ref.api_field, ref.name_field


def _direct_names(descriptor: SectionDescriptor) -> set[str]:
    """The fields ``_direct_fields`` writes."""
    names = {f for ref in descriptor.refs if not ref.within for f in _ref_fields(ref)}
    return names | set(descriptor.write_only) | set(_list_fields(descriptor))


def _resolve(out: JSONDict, source: Mapping[str, Any], ref: Ref, refs: References) -> None:
    """One reference of ``source`` read as a name where its uuid is known: its two fields as
    ``_names_from_uuids`` leaves them written to ``out`` (``None`` where it drops one)."""
    uuid = source.get(ref.api_field)
    # ``refs.name_for``, inlined: one reference of every rule, read per item
    names = refs.agents if ref.target == CORE_KEY else refs.items.get(ref.target, _NOTHING)
    name = names.get(uuid) if uuid else None
    if name is None:
        out[ref.api_field] = uuid or None
        out[ref.name_field] = source.get(ref.name_field)
    else:
        out[ref.api_field] = None
        out[ref.name_field] = name


def _direct_fields(reader: _Reader, raw: Mapping[str, Any], refs: References) -> JSONDict:
    """References, nested ordered lists and write-only markers of one item, read straight
    from the API JSON."""
    special: JSONDict = {}
    for ref in reader.refs:
        if not ref.within:
            _resolve(special, raw, ref, refs)
    for list_field, shape, named, order_key in reader.lists:
        special[list_field] = _direct_list(raw.get(list_field), shape, named, order_key, refs)
    for field_name, flag in reader.write_only:
        special[field_name] = SECRET_SET if raw.get(flag) else None
    return special


def _direct_list(
    value: Any, shape: _Shape, named: tuple[Ref, ...], order_key: str | None, refs: References
) -> Any:
    """A nested list whose elements carry references or an order key, in canonical form:
    names read, elements sorted by the key (then as listed) and the key left out."""
    if not isinstance(value, list):
        return _read(shape, value)
    elements = []
    for index, element in enumerate(value):
        rank = _order(element, order_key) if order_key else 0.0
        names: JSONDict = {}
        for ref in named:
            _resolve(names, element, ref, refs)
        resolved = {**element, **names}
        if order_key:
            resolved.pop(order_key, None)
        elements.append((rank, index, resolved))
    if order_key:
        elements.sort(key=_RANK)
    if shape.open:
        return [_read(shape, resolved) for _, _, resolved in elements]
    plan = shape.plan  # ``_read`` of a dict under a closed model, without its call per element
    return [_canonical(plan, resolved, _NOTHING) for _, _, resolved in elements]


_RANK = operator.itemgetter(0, 1)
"""An element's place in ``_direct_list``: its order key, then where it was listed."""


def _secret_leaf_set(raw: Mapping[str, Any], parts: tuple[str, ...]) -> bool:
    """Whether the API JSON holds a value at ``parts`` (a secret to show as the marker)."""
    node: Any = raw
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return not is_empty(node)


def _with_marker(node: JSONDict, parts: tuple[str, ...]) -> JSONDict:
    """``node`` with ``SECRET_SET`` at ``parts``, every level's keys still sorted."""
    head, rest = parts[0], parts[1:]
    if rest:
        child = node.get(head)
        value: Any = _with_marker(child if isinstance(child, dict) else {}, rest)
    else:
        value = SECRET_SET
    if head in node:
        node[head] = value
        return node
    node[head] = value
    return dict(sorted(node.items()))


def _special_fields(reader: _Reader, raw: Mapping[str, Any], refs: References) -> JSONDict:
    """The special fields of one item, through the steps that read references, positions and
    secrets (each step touches only these fields, so running them on these alone is exact)."""
    descriptor = reader.descriptor
    model = descriptor.model
    subset = {key: raw[key] for key in sorted(reader.special) if key in raw}
    if reader.prunes_first:
        data: JSONDict = _pruned_copy(model, subset, skip=descriptor.read_only)
    else:
        known = None if is_open(model) else field_models(model)
        data = {
            k: _copy_json(v)
            for k, v in subset.items()
            if k not in descriptor.read_only and (known is None or k in known)
        }
    _names_from_uuids(descriptor, data, refs)
    _positions_from_order(descriptor, data)
    if not reader.prunes_first:
        data = prune(model, data)
    _secrets_to_markers(descriptor, raw, data)
    return data


def fields_from_api(
    descriptor: SectionDescriptor, raw: Mapping[str, Any], refs: References
) -> JSONDict:
    """Canonical fields of one API item or object, in one pass over the fields the model knows.

    What the earlier reading gave (copy, prune, references, positions, secrets, then
    ``canonical_fields``: tests/convert/reading_before.py keeps it), key order included.
    """
    return _fields(_reader(descriptor), raw, refs)


def _fields(reader: _Reader, raw: Mapping[str, Any], refs: References) -> JSONDict:
    special: JSONDict = {}
    if reader.direct:
        if reader.taken:
            special = _direct_fields(reader, raw, refs)
    elif reader.always_special or (reader.special and any(key in raw for key in reader.special)):
        special = _special_fields(reader, raw, refs)
    if reader.shape.open:
        names = (set(raw) - reader.drop) | reader.special
        plan = _open_plan(reader.shape, names, reader.taken)
    else:
        plan = reader.plan
    out = _canonical(plan, raw, special)
    return _finished(reader, raw, out) if reader.finishes else out


def _finished(reader: _Reader, raw: Mapping[str, Any], out: JSONDict) -> JSONDict:
    """The last steps of ``_fields``: secret markers (read directly) and set-like lists."""
    if reader.direct:
        for parts in reader.secret_leaves:
            if _secret_leaf_set(raw, parts):
                out = _with_marker(out, parts)
    for name in reader.set_like:
        listed = out.get(name)
        if isinstance(listed, list):
            out[name] = set_like_order(listed)
    return out


def item_from_api(
    descriptor: SectionDescriptor, raw: Mapping[str, Any], refs: References
) -> Item | None:
    """One live item, or ``None`` for items mhsync must leave alone (system intents)."""
    return _item(_reader(descriptor), raw, refs)


def _item(reader: _Reader, raw: Mapping[str, Any], refs: References) -> Item | None:
    descriptor = reader.descriptor
    if descriptor.skip_flag and raw.get(descriptor.skip_flag):
        return None
    fields = _fields(reader, raw, refs)
    key = identity_of(descriptor, fields)
    position = raw.get(descriptor.order_field) if descriptor.order_field else None
    uuid = str(raw.get(descriptor.uuid_field) or "") or None
    # key, fields, uuid, secrets, previous_keys, position: every field given in order, which
    # builds the frozen dataclass in half the time of keywords and a default factory
    return Item(key, fields, uuid, {}, (), position if isinstance(position, int) else None)


def identity_of(descriptor: SectionDescriptor, fields: JSONDict) -> str:
    """The identity value of an item (its content for positional sections)."""
    if descriptor.identity is None:
        return str(fields.get("content", ""))
    value = fields.get(descriptor.identity)
    if value is None and descriptor.derive_identity is not None:
        value = descriptor.derive_identity(fields)
    return str(value if value is not None else "")


_INT = frozenset({int})
_DICT = frozenset({dict})


def _ordered(
    descriptor: SectionDescriptor, raw_items: list[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    if not descriptor.order_field:
        return raw_items
    order_key = descriptor.order_field
    orders: list[Any] = [raw.get(order_key) for raw in raw_items]
    if set(map(type, orders)) <= _INT and orders == sorted(orders):
        return raw_items  # already in order (the usual answer): nothing to sort, no call each
    ranked = sorted(enumerate(raw_items), key=lambda p: (_order(p[1], order_key), p[0]))
    return [item for _, item in ranked]


_PLAIN_ITEM = (
    tuple(f.name for f in dataclasses.fields(Item))
    == ("key", "fields", "uuid", "secrets", "previous_keys", "position")
    and "__post_init__" not in vars(Item)
    and "__slots__" not in vars(Item)
)
"""Whether an ``Item`` is these six fields in its ``__dict__`` and making one does nothing else:
then ``_items`` makes each live item with that ``__dict__`` directly, as its ``__init__``
would. A frozen dataclass sets every field through ``object.__setattr__`` in a Python call:
a quarter of the conversion's instructions (issue 16). Should ``Item`` change shape, the items
are made by calling it; ``tests/convert/test_reading_cost.py`` holds both ways equal."""

_KEY_OF = operator.attrgetter("key")
"""An item's identity, as a sort key called in C (a lambda was a Python call per item)."""


def items_from_api(
    descriptor: SectionDescriptor, raw_items: list[Mapping[str, Any]], refs: References
) -> list[Item]:
    reader = _reader(descriptor)
    ordered = _ordered(descriptor, raw_items)
    if reader.shape.open or not reader.direct:
        found = [i for raw in ordered if (i := _item(reader, raw, refs)) is not None]
    else:
        found = _items(reader, ordered, refs)
    if descriptor.identity is not None:
        found.sort(key=_KEY_OF)
    return found


def _items(reader: _Reader, raw_items: Iterable[Mapping[str, Any]], refs: References) -> list[Item]:
    """``_item`` of every item of a section read directly under a model that keeps only its
    own fields (every section but the open-ended ones), in one loop: ``_canonical`` called
    straight from here, the identity read inline, the last steps only where the section has
    them (issue 16: the calls between were a third of the conversion's time)."""
    descriptor = reader.descriptor
    plan, taken, finishes = reader.plan, bool(reader.taken), reader.finishes
    skip_flag, identity = descriptor.skip_flag, descriptor.identity
    order_field, uuid_field = descriptor.order_field, descriptor.uuid_field
    plain, new, set_attribute = _PLAIN_ITEM, object.__new__, object.__setattr__
    items = []
    for raw in raw_items:
        if skip_flag and raw.get(skip_flag):
            continue
        fields = _canonical(plan, raw, _direct_fields(reader, raw, refs) if taken else _NOTHING)
        if finishes:
            fields = _finished(reader, raw, fields)
        if identity is None:
            key = str(fields.get("content", ""))
        else:
            value = fields.get(identity)
            key = str(value) if value is not None else identity_of(descriptor, fields)
        position = raw.get(order_field) if order_field else None
        uuid = str(raw.get(uuid_field) or "") or None
        position = position if isinstance(position, int) else None
        if plain:  # ``Item(key, fields, uuid, {}, (), position)`` without the call
            item = new(Item)
            state: dict[str, Any] = {
                "key": key,
                "fields": fields,
                "uuid": uuid,
                "secrets": {},
                "previous_keys": (),
                "position": position,
            }
            set_attribute(item, "__dict__", state)
        else:
            item = Item(key, fields, uuid, {}, (), position)
        items.append(item)
    return items


def item_references(
    raw_agent: Mapping[str, Any], separate: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, dict[str, str]]:
    """Item uuid -> identity, per section that references name, for one agent.

    Lenient on purpose: a section that is not a list is reported when it is read as a section.
    """
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
                names[str(uuid)] = identity_of(
                    descriptor, raw if isinstance(raw, dict) else dict(raw)
                )
    return out


def _object_raw(raw_agent: Mapping[str, Any], descriptor: SectionDescriptor) -> Mapping[str, Any]:
    """The API JSON of one object section: the agent itself, or the object it embeds."""
    if descriptor.embedded_as is None:
        return raw_agent
    value = raw_agent.get(descriptor.embedded_as)
    return value if isinstance(value, Mapping) else {}


def agent_from_api(
    raw_agent: Mapping[str, Any],
    *,
    handle: str,
    agent_handles: Mapping[str, str],
    separate: Mapping[str, Sequence[Mapping[str, Any]]],
) -> AgentState:
    """A live agent in canonical form.

    ``separate`` holds the sections read from their own endpoints (intents, webhooks), keyed by
    section key; ``agent_handles`` maps every known agent uuid to its handle.
    """
    refs = References(agent_handles, item_references(raw_agent, separate))
    objects: dict[str, JSONDict] = {
        d.key: fields_from_api(d, _object_raw(raw_agent, d), refs) for d in OBJECTS
    }
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


def _agent_label(raw_agent: Mapping[str, Any]) -> str:
    return f"agent {raw_agent.get('name')!r} ({raw_agent.get('agent_uuid') or 'no uuid'})"


def _section_list(
    raw_agent: Mapping[str, Any], descriptor: SectionDescriptor
) -> list[Mapping[str, Any]]:
    """The items of an embedded section; a missing, ``null`` or non-list value is an error.

    Read as empty, it would make apply re-create every item of the section.
    """
    key = descriptor.embedded_as or descriptor.key
    value = raw_agent.get(key, _MISSING)
    if isinstance(value, list) and (
        set(map(type, value)) <= _DICT or all(isinstance(item, Mapping) for item in value)
    ):
        return value  # the usual answer, a list of dicts, checked without a call per item
    seen = "missing" if value is _MISSING else "null" if value is None else type(value).__name__
    raise UnexpectedResponseError(
        f"{_agent_label(raw_agent)}: field {key!r} is {seen} where a list of items is expected; "
        "mhsync will not read it as empty (apply would re-create every item)",
        method="GET",
        path=api_paths.AGENTS,
        field=key,
    )


def _check_identities(
    raw_agent: Mapping[str, Any], descriptor: SectionDescriptor, items: Sequence[Item]
) -> None:
    """An item without its identity field cannot be matched: an error, never the key ``""``."""
    for item in items:
        if item.key.strip():
            continue
        field_name = descriptor.identity or "content"
        where = descriptor.embedded_as or descriptor.key
        agent = api_paths.agent_path(str(raw_agent.get("agent_uuid") or "?"))
        path = api_paths.section_path(agent, descriptor)
        if descriptor.embedded_as:
            path = api_paths.AGENTS
        raise UnexpectedResponseError(
            f"{_agent_label(raw_agent)}: a {where} item ({descriptor.uuid_field} "
            f"{item.uuid or 'unknown'}) has no {field_name!r}, the field mhsync matches "
            f"{where} by; give it one in the dashboard (or delete it), then run again",
            method="GET",
            path=path,
            field=f"{where}[].{field_name}",
        )


_MISSING = object()


# --- manifest -> canonical ----------------------------------------------------------------------


def _extract_secrets(descriptor: SectionDescriptor, fields: JSONDict) -> dict[FieldPath, str]:
    """Replace secret references by the presence marker; return path -> ``${env:NAME}``."""
    secrets: dict[FieldPath, str] = {}
    for path in descriptor.sensitive:
        value = get_path(fields, path)
        if isinstance(value, str) and value:
            secrets[path] = value
            set_path(fields, path, SECRET_SET)
    return secrets


def item_from_manifest(descriptor: SectionDescriptor, data: Mapping[str, Any]) -> Item:
    """One desired item from a validated manifest model dump (``model_dump(mode="json")``).

    Secret fields must still hold their ``${env:NAME}`` reference; every other ``${...}``
    must already be resolved.
    """
    fields = canonical_fields(descriptor, data)
    identity = descriptor.identity
    if identity and identity not in fields and descriptor.derive_identity is not None:
        fields[identity] = descriptor.derive_identity(fields)
    secrets = _extract_secrets(descriptor, fields) if descriptor.sensitive else {}
    written = data.get("previous_keys")
    previous = tuple(str(k) for k in written) if written else ()
    return Item(
        key=identity_of(descriptor, fields), fields=fields, secrets=secrets, previous_keys=previous
    )


def object_from_manifest(
    descriptor: SectionDescriptor, data: Mapping[str, Any]
) -> tuple[JSONDict, dict[FieldPath, str]]:
    """Canonical fields and secret references of one desired object section."""
    fields = canonical_fields(descriptor, data)
    return fields, _extract_secrets(descriptor, fields)


# --- canonical -> API ---------------------------------------------------------------------------

SecretResolver = Callable[[str], str]
"""Turns a ``${env:NAME}`` reference into its value at request time."""


def fields_to_api(
    descriptor: SectionDescriptor,
    fields: Mapping[str, Any],
    *,
    refs: References,
    secrets: Mapping[FieldPath, str],
    resolve_secret: SecretResolver,
) -> JSONDict:
    """A request body for one item or object (without position or wrapper)."""
    body: JSONDict = copy.deepcopy(dict(fields))
    for ref in descriptor.refs:
        targets = body.get(ref.within, []) if ref.within else [body]
        for target in targets if isinstance(targets, list) else []:
            name = target.pop(ref.name_field, None)
            if name is None:
                continue
            uuid = refs.uuid_for(ref.target, str(name))
            if uuid is None:
                raise UnresolvedReferenceError(f"{ref.name_field} {name!r} has no uuid yet")
            target[ref.api_field] = uuid
    for list_field, order_key in descriptor.ordered_lists.items():
        elements = body.get(list_field)
        if isinstance(elements, list):
            body[list_field] = [{**e, order_key: i} for i, e in enumerate(elements)]
    for path in descriptor.sensitive:
        if get_path(body, path) == SECRET_SET:
            reference = secrets.get(path)
            if reference is None:
                drop_path(body, path)
            else:
                set_path(body, path, resolve_secret(reference))
    return body


def agent_handles(agents: Mapping[str, AgentState]) -> dict[str, str]:
    """Agent uuid -> handle for every agent that has a uuid."""
    return {a.uuid: a.handle for a in agents.values() if a.uuid}


__all__ = [
    "AGENT_READ_ONLY",
    "References",
    "SecretResolver",
    "UnresolvedReferenceError",
    "agent_from_api",
    "agent_handles",
    "empty_value",
    "fields_from_api",
    "fields_to_api",
    "identity_of",
    "item_from_api",
    "item_from_manifest",
    "items_from_api",
    "object_from_manifest",
    "prune",
]
