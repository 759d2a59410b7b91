"""The planner's fast paths (equality first, matching through a dict) give what the slow ones did.

``field_changes`` settles equal sides with ``same`` before walking; the walk's own rules must
still hold at the edges where Python's ``==`` and JSON equality part: ``True`` is not ``1``,
``1`` is ``1.0``, and an absent key reads as ``None``.
"""

from __future__ import annotations

from mhsync.planner.diff import field_changes, same
from mhsync.planner.matching_items import match_items
from mhsync.sections import BY_KEY
from mhsync.state import Item


def test_equal_sides_have_no_changes_and_bool_is_not_a_number() -> None:
    nested = {"a": "x", "b": {"c": [1, {"d": True}]}}
    assert field_changes(nested, {"a": "x", "b": {"c": [1.0, {"d": True}]}}) == ()
    changes = field_changes(nested, {"a": "x", "b": {"c": [1, {"d": 1}]}})
    assert [(str(c.path), c.before, c.after) for c in changes] == [
        ("b.c", [1, {"d": True}], [1, {"d": 1}])
    ]
    assert not same({"flag": True}, {"flag": 1})
    assert same({"n": 1}, {"n": 1.0})


def test_an_absent_key_still_reads_as_none() -> None:
    assert field_changes({"a": None}, {}) == ()
    assert [str(c.path) for c in field_changes({"a": {"b": 1}}, {})] == ["a.b"]


def test_duplicate_keys_pair_in_order_and_renames_take_the_first_free() -> None:
    descriptor = BY_KEY["procedures"]
    live = [Item("x", {}, uuid="1"), Item("x", {}, uuid="2"), Item("old", {}, uuid="3")]
    desired = [Item("x", {}), Item("new", {}, previous_keys=("old",)), Item("x", {})]
    matching = match_items(descriptor, desired, live)
    assert [(p.desired_index, p.live.uuid, p.renamed) for p in matching.pairs] == [
        (0, "1", False),
        (1, "3", True),
        (2, "2", False),
    ]
    assert (matching.creates, matching.deletes) == ((), ())
