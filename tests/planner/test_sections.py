"""Every action per section kind, and the cost rule that picks per-item calls or one replace.

Each row: what the manifest says, what the workspace holds, and the exact calls the plan makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mhsync.plan import Action, Change, FieldChange
from mhsync.planner import plan
from mhsync.sections import COLLECTIONS
from mhsync.state import AgentState, Item

from .factories import actions, call_lines, desired_agent, have, live_agent, notes, want, workspace

U = "/agents/u-1"


def changes_for(desired: AgentState, live: AgentState) -> tuple[Change, ...]:
    made = plan(workspace(desired), workspace(live), target="t")
    return made.agents[0].changes


@dataclass
class Case:
    id: str
    desired: dict[str, list[Item]]
    live: dict[str, list[Item]]
    calls: list[str]
    actions: list[str] = field(default_factory=list)


TEXTS = ["Greet", "Ask the plate", "Offer a slot", "Confirm", "Say goodbye"]

CASES = [
    Case(
        "guidelines: editing one is 1 PATCH at its uuid",
        {"guidelines": notes("guidelines", ["Greet", "Ask the VIN", "Confirm"])},
        {"guidelines": notes("guidelines", ["Greet", "Ask the plate", "Confirm"], prefix="g")},
        [f"PATCH {U}/guidelines/g-1"],
        ["update"],
    ),
    Case(
        "guidelines: appending one is 1 POST",
        {"guidelines": notes("guidelines", ["Greet", "Confirm", "Thank"])},
        {"guidelines": notes("guidelines", ["Greet", "Confirm"], prefix="g")},
        [f"POST {U}/guidelines"],
        ["create"],
    ),
    Case(
        "guidelines: removing the last is 1 DELETE",
        {"guidelines": notes("guidelines", ["Greet"])},
        {"guidelines": notes("guidelines", ["Greet", "Confirm"], prefix="g")},
        [f"DELETE {U}/guidelines/g-1"],
        ["delete"],
    ),
    Case(
        "notes: swapping two is 2 moves, so 1 PUT replace",
        {"notes": notes("notes", ["b", "a"])},
        {"notes": notes("notes", ["a", "b"], prefix="n")},
        [f"PUT {U}/notes"],
        ["replace"],
    ),
    Case(
        "notes: reordering five is 1 PUT replace",
        {"notes": notes("notes", list(reversed(TEXTS)))},
        {"notes": notes("notes", TEXTS, prefix="n")},
        [f"PUT {U}/notes"],
        ["replace"],
    ),
    Case(
        "notes: removing the first moves the rest, so 1 PUT replace",
        {"notes": notes("notes", TEXTS[1:3])},
        {"notes": notes("notes", TEXTS[:3], prefix="n")},
        [f"PUT {U}/notes"],
        ["replace"],
    ),
    Case(
        "notes: one item behind an equal order is 1 move (PATCH with order)",
        {"notes": notes("notes", ["a", "b"])},
        {"notes": [have("notes", "n-0", 0, content="b"), have("notes", "n-1", 0, content="a")]},
        [f"PATCH {U}/notes/n-0"],
        ["move"],
    ),
    Case(
        "notes: an edit that also moves is 1 PATCH",
        {"notes": notes("notes", ["a", "B"])},
        {"notes": [have("notes", "n-0", 0, content="a"), have("notes", "n-1", 3, content="b")]},
        [f"PATCH {U}/notes/n-1"],
        ["update"],
    ),
    Case(
        "notes: odd server order numbers in the right sequence need nothing",
        {"notes": notes("notes", ["a", "b", "c"])},
        {
            "notes": [
                have("notes", "n-0", 1, content="a"),
                have("notes", "n-1", 1, content="b"),
                have("notes", "n-2", 7, content="c"),
            ]
        },
        [],
    ),
    Case(
        "notes: an empty section filled with several items is 1 PUT",
        {"notes": notes("notes", ["a", "b"])},
        {"notes": []},
        [f"PUT {U}/notes"],
        ["replace"],
    ),
    Case(
        "notes: emptying a section of several items is 1 PUT",
        {"notes": []},
        {"notes": notes("notes", ["a", "b"], prefix="n")},
        [f"PUT {U}/notes"],
        ["replace"],
    ),
    Case(
        "guard rules: adding one is 1 POST",
        {
            "guard_rules": [
                want(
                    "guard_rules",
                    name="Legal",
                    when_condition="lawyer",
                    then_action="end_conversation",
                )
            ]
        },
        {"guard_rules": []},
        [f"POST {U}/guard-rules"],
        ["create"],
    ),
    Case(
        "guard rules: changing a field is 1 PATCH",
        {
            "guard_rules": [
                want(
                    "guard_rules",
                    name="Legal",
                    when_condition="sue",
                    then_action="end_conversation",
                )
            ]
        },
        {
            "guard_rules": [
                have(
                    "guard_rules",
                    "r-1",
                    name="Legal",
                    when_condition="lawyer",
                    then_action="end_conversation",
                )
            ]
        },
        [f"PATCH {U}/guard-rules/r-1"],
        ["update"],
    ),
    Case(
        "guard rules: selected_channels compare as a set",
        {
            "guard_rules": [
                want(
                    "guard_rules",
                    name="L",
                    when_condition="c",
                    then_action="end_conversation",
                    selected_channels=["whatsapp", "phone"],
                )
            ]
        },
        {
            "guard_rules": [
                have(
                    "guard_rules",
                    "r-1",
                    name="L",
                    when_condition="c",
                    then_action="end_conversation",
                    selected_channels=["phone", "whatsapp"],
                )
            ]
        },
        [],
    ),
    Case(
        "guard rules: renaming without previous_keys costs 2 calls, so 1 PUT",
        {
            "guard_rules": [
                want(
                    "guard_rules",
                    name="Legal (EU)",
                    when_condition="c",
                    then_action="end_conversation",
                )
            ]
        },
        {
            "guard_rules": [
                have(
                    "guard_rules",
                    "r-1",
                    name="Legal",
                    when_condition="c",
                    then_action="end_conversation",
                )
            ]
        },
        [f"PUT {U}/guard-rules"],
        ["replace"],
    ),
    Case(
        "procedures: renaming with previous_keys is 1 PATCH keeping the uuid",
        {"procedures": [want("procedures", name="Refund v2", previous_keys=["Refund"])]},
        {"procedures": [have("procedures", "p-1", name="Refund")]},
        [f"PATCH {U}/procedures/p-1"],
        ["update"],
    ),
    Case(
        "procedures: a kept uuid forbids the replace even when it would be cheaper",
        {
            "procedures": [
                want("procedures", name="A2", previous_keys=["A"]),
                want("procedures", name="B"),
                want("procedures", name="C"),
            ]
        },
        {"procedures": [have("procedures", "p-1", name="A"), have("procedures", "p-2", name="X")]},
        [
            f"DELETE {U}/procedures/p-2",
            f"PATCH {U}/procedures/p-1",
            f"POST {U}/procedures",
            f"POST {U}/procedures",
        ],
        ["delete", "update", "create", "create"],
    ),
    Case(
        "procedures: new steps replace the steps whole in one PATCH",
        {
            "procedures": [
                want(
                    "procedures",
                    name="Refund",
                    steps=[{"description": "ask"}, {"description": "pay"}],
                )
            ]
        },
        {"procedures": [have("procedures", "p-1", name="Refund", steps=[{"description": "ask"}])]},
        [f"PATCH {U}/procedures/p-1"],
        ["update"],
    ),
    Case(
        "training: two new rows in an empty section is 1 PUT",
        {"training": [want("training", content="hi"), want("training", content="bye")]},
        {"training": []},
        [f"PUT {U}/training"],
        ["replace"],
    ),
    Case(
        "routing rules: priority the manifest leaves out is the server's",
        {"routing_rules": [want("routing_rules", department_name="Sales")]},
        {"routing_rules": [have("routing_rules", "rr-1", department_name="Sales", priority=4)]},
        [],
    ),
    Case(
        "routing rules: priority the manifest sets is compared",
        {"routing_rules": [want("routing_rules", department_name="Sales", priority=1)]},
        {"routing_rules": [have("routing_rules", "rr-1", department_name="Sales", priority=4)]},
        [f"PATCH {U}/routing-rules/rr-1"],
        ["update"],
    ),
    Case(
        "intents: key derived from the name matches the live key",
        {"intents": [want("intents", name="Book appointment")]},
        {"intents": [have("intents", "i-1", name="Book appointment", key="book_appointment")]},
        [],
    ),
    Case(
        "intents: per item only, even for many creates",
        {"intents": [want("intents", name="A"), want("intents", name="B")]},
        {"intents": []},
        [f"POST {U}/intents", f"POST {U}/intents"],
        ["create", "create"],
    ),
    Case(
        "webhooks: changing the URL is delete + create, delete first",
        {"webhooks": [want("webhooks", url="https://new.example/h", events=["intent_call"])]},
        {
            "webhooks": [
                have("webhooks", "w-1", url="https://old.example/h", events=["intent_call"])
            ]
        },
        [f"DELETE {U}/webhooks/w-1", f"POST {U}/webhooks"],
        ["delete", "create"],
    ),
    Case(
        "webhooks: swapping one of five deletes before it creates (limit 5)",
        {
            "webhooks": [
                want("webhooks", url=f"https://h/{n}", events=["intent_call"])
                for n in (1, 2, 3, 4, 6)
            ]
        },
        {
            "webhooks": [
                have("webhooks", f"w-{n}", url=f"https://h/{n}", events=["intent_call"])
                for n in (1, 2, 3, 4, 5)
            ]
        },
        [f"DELETE {U}/webhooks/w-5", f"POST {U}/webhooks"],
        ["delete", "create"],
    ),
    Case(
        "webhooks: a secret set on one side only is a change",
        {
            "webhooks": [
                want(
                    "webhooks", url="https://h/1", events=["intent_call"], secret_key="${env:HOOK}"
                )
            ]
        },
        {"webhooks": [have("webhooks", "w-1", url="https://h/1", events=["intent_call"])]},
        [f"PATCH {U}/webhooks/w-1"],
        ["update"],
    ),
    Case(
        "webhooks: a secret set on both sides is no change (presence only)",
        {
            "webhooks": [
                want(
                    "webhooks", url="https://h/1", events=["intent_call"], secret_key="${env:HOOK}"
                )
            ]
        },
        {
            "webhooks": [
                have(
                    "webhooks",
                    "w-1",
                    url="https://h/1",
                    events=["intent_call"],
                    secret_key="(sensitive value)",
                )
            ]
        },
        [],
    ),
    Case(
        "webhooks: an unmanaged live duplicate of a key is deleted",
        {"webhooks": [want("webhooks", url="https://h/1", events=["intent_call"])]},
        {
            "webhooks": [
                have("webhooks", f"w-{n}", url="https://h/1", events=["intent_call"])
                for n in (1, 2)
            ]
        },
        [f"DELETE {U}/webhooks/w-2"],
        ["delete"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_section_calls(case: Case) -> None:
    changes = changes_for(desired_agent("a", **case.desired), live_agent("a", "u-1", **case.live))
    assert call_lines(changes) == case.calls
    assert [action for action, _ in actions(changes)] == case.actions


def test_rename_with_previous_keys_names_the_new_key_and_keeps_the_uuid() -> None:
    (change,) = changes_for(
        desired_agent(
            "a", procedures=[want("procedures", name="Refund v2", previous_keys=["Refund"])]
        ),
        live_agent("a", "u-1", procedures=[have("procedures", "p-1", name="Refund")]),
    )
    assert change.address == 'agent[a].procedures["Refund v2"]'
    assert change.uuid == "p-1"
    assert change.fields == (FieldChange(path="name", before="Refund", after="Refund v2"),)


def test_positional_update_carries_target_and_live_positions() -> None:
    (change,) = changes_for(
        desired_agent("a", guidelines=notes("guidelines", ["a", "B"])),
        live_agent("a", "u-1", guidelines=notes("guidelines", ["a", "b"], prefix="g")),
    )
    assert (change.address, change.position, change.previous_position) == (
        "agent[a].guidelines[1]",
        1,
        1,
    )
    assert change.fields == (FieldChange(path="content", before="b", after="B"),)


def test_a_move_has_no_field_changes() -> None:
    (change,) = changes_for(
        desired_agent("a", notes=notes("notes", ["a", "b"])),
        live_agent(
            "a",
            "u-1",
            notes=[have("notes", "n-0", 0, content="b"), have("notes", "n-1", 0, content="a")],
        ),
    )
    assert (change.action, change.fields, change.position, change.previous_position) == (
        Action.MOVE,
        (),
        1,
        0,
    )
    assert change.address == "agent[a].notes[1]"


def test_replace_lists_both_sides_in_order() -> None:
    (change,) = changes_for(
        desired_agent("a", notes=notes("notes", ["b", "a"])),
        live_agent("a", "u-1", notes=notes("notes", ["a", "b"], prefix="n")),
    )
    assert change.address == "agent[a].notes"
    assert change.before == [{"content": "a"}, {"content": "b"}]
    assert change.after == [{"content": "b"}, {"content": "a"}]


def test_unmanaged_sections_are_left_alone() -> None:
    changes = changes_for(
        desired_agent("a"),
        live_agent("a", "u-1", notes=notes("notes", ["x"], prefix="n")),
    )
    assert changes == ()


# --- every collection section, one item at a time -------------------------------------------------

ONE_ITEM: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "guidelines": ({"content": "Greet"}, {"content": "Greet warmly"}),
    "notes": ({"content": "Open at 7"}, {"content": "Open at 8"}),
    "training": ({"content": "hi", "response": "hello"}, {"content": "hi", "response": "hey"}),
    "routing_rules": (
        {"department_name": "Sales"},
        {"department_name": "Sales", "is_active": False},
    ),
    "guard_rules": (
        {"name": "L", "when_condition": "c", "then_action": "end_conversation"},
        {"name": "L", "when_condition": "d", "then_action": "end_conversation"},
    ),
    "intents": ({"name": "Book"}, {"name": "Book", "description": "d"}),
    "procedures": ({"name": "P"}, {"name": "P", "description": "d"}),
    "webhooks": (
        {"url": "https://h/1", "events": ["intent_call"]},
        {"url": "https://h/1", "events": ["intent_call"], "is_active": False},
    ),
}
PATHS = {d.key: d.path for d in COLLECTIONS}


def test_every_collection_section_is_covered() -> None:
    assert set(ONE_ITEM) == {d.key for d in COLLECTIONS}


@pytest.mark.parametrize("key", sorted(ONE_ITEM))
@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_one_item_is_one_call(key: str, action: str) -> None:
    original, edited = ONE_ITEM[key]
    position = 0 if key in ("guidelines", "notes") else None
    live_items = [] if action == "create" else [have(key, "x-1", position, **original)]
    desired_items = (
        [] if action == "delete" else [want(key, **(edited if action == "update" else original))]
    )
    changes = changes_for(
        desired_agent("a", **{key: desired_items}), live_agent("a", "u-1", **{key: live_items})
    )
    expected = {
        "create": f"POST {U}{PATHS[key]}",
        "update": f"PATCH {U}{PATHS[key]}/x-1",
        "delete": f"DELETE {U}{PATHS[key]}/x-1",
    }[action]
    assert call_lines(changes) == [expected]
    assert [a for a, _ in actions(changes)] == [action]
