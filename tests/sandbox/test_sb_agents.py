"""The agent resource: envelopes, server defaults, merge semantics, soft delete, pagination."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

NewAgent = Callable[..., dict[str, Any]]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SECTION_KEYS = ["guidelines", "notes", "procedures", "training", "routing_rules", "guard_rules"]


def test_create_answers_201_with_envelope_and_defaults(api: httpx.Client) -> None:
    response = api.post("/agents", json={"name": "Front desk"})
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True and isinstance(body["message"], str)
    agent = body["data"]
    assert UUID_RE.match(agent["agent_uuid"])
    assert agent["name"] == "Front desk"
    assert agent["speed"] == "normal"
    assert agent["status"] == "pending"
    assert agent["appointment_scheduling_enabled"] is False
    assert agent["appointment_scheduling_randomly"] is False
    assert agent["description"] is None and agent["custom_llm_url"] is None
    assert agent["settings"] == {"voice": {}, "text": {}, "memorize": {}, "evaluation": {}}
    assert agent["recommendations"] == ""
    for key in SECTION_KEYS:
        assert agent[key] == []
    assert agent["appointments"] is None
    assert "intents" not in agent and "webhooks" not in agent
    assert TIMESTAMP_RE.match(agent["created_at"]) and TIMESTAMP_RE.match(agent["updated_at"])


def test_get_answers_success_and_data(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(name="A", language="en", speed="fast")
    response = api.get(f"/agents/{agent['agent_uuid']}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": agent}


def test_unknown_fields_are_ignored(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(colour="blue", agent_uuid="not-mine", recommendations=["x"])
    assert "colour" not in agent
    assert agent["agent_uuid"] != "not-mine"
    assert agent["recommendations"] == ""


def test_patch_merges_scalars_and_settings_deeply(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(
        role="receptionist",
        settings={
            "voice": {"interaction": {"customer_speak_first": True, "max_silence_prompts": 2}}
        },
    )
    response = api.patch(
        f"/agents/{agent['agent_uuid']}",
        json={
            "tone": "warm",
            "settings": {
                "voice": {"interaction": {"max_silence_prompts": 3}, "compliance": {"x": True}},
                "text": {"greeting": "hi"},
                "memorize": {"ignored": True},
                "evaluation": {"ignored": True},
            },
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"data"}
    updated = body["data"]
    assert updated["role"] == "receptionist" and updated["tone"] == "warm"
    assert updated["settings"] == {
        "voice": {
            "interaction": {"customer_speak_first": True, "max_silence_prompts": 3},
            "compliance": {"x": True},
        },
        "text": {"greeting": "hi"},
        "memorize": {},
        "evaluation": {},
    }


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_replaces_included_sections_only(
    api: httpx.Client, new_agent: NewAgent, method: str
) -> None:
    agent = new_agent(
        guidelines=[{"content": "old"}], notes=[{"content": "keep me"}], description="d"
    )
    response = api.request(
        method,
        f"/agents/{agent['agent_uuid']}",
        json={"guidelines": [{"content": "new 1"}, {"content": "new 2"}]},
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert [g["content"] for g in updated["guidelines"]] == ["new 1", "new 2"]
    assert updated["notes"] == agent["notes"]
    assert updated["description"] == "d"


def test_update_can_set_appointments_and_null_strings(
    api: httpx.Client, new_agent: NewAgent
) -> None:
    agent = new_agent(description="internal")
    response = api.patch(
        f"/agents/{agent['agent_uuid']}",
        json={"description": None, "appointments": {"enabled": True}},
    )
    updated = response.json()["data"]
    assert updated["description"] is None
    assert updated["appointments"] == {
        "enabled": True,
        "random_assignment": False,
        "schedule_assignments": [],
    }


def test_updated_at_moves_on_every_write(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    first = agent["updated_at"]
    second = api.patch(f"/agents/{agent['agent_uuid']}", json={}).json()["data"]["updated_at"]
    third = api.patch(f"/agents/{agent['agent_uuid']}", json={}).json()["data"]["updated_at"]
    assert first < second < third
    assert api.get(f"/agents/{agent['agent_uuid']}").json()["data"]["created_at"] == first


def test_soft_delete_hides_agent_and_children(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(notes=[{"content": "n"}])
    uuid = agent["agent_uuid"]
    note = agent["notes"][0]["uuid"]
    intent = api.post(f"/agents/{uuid}/intents", json={"name": "Hi"}).json()["data"]
    webhook = api.post(
        f"/agents/{uuid}/webhooks", json={"url": "https://x.test/h", "events": ["intent_call"]}
    ).json()["data"]

    response = api.delete(f"/agents/{uuid}")
    assert response.status_code == 200
    assert response.json()["success"] is True and "message" in response.json()

    assert api.get(f"/agents/{uuid}").status_code == 404
    assert uuid not in [a["agent_uuid"] for a in api.get("/agents").json()["data"]["items"]]
    assert api.get("/agents").json()["data"]["total"] == 0
    for method, path in [
        ("DELETE", f"/agents/{uuid}"),
        ("PATCH", f"/agents/{uuid}"),
        ("GET", f"/agents/{uuid}/intents"),
        ("GET", f"/agents/{uuid}/intents/{intent['intent_uuid']}"),
        ("GET", f"/agents/{uuid}/webhooks/{webhook['webhook_uuid']}"),
        ("PATCH", f"/agents/{uuid}/notes/{note}"),
        ("POST", f"/agents/{uuid}/guidelines"),
        ("PUT", f"/agents/{uuid}/appointments"),
    ]:
        response = api.request(method, path, json={"content": "x"})
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/agents/nope"),
        ("PATCH", "/agents/nope"),
        ("DELETE", "/agents/nope"),
        ("GET", "/agents/nope/intents"),
        ("GET", "/unknown"),
        ("GET", "/agents/x/unknown-section"),
    ],
)
def test_unknown_agent_or_route_is_404(api: httpx.Client, method: str, path: str) -> None:
    response = api.request(method, path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "payload", [b"{not json", b"[1, 2]", b'"text"'], ids=["malformed", "array", "string"]
)
def test_bad_json_body_is_400(api: httpx.Client, new_agent: NewAgent, payload: bytes) -> None:
    agent = new_agent()
    for path in ("/agents", f"/agents/{agent['agent_uuid']}/guidelines"):
        response = api.post(path, content=payload, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BAD_REQUEST"


def test_wrong_method_is_405(api: httpx.Client) -> None:
    assert api.delete("/agents").status_code == 405


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"current_page": 1, "per_page": 15, "last_page": 3, "total": 32, "count": 15}),
        ({"page": 3}, {"current_page": 3, "per_page": 15, "last_page": 3, "total": 32, "count": 2}),
        ({"per_page": 500}, {"current_page": 1, "per_page": 100, "last_page": 1, "count": 32}),
        ({"per_page": 10, "page": 4}, {"current_page": 4, "last_page": 4, "count": 2}),
        ({"page": 9}, {"current_page": 9, "count": 0}),
        ({"per_page": 0}, {"per_page": 1, "last_page": 32, "count": 1}),
        ({"page": "x", "per_page": "y"}, {"current_page": 1, "per_page": 15}),
    ],
    ids=["defaults", "last-page", "max-100", "per-page-10", "past-end", "min-1", "garbage"],
)
def test_pagination(
    sandbox: Any, api: httpx.Client, query: dict[str, Any], expected: dict[str, int]
) -> None:
    for index in range(32):
        assert api.post("/agents", json={"name": f"agent {index:02d}"}).status_code == 201
    response = api.get("/agents", params=query)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and "message" in body
    data = body["data"]
    assert data["total"] == 32
    for key, value in expected.items():
        if key == "count":
            assert len(data["items"]) == value
        else:
            assert data[key] == value


def test_list_items_are_full_agents_in_creation_order(
    api: httpx.Client, new_agent: NewAgent
) -> None:
    first = new_agent(name="one", guidelines=[{"content": "g"}])
    second = new_agent(name="two")
    items = api.get("/agents").json()["data"]["items"]
    assert items == [first, second]
