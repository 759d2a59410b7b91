"""Intents (CONTRACT 4) and webhooks (CONTRACT 5, 7.4, 7.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mhsync.sandbox import Sandbox
from mhsync.sandbox.intents import key_from_name

NewAgent = Callable[..., dict[str, Any]]
WEBHOOK = {"url": "https://hooks.test/in", "events": ["conversation_end_report", "intent_call"]}


@pytest.fixture
def agent_path(new_agent: NewAgent) -> str:
    return f"/agents/{new_agent()['agent_uuid']}"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Book Appointment!", "book_appointment"),
        ("  Cancel -- my   order  ", "cancel_my_order"),
        ("ÉTÉ promo 2024", "t_promo_2024"),
        ("already_snake", "already_snake"),
        ("!!!", "intent"),
    ],
)
def test_key_from_name(name: str, key: str) -> None:
    assert key_from_name(name) == key


@given(st.text())
def test_generated_keys_are_snake_case(name: str) -> None:
    key = key_from_name(name)
    assert key and key == key.strip("_") and "__" not in key
    assert all(c.isascii() and (c.isalnum() or c == "_") and not c.isupper() for c in key)


def test_create_intent_defaults_and_envelope(api: httpx.Client, agent_path: str) -> None:
    response = api.post(f"{agent_path}/intents", json={"name": "Book Appointment!"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"success", "data"} and body["success"] is True
    intent = body["data"]
    assert intent["key"] == "book_appointment"
    assert intent["is_system"] is False
    assert intent["parameters"] == [] and intent["intent_llm_handle_by_response"] is False
    assert {"intent_uuid", "created_at", "updated_at"} <= set(intent)


def test_intent_list_get_patch_delete(api: httpx.Client, agent_path: str) -> None:
    created = api.post(
        f"{agent_path}/intents",
        json={
            "name": "Refund",
            "key": "refund_req",
            "confidence_threshold": 0.8,
            "webhook": {"url": "https://x.test", "auth_token": "t"},
            "parameters": [{"key": "order_id", "required": True}, {"key": "reason"}],
        },
    ).json()["data"]
    assert created["parameters"] == [
        {"key": "order_id", "default": None, "type": "string", "required": True},
        {"key": "reason", "default": None, "type": "string", "required": False},
    ]
    one = f"{agent_path}/intents/{created['intent_uuid']}"
    listed = api.get(f"{agent_path}/intents").json()
    assert listed == {"success": True, "data": [created]}
    assert api.get(one).json() == {"success": True, "data": created}

    patched = api.patch(one, json={"name": "Refund v2", "parameters": [{"key": "only"}]})
    assert patched.status_code == 200
    data = patched.json()["data"]
    assert data["name"] == "Refund v2"
    assert data["key"] == "refund_req"
    assert data["confidence_threshold"] == 0.8
    assert [p["key"] for p in data["parameters"]] == ["only"]
    assert data["updated_at"] > created["updated_at"]

    deleted = api.delete(one)
    assert deleted.status_code == 200
    assert deleted.json()["success"] is True and "message" in deleted.json()
    assert api.get(one).status_code == 404
    assert api.get(f"{agent_path}/intents").json()["data"] == []


def test_intent_key_is_unique_per_agent(api: httpx.Client, agent_path: str) -> None:
    api.post(f"{agent_path}/intents", json={"name": "Book"}).raise_for_status()
    response = api.post(f"{agent_path}/intents", json={"name": "book!"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "key"


def test_intents_are_not_embedded_in_agent(api: httpx.Client, agent_path: str) -> None:
    api.post(f"{agent_path}/intents", json={"name": "x"}).raise_for_status()
    api.post(f"{agent_path}/webhooks", json=WEBHOOK).raise_for_status()
    agent = api.get(agent_path).json()["data"]
    assert "intents" not in agent and "webhooks" not in agent


def test_system_intents_are_read_only(
    sandbox: Sandbox, api: httpx.Client, new_agent: NewAgent
) -> None:
    agent = new_agent()
    system = sandbox.add_system_intent(agent["agent_uuid"], name="End call")
    assert system["is_system"] is True and system["key"] == "end_call"
    path = f"/agents/{agent['agent_uuid']}/intents/{system['intent_uuid']}"
    assert api.patch(path, json={"name": "x"}).status_code == 403
    assert api.delete(path).status_code == 403
    assert api.get(path).json()["data"] == system


def test_webhook_secret_is_never_returned(api: httpx.Client, agent_path: str) -> None:
    response = api.post(f"{agent_path}/webhooks", json={**WEBHOOK, "secret_key": "s3cr3t"})
    assert response.status_code == 201
    assert set(response.json()) == {"success", "data"}
    hook = response.json()["data"]
    assert hook["has_secret"] is True and hook["is_active"] is True
    assert set(hook) == {
        "webhook_uuid",
        "url",
        "events",
        "is_active",
        "has_secret",
        "created_at",
        "updated_at",
    }
    one = f"{agent_path}/webhooks/{hook['webhook_uuid']}"
    responses = [
        api.get(one),
        api.get(f"{agent_path}/webhooks"),
        api.patch(one, json={**WEBHOOK, "is_active": False}),
        api.get(agent_path),
        api.get("/agents"),
    ]
    for answer in responses:
        assert answer.status_code == 200
        assert "s3cr3t" not in answer.text and "secret_key" not in answer.text
    assert api.get(one).json()["data"]["has_secret"] is True
    cleared = api.patch(one, json={**WEBHOOK, "secret_key": None}).json()["data"]
    assert cleared["has_secret"] is False and cleared["is_active"] is False
    plain = api.post(f"{agent_path}/webhooks", json=WEBHOOK).json()["data"]
    assert plain["has_secret"] is False


def test_webhook_patch_keeps_what_it_does_not_send(api: httpx.Client, agent_path: str) -> None:
    hook = api.post(f"{agent_path}/webhooks", json={**WEBHOOK, "is_active": False}).json()["data"]
    one = f"{agent_path}/webhooks/{hook['webhook_uuid']}"
    patched = api.patch(one, json={"url": WEBHOOK["url"], "events": ["intent_call"]})
    assert patched.status_code == 200
    assert patched.json()["data"]["is_active"] is False
    assert patched.json()["data"]["events"] == ["intent_call"]
    bad = api.patch(one, json={"url": "http://plain.test", "events": ["intent_call"]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "url"
    assert api.delete(one).json() == {"success": True, "message": "Webhook deleted successfully."}
    assert api.get(one).status_code == 404


def test_sixth_webhook_is_409(api: httpx.Client, agent_path: str) -> None:
    for index in range(5):
        hook = {**WEBHOOK, "url": f"https://hooks.test/{index}"}
        assert api.post(f"{agent_path}/webhooks", json=hook).status_code == 201
    response = api.post(f"{agent_path}/webhooks", json=WEBHOOK)
    assert response.status_code == 409
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "webhook_limit_reached"
    assert len(api.get(f"{agent_path}/webhooks").json()["data"]) == 5
    first = api.get(f"{agent_path}/webhooks").json()["data"][0]
    api.delete(f"{agent_path}/webhooks/{first['webhook_uuid']}").raise_for_status()
    assert api.post(f"{agent_path}/webhooks", json=WEBHOOK).status_code == 201
