"""Field-level differences between two canonical values.

Canonical values are plain JSON data, so a small recursive walk is enough: objects are compared
key by key and reported by ``FieldPath``, down to the leaves even when an object is added or
removed whole (so a sensitive path such as ``webhook.auth_token`` is always its own change);
lists and scalars are leaves (a list that differs is one
change holding both whole lists, because every list the API takes is written whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

from mhsync.fieldpath import FieldPath
from mhsync.plan import FieldChange

_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types whose ``==`` between two values of the same type is already JSON equality.

The ``zip`` calls below pair values whose counts are already known equal (the same keys, or a
length compared first), so they pass no ``strict``: a keyword argument makes ``zip`` parse its
arguments, a tenth of comparing an unchanged agent (issue 16)."""


def same(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0`` (the API may drop a float's fraction) but ``True != 1``."""
    kind = type(a)
    if kind is type(b):
        if kind in _SCALARS:
            return bool(a == b)  # the common case, without the isinstance ladder below
        if kind is dict:
            by_key = zip(a.values(), map(b.__getitem__, a))  # noqa: B905 (see _SCALARS)
            return a.keys() == b.keys() and same_pairs(by_key)
        if kind is list:  # mostly strings: phrases, channels, events
            return len(a) == len(b) and same_pairs(zip(a, b))  # noqa: B905
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def same_pairs(pairs: Iterable[tuple[Any, Any]]) -> bool:
    """``same`` of every pair; equal scalars (most values) are settled inline, without a call
    per value. Two dicts with the same keys pair their values by key with C iterators only:
    ``zip(a.values(), map(b.__getitem__, a))``."""
    for value, other in pairs:
        kind = type(value)
        if kind is not type(other):
            if not same(value, other):
                return False
        elif kind in _SCALARS:
            if value != other:
                return False
        elif kind is list:  # nested containers recurse here: ``same``'s branches, one call less
            if len(value) != len(other) or not same_pairs(zip(value, other)):  # noqa: B905
                return False
        elif kind is dict:
            if value.keys() != other.keys():
                return False
            if not same_pairs(zip(value.values(), map(other.__getitem__, value))):  # noqa: B905
                return False
        elif not same(value, other):
            return False
    return True


def same_view(desired: dict[str, Any], live: dict[str, Any], left_out: AbstractSet[str]) -> bool:
    """``same(*state.comparable(...))`` for a descriptor that is not partial, nothing ignored,
    without building the views: the live view is ``live`` without the ``left_out`` fields
    (``compare_only_when_set``) that ``desired`` does not set."""
    keys = desired.keys()
    if keys != live.keys() and not (keys <= live.keys() and live.keys() - keys <= left_out):
        return False  # the views' keys differ
    return same_pairs(zip(desired.values(), map(live.__getitem__, desired)))  # noqa: B905


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Every leaf that differs, sorted by path; an absent side is ``None``.

    Equal sides (every unchanged item of a plan) are settled by one ``same`` first, which
    costs far less than the sorted per-key walk that finds what differs.
    """
    if same(before, after):
        return ()
    return tuple(_walk(before, after, ()))


def _nested(value: Any, other: Any) -> bool:
    """Walk into objects (an object added or removed whole is reported leaf by leaf)."""
    return isinstance(value, Mapping) or (value is None and isinstance(other, Mapping))


def _walk(
    before: Mapping[str, Any], after: Mapping[str, Any], prefix: tuple[str, ...]
) -> list[FieldChange]:
    out: list[FieldChange] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        kind = type(old)
        if kind is type(new) and kind in _SCALARS and old == new:
            continue  # most fields are equal strings: skip them cheaply
        path = (*prefix, key)
        if _nested(old, new) and _nested(new, old):
            out.extend(_walk(old or {}, new or {}, path))
        elif not same(old, new):
            out.append(FieldChange(path=FieldPath.of(*path), before=old, after=new))
    return out
