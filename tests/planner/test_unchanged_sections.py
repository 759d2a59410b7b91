"""An unchanged collection section is settled before matching, with what the full path gave.

``_SectionPlanner._unchanged`` answers "no change" for a section whose items pair one to one
and read the same, without ``match_items``, views or a ``_update`` per item (issue 16: most
sections of most plans). Here it is held to the planner as it was (positional sections
compared whole, every other section matched and diffed item by item) over sections built to
sit on its edges: duplicate and shuffled keys, ``True`` against ``1``, ``1`` against ``1.0``,
a ``compare_only_when_set`` field on one side, ignored fields, secrets with
``resend_secrets``; and its cost is pinned in Python calls. The fingerprint's shared JSON
encoder is held to ``json.dumps`` here too.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mhsync.planner.collection_sections as sections_module
from mhsync.convert import agent_from_api
from mhsync.fieldpath import FieldPath
from mhsync.planner.agents import plan_existing
from mhsync.planner.collection_sections import _SectionPlanner
from mhsync.planner.diff import field_changes, same, same_view
from mhsync.planner.ignore import IgnoreRules, drop
from mhsync.planner.object_sections import plan_object
from mhsync.planner.scope import AgentScope
from mhsync.sections import BY_KEY, COLLECTIONS, OBJECTS, SECTIONS
from mhsync.state import SECRET_SET, AgentState, Item, canonical_json, comparable
from tests.convert.test_reading_cost import SEPARATE, _live_agent
from tests.python_calls import python_calls


class _FullPath(_SectionPlanner):
    """The planner before the shortcut: only positional sections compared whole first."""

    def _unchanged(self) -> bool:
        if not self.descriptor.positional or len(self.desired) != len(self.live):
            return False
        pairs = zip(self.desired, self.live, strict=True)
        views = [self._views(w.fields, h.fields) for w, h in pairs]
        return same([w for w, _ in views], [h for _, h in views])


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "content": st.sampled_from(["a", "b"]),
    "is_active": st.sampled_from([True, 1, False, 0]),
    "priority": st.sampled_from([1, 1.0, 2]),
    "confidence_threshold": st.sampled_from([0.5, 1, 1.0]),
    "phrases": st.sampled_from([["x", "y"], ["x", True], ["x", 1], ["x", 1.0], []]),
    "steps": st.sampled_from([[{"n": 1}], [{"n": True}], [{"n": 1.0, "m": "z"}]]),
    "secret_key": st.just(SECRET_SET),
    "status": st.sampled_from(["active", "paused"]),
    "intent_llm_handle_by_response": st.booleans(),
}
FIELDS = st.dictionaries(st.sampled_from(sorted(VALUES)), st.none(), max_size=4).flatmap(
    lambda names: st.fixed_dictionaries({name: VALUES[name] for name in names})
)
IGNORES = st.sampled_from([(), ("phrases",), ("priority", "steps"), ("content",)])


@st.composite
def sections(draw: st.DrawFn) -> tuple[AgentScope, Any]:
    descriptor = draw(st.sampled_from(COLLECTIONS))
    rows = draw(st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), FIELDS), max_size=4))

    def key(name: str, fields: dict[str, Any]) -> str:
        return str(fields.get("content", "")) if descriptor.positional else name

    secret = {FieldPath("secret_key"): "${env:S}"}
    desired = [
        Item(key(k, f), f, secrets=secret if draw(st.booleans()) else {}) for k, f in rows
    ]
    if draw(st.booleans()):  # the live side as the desired one, maybe shuffled, maybe edited
        live_rows = draw(st.permutations(rows)) if draw(st.booleans()) else list(rows)
        if live_rows and draw(st.booleans()):  # one value (or one whole item) edited
            index = draw(st.integers(0, len(live_rows) - 1))
            name, fields = live_rows[index]
            if fields and draw(st.booleans()):
                edited = draw(st.sampled_from(sorted(fields)))
                fields = {**fields, edited: draw(VALUES[edited])}
            else:
                fields = draw(FIELDS)
            live_rows[index] = (name, fields)
    else:
        live_rows = draw(st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), FIELDS)))
    positions = draw(st.sampled_from(["in order", "shifted", "none"]))
    live = [
        Item(
            key(k, f),
            f,
            uuid=f"u{i}",
            position={"in order": i, "shifted": i + 1, "none": None}[positions],
        )
        for i, (k, f) in enumerate(live_rows)
    ]
    ignore = [f"spec.{descriptor.key}.{name}" for name in draw(IGNORES)]
    scope = AgentScope(
        AgentState("h", None, {"core": {}}, {descriptor.key: desired}, ignore=tuple(ignore)),
        AgentState("h", "a-1", {"core": {}}, {descriptor.key: live}),
        ignore=IgnoreRules.parse(ignore),
        resend_secrets=draw(st.booleans()),
    )
    return scope, descriptor


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=sections())
def test_the_shortcut_plans_what_the_full_path_planned(case: tuple[AgentScope, Any]) -> None:
    scope, descriptor = case
    assert _SectionPlanner(scope, descriptor).plan() == _FullPath(scope, descriptor).plan()


@settings(max_examples=300, deadline=None)
@given(
    descriptor=st.sampled_from(OBJECTS),
    desired=FIELDS,
    live=FIELDS,
    same_live=st.booleans(),
    ignore=IGNORES,
)
def test_an_object_is_unchanged_exactly_when_its_views_have_no_field_changes(
    descriptor: Any,
    desired: dict[str, Any],
    live: dict[str, Any],
    same_live: bool,
    ignore: tuple[str, ...],
) -> None:
    """``plan_object`` settles an object whose fields read the same without building views;
    the full path planned nothing exactly when its views had no field changes."""
    live = dict(desired) if same_live else live
    under = "spec." if descriptor.key == "core" else f"spec.{descriptor.key}."
    rules = IgnoreRules.parse(f"{under}{name}" for name in ignore)
    scope = AgentScope(
        AgentState("h", None, {descriptor.key: desired}, {}),
        AgentState("h", "a-1", {descriptor.key: live}, {}),
        ignore=rules,
    )
    ignored = rules.fields(descriptor.key)
    want, have = comparable(descriptor, drop(desired, ignored), drop(live, ignored))
    assert (plan_object(scope, descriptor) == []) == (field_changes(have, want) == ())


@settings(max_examples=300, deadline=None)
@given(
    descriptor=st.sampled_from([d for d in SECTIONS if not d.partial]),
    desired=FIELDS,
    live=FIELDS,
    overlap=st.booleans(),
)
def test_same_view_is_same_of_the_views(
    descriptor: Any, desired: dict[str, Any], live: dict[str, Any], overlap: bool
) -> None:
    if overlap:  # the live side as the desired one plus what it drew (server-set fields)
        live = {**desired, **{k: v for k, v in live.items() if k not in desired}}
    expected = same(*comparable(descriptor, desired, live))
    assert same_view(desired, live, descriptor.compare_only_when_set) == expected


def test_duplicate_keys_on_both_sides_are_matched_in_full() -> None:
    descriptor = BY_KEY["procedures"]
    same_fields = {"name": "p"}
    desired = [Item(k, same_fields) for k in ("k1", "k1", "k2")]
    live = [Item(k, same_fields, uuid=f"u{i}") for i, k in enumerate(("k1", "k2", "k2"))]
    scope = AgentScope(
        AgentState("h", None, {"core": {}}, {"procedures": desired}),
        AgentState("h", "a-1", {"core": {}}, {"procedures": live}),
    )
    changes = _SectionPlanner(scope, descriptor).plan()
    assert changes == _FullPath(scope, descriptor).plan()
    assert changes != []


def _unchanged_pair() -> tuple[AgentState, AgentState]:
    """A live agent (41 items) and the desired agent that reads exactly like it."""
    live = agent_from_api(_live_agent(), handle="desk", agent_handles={}, separate=SEPARATE)
    desired = AgentState(
        "desk",
        None,
        live.objects,
        {
            key: [Item(i.key, i.fields) for i in (items if positional else reversed(items))]
            for key, items in live.collections.items()
            for positional in [BY_KEY[key].positional]  # other sections: the manifest's order
        },
    )
    return desired, live


def test_an_unchanged_agent_is_planned_without_matching(monkeypatch: Any) -> None:
    desired, live = _unchanged_pair()
    matched: list[str] = []
    match_items = sections_module.match_items
    monkeypatch.setattr(
        sections_module,
        "match_items",
        lambda d, *sides: matched.append(d.key) or match_items(d, *sides),
    )
    assert plan_existing(desired, live, ()).changes == ()
    assert matched == []
    desired.collections["guard_rules"][0] = Item("rule 0", {"name": "rule 0"})
    assert plan_existing(desired, live, ()).changes != ()
    assert matched == ["guard_rules"]


PLAN_UNCHANGED_CALLS = 260
"""Python calls of ``plan_existing`` over an unchanged agent of 41 items (``_unchanged_pair``):
696 when every identity section was matched and each pair diffed through its views
(``_update``), positional sections compared whole through views; 257 with each section
settled by ``_unchanged``, one call per item; 214 with nested lists and dicts compared inside
``same_pairs``."""


def test_an_unchanged_agent_costs_few_calls() -> None:
    desired, live = _unchanged_pair()
    plan_existing(desired, live, ())
    assert python_calls(lambda: plan_existing(desired, live, ())) <= PLAN_UNCHANGED_CALLS
    assert BY_KEY["guard_rules"] in desired.managed_sections()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=5),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON_VALUES)
def test_canonical_json_is_the_text_json_dumps_gave(value: Any) -> None:
    """Fingerprints hash this text: the shared encoder (no circular-reference table) must give
    exactly what ``json.dumps`` with the same options gave, or every saved plan goes stale."""
    expected = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    assert canonical_json(value) == expected
