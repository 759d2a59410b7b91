"""``clean`` and ``canonical_fields`` give what they gave before their fast paths (issue 16).

``clean`` now settles ``None``, empty containers and the exact ``dict``/``list`` classes without
a call or an abstract ``Mapping`` test. The previous implementation, kept here as the oracle,
must agree on any JSON-like value, tuples, read-only mappings and non-text keys included.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.sections import SECTIONS
from mhsync.state import _LEAVES, JSON_SCALARS, canonical_fields, clean


def _old_clean(value: Any) -> Any:
    if isinstance(value, JSON_SCALARS):
        return value
    if isinstance(value, dict | Mapping):
        return _old_clean_mapping(value)
    if isinstance(value, list | tuple):
        return [v if v.__class__ in _LEAVES else _old_clean(v) for v in value]
    return value


def _old_clean_mapping(value: Mapping[Any, Any], leave_out: Collection[str] = ()) -> dict[str, Any]:
    out = {}
    for key in sorted(value):
        if key in leave_out:
            continue
        item = value[key]
        if item.__class__ in _LEAVES:
            out[str(key)] = item
            continue
        cleaned = _old_clean(item)
        if cleaned is not None and cleaned != [] and cleaned != {}:
            out[str(key)] = cleaned
    return out


LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=3)
)
KEYS = st.sampled_from(["a", "b", "content", "name", "events", "selected_channels", "url"])
JSONISH = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(KEYS, inner, max_size=4),
        st.dictionaries(KEYS, inner, max_size=3).map(MappingProxyType),
        st.dictionaries(st.integers(0, 3), inner, max_size=2),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=JSONISH)
def test_clean_gives_what_it_gave_before(value: Any) -> None:
    assert clean(value) == _old_clean(value)


@settings(max_examples=200, deadline=None)
@given(raw=st.dictionaries(KEYS, JSONISH, max_size=6), index=st.integers(0, len(SECTIONS) - 1))
def test_canonical_fields_keep_what_they_kept_before(raw: dict[str, Any], index: int) -> None:
    descriptor = SECTIONS[index]
    cleaned = canonical_fields(descriptor, raw)
    old = _old_clean_mapping(raw, descriptor.manifest_only)
    assert {k: v for k, v in cleaned.items() if k not in descriptor.set_like} == {
        k: v for k, v in old.items() if k not in descriptor.set_like
    }
    assert cleaned.keys() == old.keys()
