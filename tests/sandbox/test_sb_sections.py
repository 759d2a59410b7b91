"""Collection sections (CONTRACT 3) and appointments (CONTRACT 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

NewAgent = Callable[..., dict[str, Any]]

# segment, key, a minimal valid item, a field to patch with a new value
SECTIONS = [
    ("guidelines", "guidelines", {"content": "be kind"}, ("content", "be kinder")),
    ("notes", "notes", {"content": "open 9-5"}, ("content", "open 8-6")),
    ("procedures", "procedures", {"name": "Refund"}, ("description", "how to refund")),
    ("training", "training", {"content": "hello?"}, ("response", "Hi!")),
    ("routing-rules", "routing_rules", {"destination": "101"}, ("department_name", "Sales")),
    (
        "guard-rules",
        "guard_rules",
        {"when_condition": "abuse", "then_action": "end_conversation"},
        ("say_before_end", "Goodbye."),
    ),
]
IDS = [segment for segment, *_ in SECTIONS]


def _path(agent: dict[str, Any], *parts: str) -> str:
    return "/".join([f"/agents/{agent['agent_uuid']}", *parts])


@pytest.mark.parametrize(("segment", "key", "item", "patch"), SECTIONS, ids=IDS)
def test_replace_add_patch_delete(
    api: httpx.Client,
    new_agent: NewAgent,
    segment: str,
    key: str,
    item: dict[str, Any],
    patch: tuple[str, str],
) -> None:
    agent = new_agent(**{key: [item]})
    original_uuid = agent[key][0]["uuid"]

    response = api.put(_path(agent, segment), json={key: [item, item]})
    assert response.status_code == 200
    assert set(response.json()) == {"data"}
    replaced = response.json()["data"][key]
    uuids = {entry["uuid"] for entry in replaced}
    assert len(replaced) == 2 and len(uuids) == 2 and original_uuid not in uuids

    added = api.post(_path(agent, segment), json=item).json()["data"][key]
    assert len(added) == 3
    new_uuid = ({entry["uuid"] for entry in added} - uuids).pop()

    field, value = patch
    patched = api.patch(_path(agent, segment, new_uuid), json={field: value}).json()["data"][key]
    target = next(entry for entry in patched if entry["uuid"] == new_uuid)
    assert target[field] == value
    for name, sent in item.items():
        if name != field:
            assert target[name] == sent

    after_delete = api.delete(_path(agent, segment, new_uuid))
    assert after_delete.status_code == 200
    assert {entry["uuid"] for entry in after_delete.json()["data"][key]} == uuids

    missing = api.patch(_path(agent, segment, new_uuid), json={field: value})
    assert missing.status_code == 404
    assert api.delete(_path(agent, segment, new_uuid)).status_code == 404


@pytest.mark.parametrize(("segment", "key", "item", "patch"), SECTIONS, ids=IDS)
def test_replace_with_empty_list_clears(
    api: httpx.Client,
    new_agent: NewAgent,
    segment: str,
    key: str,
    item: dict[str, Any],
    patch: tuple[str, str],
) -> None:
    agent = new_agent(**{key: [item]})
    response = api.put(_path(agent, segment), json={key: []})
    assert response.json()["data"][key] == []


@pytest.mark.parametrize("key", ["guidelines", "notes"])
def test_ordered_sections_sort_by_order_then_insertion(
    api: httpx.Client, new_agent: NewAgent, key: str
) -> None:
    agent = new_agent(
        **{
            key: [
                {"content": "b", "order": 5},
                {"content": "a", "order": 1},
                {"content": "no order -> index 2"},
                {"content": "c", "order": 5},
            ]
        }
    )
    assert [(i["content"], i["order"]) for i in agent[key]] == [
        ("a", 1),
        ("no order -> index 2", 2),
        ("b", 5),
        ("c", 5),
    ]
    segment = key
    after_add = api.post(_path(agent, segment), json={"content": "appended"}).json()["data"][key]
    assert after_add[-1]["content"] == "appended" and after_add[-1]["order"] == 6
    c_uuid = next(i["uuid"] for i in after_add if i["content"] == "c")
    b_uuid = next(i["uuid"] for i in after_add if i["content"] == "b")
    api.patch(_path(agent, segment, c_uuid), json={"order": 0})
    moved = api.patch(_path(agent, segment, b_uuid), json={"order": 0}).json()["data"][key]
    # equal order: the earlier-inserted item ("b") comes first
    assert [i["content"] for i in moved][:3] == ["b", "c", "a"]


def test_training_keeps_insertion_order(api: httpx.Client, new_agent: NewAgent) -> None:
    rows = [{"content": c, "intent": "x"} for c in ("z", "a", "m")]
    agent = new_agent(training=rows)
    assert [r["content"] for r in agent["training"]] == ["z", "a", "m"]
    assert agent["training"][0] == {
        "uuid": agent["training"][0]["uuid"],
        "content": "z",
        "intent": "x",
        "response": None,
    }


def test_routing_rule_defaults_and_priority(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(
        routing_rules=[
            {"destination": "1"},
            {"destination": "2", "priority": 7},
            {"destination": "3"},
        ]
    )
    rules = agent["routing_rules"]
    assert [r["priority"] for r in rules] == [1, 7, 3]
    assert all(r["detection_mode"] == "intent" and r["is_active"] is True for r in rules)
    assert rules[0]["phrases"] == []
    added = api.post(_path(agent, "routing-rules"), json={"destination": "4"}).json()["data"]
    assert added["routing_rules"][-1]["priority"] == 8
    kept = api.patch(
        _path(agent, "routing-rules", rules[1]["uuid"]), json={"is_active": False}
    ).json()["data"]["routing_rules"][1]
    assert kept["priority"] == 7 and kept["is_active"] is False


def test_first_routing_rule_added_gets_priority_1(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    added = api.post(_path(agent, "routing-rules"), json={"destination": "9"}).json()["data"]
    assert added["routing_rules"][0]["priority"] == 1


def test_guard_rule_defaults(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(guard_rules=[{"when_condition": "w", "then_action": "end_conversation"}])
    rule = agent["guard_rules"][0]
    assert rule["selected_channels"] == ["phone"]
    assert rule["is_active"] is True and rule["is_default"] is False
    assert rule["example_phrases"] == []


def test_guard_rule_forward_to_live_agent(api: httpx.Client, new_agent: NewAgent) -> None:
    target = new_agent(name="target")
    rule = {
        "when_condition": "wants a human",
        "then_action": "forward",
        "destination_type": "agent",
        "destination_agent_uuid": target["agent_uuid"],
        "selected_channels": ["phone", "whatsapp", "phone"],
    }
    agent = new_agent(guard_rules=[rule])
    stored = agent["guard_rules"][0]
    assert stored["destination_agent_uuid"] == target["agent_uuid"]
    assert stored["selected_channels"] == ["phone", "whatsapp"]


def test_patch_one_revalidates_merged_item(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(routing_rules=[{"destination": "1"}])
    rule = agent["routing_rules"][0]
    response = api.patch(
        _path(agent, "routing-rules", rule["uuid"]), json={"detection_mode": "exact"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "trigger_keyword"
    fine = api.patch(
        _path(agent, "routing-rules", rule["uuid"]),
        json={"detection_mode": "exact", "trigger_keyword": "sales"},
    )
    assert fine.status_code == 200


def test_procedure_steps(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    intent = api.post(_path(agent, "intents"), json={"name": "Refund"}).json()["data"]
    steps = [
        {"order": 2, "description": "second"},
        {"order": 1, "description": "first", "intent_uuid": intent["intent_uuid"]},
        {"description": "no order -> index 2"},
    ]
    response = api.post(_path(agent, "procedures"), json={"name": "P", "steps": steps})
    assert response.status_code == 201
    procedure = response.json()["data"]["procedures"][0]
    assert procedure["steps"] == [
        {"order": 1, "description": "first", "intent_uuid": intent["intent_uuid"]},
        {"order": 2, "description": "second", "intent_uuid": None},
        {"order": 2, "description": "no order -> index 2", "intent_uuid": None},
    ]
    assert "uuid" not in procedure["steps"][0]

    renamed = api.patch(_path(agent, "procedures", procedure["uuid"]), json={"name": "Q"})
    assert renamed.json()["data"]["procedures"][0]["steps"] == procedure["steps"]
    replaced = api.patch(
        _path(agent, "procedures", procedure["uuid"]), json={"steps": [{"description": "only"}]}
    )
    assert replaced.json()["data"]["procedures"][0]["steps"] == [
        {"order": 0, "description": "only", "intent_uuid": None}
    ]

    api.delete(_path(agent, "intents", intent["intent_uuid"]))


def test_deleting_intent_clears_step_reference(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    intent = api.post(_path(agent, "intents"), json={"name": "Refund"}).json()["data"]
    step = {"description": "s", "intent_uuid": intent["intent_uuid"]}
    api.post(_path(agent, "procedures"), json={"name": "P", "steps": [step]})
    api.delete(_path(agent, "intents", intent["intent_uuid"]))
    procedure = api.get(_path(agent)).json()["data"]["procedures"][0]
    assert procedure["steps"][0]["intent_uuid"] is None


def test_appointments_put_bare_body(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    slot_rules = {"offer_slots_from": "3_hours", "max_appointments_per_day": 10}
    body: dict[str, Any] = {
        "enabled": True,
        "random_assignment": True,
        "schedule_assignments": [
            {
                "schedule_uuid": "sched-1",
                "priority": "primary",
                "status": "active",
                "slot_rules": slot_rules,
                "questions": {
                    "inherit_from_schedule": False,
                    "custom_questions": [
                        {"name": "Reason"},
                        {"name": "Age", "type": "number", "required": True},
                    ],
                },
            }
        ],
    }
    response = api.put(_path(agent, "appointments"), json=body)
    assert response.status_code == 200
    shown = response.json()["data"]["appointments"]
    assignment = shown["schedule_assignments"][0]
    assert assignment["slot_rules"] == slot_rules
    assert assignment["questions"]["custom_questions"] == [
        {"name": "Reason", "type": "text", "description": None, "required": False},
        {"name": "Age", "type": "number", "description": None, "required": True},
    ]
    replaced = api.put(_path(agent, "appointments"), json={"enabled": False})
    assert replaced.json()["data"]["appointments"] == {
        "enabled": False,
        "random_assignment": False,
        "schedule_assignments": [],
    }


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "guidelines", {"guidelines": [{"content": "x"}]}),
        ("POST", "notes", {"content": "x"}),
        ("POST", "intents", {"name": "x"}),
        ("POST", "webhooks", {"url": "https://h.test", "events": ["intent_call"]}),
        ("PUT", "appointments", {"enabled": True}),
    ],
    ids=["replace", "add", "intent", "webhook", "appointments"],
)
def test_child_writes_move_agent_updated_at(
    api: httpx.Client, new_agent: NewAgent, method: str, suffix: str, body: dict[str, Any]
) -> None:
    agent = new_agent()
    api.request(method, _path(agent, suffix), json=body).raise_for_status()
    assert api.get(_path(agent)).json()["data"]["updated_at"] > agent["updated_at"]
