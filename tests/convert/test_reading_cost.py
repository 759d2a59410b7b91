"""Reading live agents cheaply without reading them differently.

``fields_from_api`` copies and prunes an item in one pass when the descriptor allows it (every
field that references and positions touch is one the model knows); the result must be what
copying everything, resolving references and positions, then pruning gives. The unknown-field
walk looks each model's fields up once, not its annotations for every value.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.convert import (
    References,
    _copied_then_pruned,
    _secrets_to_markers,
    fields_from_api,
)
from mhsync.roundtrip import unknown_agent_fields
from mhsync.sections import SECTIONS, SectionDescriptor
from mhsync.sections.introspect import field_models
from mhsync.state import JSONDict, canonical_fields
from tests.python_calls import python_calls

REFS = References(agents={"a-1": "sales", "a-2": "support"}, items={"intents": {"i-1": "book"}})


def copy_then_prune(
    descriptor: SectionDescriptor, raw: dict[str, Any], refs: References
) -> JSONDict:
    """The reading before the one-pass copy (still that of procedures): copy everything the
    model knows, read references and positions, then prune."""
    data = _copied_then_pruned(descriptor, raw, refs)
    _secrets_to_markers(descriptor, raw, data)
    return canonical_fields(descriptor, data)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "x", "a-1", "a-2", "i-1", "outside"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "order", "zz"]), inner, max_size=3)
    ),
    max_leaves=8,
)


def _keys(descriptor: SectionDescriptor) -> list[str]:
    """Every name a raw item of this section may carry: model fields, nested model fields,
    server-owned fields, references, flags, and some the model does not know."""
    names = set(field_models(descriptor.model)) | set(descriptor.read_only)
    for inner in field_models(descriptor.model).values():
        if inner is not None:
            names |= set(field_models(inner))
    for ref in descriptor.refs:
        names |= {ref.api_field, ref.name_field}
    names |= set(descriptor.write_only.values()) | set(descriptor.ordered_lists.values())
    names |= {"unknown_field", "order"}
    return sorted(names)


@st.composite
def raw_items(draw: st.DrawFn) -> tuple[SectionDescriptor, dict[str, Any]]:
    descriptor = draw(st.sampled_from(SECTIONS))
    keys = _keys(descriptor)
    nested_items = st.dictionaries(st.sampled_from(keys), json_values, max_size=4)
    value = st.one_of(json_values, nested_items, st.lists(nested_items, max_size=3))
    return descriptor, draw(st.dictionaries(st.sampled_from(keys), value, max_size=8))


@given(raw_items())
@settings(max_examples=400, deadline=None)
def test_one_pass_reading_equals_copy_then_prune(case: tuple[SectionDescriptor, Any]) -> None:
    descriptor, raw = case
    before = copy.deepcopy(raw)
    try:
        expected = copy_then_prune(descriptor, copy.deepcopy(raw), REFS)
    except (AttributeError, TypeError) as failed:  # data no API sends: fail the same way
        with pytest.raises(type(failed)):
            fields_from_api(descriptor, raw, REFS)
        return
    assert fields_from_api(descriptor, raw, REFS) == expected
    assert raw == before  # the API answer is never changed in place


def _live_agent() -> dict[str, Any]:
    return {
        "agent_uuid": "a-9",
        "name": "Front desk",
        "settings": {"voice": {"interaction": {"silence_message": "Hi?"}}, "memorize": {}},
        "guidelines": [{"uuid": f"g{i}", "content": f"c{i}", "order": i} for i in range(20)],
        "notes": [{"uuid": f"n{i}", "content": f"n{i}", "order": i} for i in range(8)],
        "training": [],
        "routing_rules": [],
        "guard_rules": [
            {
                "uuid": f"r{i}",
                "name": f"rule {i}",
                "when_condition": "w",
                "then_action": "end_conversation",
                "selected_channels": ["phone"],
            }
            for i in range(6)
        ],
        "procedures": [
            {
                "uuid": f"p{i}",
                "name": f"p{i}",
                "steps": [{"order": j, "description": "d", "intent_uuid": "i-1"} for j in range(4)],
            }
            for i in range(5)
        ],
    }


UNKNOWN_WALK_CALLS = 400
"""Python calls of the unknown-field walk over ``_live_agent()`` (39 items): 685 when the
annotations of a model were inspected again for every value, about 200 with each model's
fields looked up once (``field_models``)."""


def test_the_unknown_field_walk_looks_each_model_up_once() -> None:
    raw = _live_agent()
    assert unknown_agent_fields(raw) == []
    assert python_calls(lambda: unknown_agent_fields(raw)) <= UNKNOWN_WALK_CALLS
