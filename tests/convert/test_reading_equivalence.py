"""The live reading gives what it gave before issue 16's one-pass conversion, key order included.

``reading_before`` keeps the earlier implementation (copy, prune, references, positions, secrets,
clean: a pass each). Random API JSON, shaped like the table's models with unknown, server-owned,
null, empty and wrongly typed values mixed in, must read to the same canonical fields (and the
same key order, which renderings and fingerprints see), the same items, the same unknown-field
paths; data the old reading could not read must fail the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from mhsync import convert, roundtrip
from mhsync.convert import References
from mhsync.fieldpath import field_paths
from mhsync.sections import COLLECTIONS, SECTIONS, SectionDescriptor, section
from mhsync.sections.introspect import field_models
from tests.convert import reading_before as before

AGENTS = {"a-1": "sales", "a-2": "support"}
REFS = References(agents=AGENTS, items={"intents": {"i-1": "book", "i-2": "cancel"}})
UUIDS = ["a-1", "a-2", "i-1", "i-2", "outside"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["", " ", "x", "é", 'q"', "\n", "phone", "whatsapp", *UUIDS]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "order", "zz", "url"]), inner, max_size=3)
    ),
    max_leaves=4,
)


def _names(model: type[BaseModel], depth: int = 3) -> set[str]:
    """The field names of ``model`` and of the models nested in it (a few levels down)."""
    names = set(field_models(model))
    for inner in field_models(model).values():
        if inner is not None and depth > 0:
            names |= _names(inner, depth - 1)
    return names


def _keys(descriptor: SectionDescriptor) -> tuple[str, ...]:
    """Every name a raw item of this section may carry: model fields at every level,
    server-owned fields, references, flags, and names no model knows."""
    names = _names(descriptor.model) | set(descriptor.read_only) | {descriptor.uuid_field}
    for ref in descriptor.refs:
        names |= {ref.api_field, ref.name_field}
    names |= set(descriptor.write_only) | set(descriptor.write_only.values())
    names |= set(descriptor.ordered_lists.values())
    names |= {n for n in (descriptor.skip_flag, descriptor.order_field) if n}
    names |= {"unknown_field", "order", "previous_keys"}
    return tuple(sorted(names))


@functools.cache
def _mappings(keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Nested objects two levels deep, named with the section's keys (so that nested models,
    open-ended ones included, see both names they know and names they do not)."""
    leaf = st.dictionaries(st.sampled_from(keys), json_values, max_size=3)
    value = st.one_of(json_values, leaf, st.lists(leaf, max_size=2))
    return st.dictionaries(st.sampled_from(keys), value, max_size=4)


_RAW_ITEMS: dict[str, st.SearchStrategy[dict[str, Any]]] = {}


def raw_item(descriptor: SectionDescriptor) -> st.SearchStrategy[dict[str, Any]]:
    """Raw items of one section (one strategy per section, built once)."""
    if descriptor.key not in _RAW_ITEMS:
        _RAW_ITEMS[descriptor.key] = _raw_item(descriptor)
    return _RAW_ITEMS[descriptor.key]


def _raw_item(descriptor: SectionDescriptor) -> st.SearchStrategy[dict[str, Any]]:
    keys = _keys(descriptor)
    nested = _mappings(keys)
    value = st.one_of(json_values, st.sampled_from(UUIDS), nested, st.lists(nested, max_size=2))
    return st.dictionaries(st.sampled_from(keys), value, max_size=8)


SHARED_JOBS = (
    dataclasses.replace(section("procedures"), sensitive=field_paths({"steps"})),
    dataclasses.replace(section("guard_rules"), sensitive=field_paths({"destination_agent_uuid"})),
)
"""Sections the table does not have, whose special fields share a job (a secret that is also
a reference or an ordered list): read through the earlier steps, not directly."""

UNUSUAL = (
    *SHARED_JOBS,
    dataclasses.replace(
        section("webhooks"), write_only={"url": "has_secret"}, read_only=frozenset()
    ),
)
"""Trial sections the property tests read besides the table's own."""


def test_special_fields_sharing_a_job_take_the_earlier_steps() -> None:
    assert all(convert._reader(d).direct for d in SECTIONS)
    assert not any(convert._reader(d).direct for d in SHARED_JOBS)


@st.composite
def section_items(draw: st.DrawFn) -> tuple[SectionDescriptor, dict[str, Any]]:
    descriptor = draw(st.sampled_from((*SECTIONS, *UNUSUAL)))
    return descriptor, draw(raw_item(descriptor))


def ordered(value: Any) -> Any:
    """``value`` with each mapping as its list of pairs, so that key order is compared too."""
    if isinstance(value, dict):
        return [(key, ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def same_outcome(old: Callable[[], Any], new: Callable[[], Any]) -> None:
    """``new()`` returns what ``old()`` returns (key order included), or fails the same way."""
    try:
        expected = old()
    except (AttributeError, TypeError, ValueError) as failed:  # data no API sends
        with pytest.raises(type(failed)):
            new()
        return
    assert ordered(new()) == ordered(expected)


@given(section_items())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fields_read_as_before(case: tuple[SectionDescriptor, dict[str, Any]]) -> None:
    descriptor, raw = case
    kept = copy.deepcopy(raw)
    same_outcome(
        lambda: before.fields_from_api(descriptor, copy.deepcopy(raw), REFS),
        lambda: convert.fields_from_api(descriptor, raw, REFS),
    )
    assert raw == kept  # the API answer is never changed in place


@given(section_items())
@settings(max_examples=200, deadline=None)
def test_unknown_fields_found_as_before(case: tuple[SectionDescriptor, dict[str, Any]]) -> None:
    descriptor, raw = case
    assert roundtrip.unknown_section_fields(descriptor, raw) == before.unknown_section_fields(
        descriptor, raw
    )
    listed = [raw, {}, raw]
    assert roundtrip.unknown_section_fields(descriptor, listed) == before.unknown_section_fields(
        descriptor, listed
    )


@st.composite
def raw_agents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """An agent as the list returns it (embedded sections included) and its separate sections."""
    core = draw(raw_item(SECTIONS[0]))
    agent: dict[str, Any] = {**core, "agent_uuid": draw(st.sampled_from(["a-9", "", None]))}
    separate: dict[str, list[dict[str, Any]]] = {}
    for descriptor in SECTIONS[1:]:
        if descriptor.kind == "object":
            if draw(st.booleans()):
                agent[descriptor.embedded_as or descriptor.key] = draw(raw_item(descriptor))
            continue
        items = draw(st.lists(_identified(descriptor), max_size=3))
        if descriptor.embedded_as:
            agent[descriptor.embedded_as] = items
        else:
            separate[descriptor.key] = items
    return agent, separate


@st.composite
def _identified(draw: st.DrawFn, descriptor: SectionDescriptor) -> dict[str, Any]:
    """A raw item that carries its identity (an item without one is refused, tested elsewhere)."""
    item = draw(raw_item(descriptor))
    name = descriptor.identity or "content"
    item[name] = draw(st.sampled_from(["a", "b", "c", "Book it", "cancel"]))
    if descriptor.uuid_field and draw(st.booleans()):
        item[descriptor.uuid_field] = draw(st.sampled_from(UUIDS))
    return item


@given(raw_agents())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_agents_read_as_before(
    case: tuple[dict[str, Any], dict[str, list[dict[str, Any]]]],
) -> None:
    raw, separate = case
    kept = copy.deepcopy((raw, separate))

    def read(module: Any) -> Any:
        agent = module.agent_from_api(raw, handle="h", agent_handles=AGENTS, separate=separate)
        items = {
            key: [(i.key, i.uuid, i.position, ordered(i.fields), i.secrets) for i in found]
            for key, found in agent.collections.items()
        }
        return agent.handle, agent.uuid, ordered(agent.objects), items

    same_outcome(lambda: read(before), lambda: read(convert))
    assert (raw, separate) == kept
    assert roundtrip.unknown_agent_fields(raw) == before.unknown_agent_fields(raw)


def test_the_reference_covers_every_collection() -> None:
    """The agent strategy draws every collection of the table, embedded or separate."""
    assert {d.key for d in COLLECTIONS} <= {d.key for d in SECTIONS[1:]}
