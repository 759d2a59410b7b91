"""CONTRACT 7.2: 422 ``VALIDATION_ERROR`` naming the first bad field in ``error.field``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

NewAgent = Callable[..., dict[str, Any]]
GHOST = "00000000-0000-4000-8000-000000000000"
FORWARD = {"when_condition": "w", "then_action": "forward"}
WEBHOOK = {"url": "https://hooks.test/in", "events": ["intent_call"]}

# (id, method, path under the agent ("" = the agent itself, None = POST /agents), body, field)
CASES: list[tuple[str, str, str | None, dict[str, Any], str]] = [
    ("agent-name-missing", "POST", None, {"description": "x"}, "name"),
    ("agent-name-blank", "POST", None, {"name": "  "}, "name"),
    ("agent-name-null-on-patch", "PATCH", "", {"name": None}, "name"),
    ("agent-speed-enum", "POST", None, {"name": "a", "speed": "slow"}, "speed"),
    ("agent-status-enum", "PATCH", "", {"status": "done"}, "status"),
    (
        "agent-bool-type",
        "PATCH",
        "",
        {"appointment_scheduling_enabled": "yes"},
        "appointment_scheduling_enabled",
    ),
    ("agent-string-type", "PATCH", "", {"tone": 5}, "tone"),
    ("agent-settings-type", "PATCH", "", {"settings": []}, "settings"),
    ("agent-settings-voice-type", "PATCH", "", {"settings": {"voice": "loud"}}, "settings.voice"),
    ("agent-first-bad-field", "POST", None, {"speed": "slow", "status": "x"}, "name"),
    ("agent-section-not-list", "PATCH", "", {"notes": {"content": "x"}}, "notes"),
    (
        "agent-section-item",
        "POST",
        None,
        {"name": "a", "guidelines": [{"content": "ok"}, {}]},
        "guidelines.1.content",
    ),
    ("guideline-content", "POST", "/guidelines", {"order": 1}, "content"),
    ("guideline-order-type", "POST", "/guidelines", {"content": "x", "order": "1"}, "order"),
    ("note-replace-wrapper", "PUT", "/notes", {"items": []}, "notes"),
    (
        "note-replace-item",
        "PUT",
        "/notes",
        {"notes": [{"content": "a"}, {"content": ""}]},
        "notes.1.content",
    ),
    ("procedure-name", "POST", "/procedures", {"steps": []}, "name"),
    (
        "procedure-step-order",
        "POST",
        "/procedures",
        {"name": "p", "steps": [{"order": "x"}]},
        "steps.0.order",
    ),
    (
        "procedure-step-intent",
        "POST",
        "/procedures",
        {"name": "p", "steps": [{"intent_uuid": GHOST}]},
        "steps.0.intent_uuid",
    ),
    (
        "procedure-replace-step-intent",
        "PUT",
        "/procedures",
        {"procedures": [{"name": "p", "steps": [{}, {"intent_uuid": GHOST}]}]},
        "procedures.0.steps.1.intent_uuid",
    ),
    ("training-content", "POST", "/training", {"intent": "x"}, "content"),
    (
        "routing-detection-enum",
        "POST",
        "/routing-rules",
        {"detection_mode": "fuzzy", "destination": "1"},
        "detection_mode",
    ),
    (
        "routing-exact-no-keyword",
        "POST",
        "/routing-rules",
        {"detection_mode": "exact", "destination": "1"},
        "trigger_keyword",
    ),
    (
        "routing-both-no-keyword",
        "PUT",
        "/routing-rules",
        {"routing_rules": [{"destination": "1"}, {"detection_mode": "both", "destination": "1"}]},
        "routing_rules.1.trigger_keyword",
    ),
    (
        "routing-destination-type-enum",
        "POST",
        "/routing-rules",
        {"destination_type": "fax", "destination": "1"},
        "destination_type",
    ),
    (
        "routing-no-destination",
        "POST",
        "/routing-rules",
        {"destination_type": "extension"},
        "destination",
    ),
    (
        "routing-agent-no-uuid",
        "POST",
        "/routing-rules",
        {"destination_type": "agent"},
        "destination_agent_uuid",
    ),
    (
        "routing-agent-unknown",
        "POST",
        "/routing-rules",
        {"destination_type": "agent", "destination_agent_uuid": GHOST},
        "destination_agent_uuid",
    ),
    (
        "routing-priority-type",
        "POST",
        "/routing-rules",
        {"destination": "1", "priority": 1.5},
        "priority",
    ),
    (
        "guard-when-missing",
        "POST",
        "/guard-rules",
        {"then_action": "end_conversation"},
        "when_condition",
    ),
    ("guard-then-missing", "POST", "/guard-rules", {"when_condition": "w"}, "then_action"),
    (
        "guard-then-enum",
        "PUT",
        "/guard-rules",
        {
            "guard_rules": [
                {"when_condition": "w", "then_action": "end_conversation"},
                {"when_condition": "w", "then_action": "hang_up"},
            ]
        },
        "guard_rules.1.then_action",
    ),
    (
        "guard-channels-enum",
        "POST",
        "/guard-rules",
        {
            "when_condition": "w",
            "then_action": "end_conversation",
            "selected_channels": ["phone", "sms"],
        },
        "selected_channels",
    ),
    (
        "guard-forward-no-type",
        "POST",
        "/guard-rules",
        {**FORWARD, "destination": "100"},
        "destination_type",
    ),
    (
        "guard-forward-no-destination",
        "POST",
        "/guard-rules",
        {**FORWARD, "destination_type": "extension"},
        "destination",
    ),
    (
        "guard-forward-agent-no-uuid",
        "POST",
        "/guard-rules",
        {**FORWARD, "destination_type": "agent", "destination": "x"},
        "destination_agent_uuid",
    ),
    (
        "guard-forward-agent-unknown",
        "POST",
        "/guard-rules",
        {**FORWARD, "destination_type": "agent", "destination_agent_uuid": GHOST},
        "destination_agent_uuid",
    ),
    (
        "guard-destination-type-enum",
        "POST",
        "/guard-rules",
        {**FORWARD, "destination_type": "pigeon", "destination": "x"},
        "destination_type",
    ),
    ("intent-name", "POST", "/intents", {"key": "k"}, "name"),
    (
        "intent-confidence-high",
        "POST",
        "/intents",
        {"name": "n", "confidence_threshold": 1.5},
        "confidence_threshold",
    ),
    (
        "intent-confidence-low",
        "POST",
        "/intents",
        {"name": "n", "confidence_threshold": -0.1},
        "confidence_threshold",
    ),
    (
        "intent-confidence-type",
        "POST",
        "/intents",
        {"name": "n", "confidence_threshold": "high"},
        "confidence_threshold",
    ),
    (
        "intent-parameter-key",
        "POST",
        "/intents",
        {"name": "n", "parameters": [{"type": "string"}]},
        "parameters.0.key",
    ),
    ("webhook-url-missing", "POST", "/webhooks", {"events": ["intent_call"]}, "url"),
    ("webhook-url-http", "POST", "/webhooks", {**WEBHOOK, "url": "http://hooks.test/in"}, "url"),
    ("webhook-url-garbage", "POST", "/webhooks", {**WEBHOOK, "url": "hooks.test"}, "url"),
    ("webhook-events-missing", "POST", "/webhooks", {"url": "https://h.test"}, "events"),
    ("webhook-events-empty", "POST", "/webhooks", {**WEBHOOK, "events": []}, "events"),
    (
        "webhook-events-enum",
        "POST",
        "/webhooks",
        {**WEBHOOK, "events": ["intent_call", "call_started"]},
        "events",
    ),
    ("webhook-active-type", "POST", "/webhooks", {**WEBHOOK, "is_active": "yes"}, "is_active"),
    ("appointments-enabled-type", "PUT", "/appointments", {"enabled": "on"}, "enabled"),
    (
        "appointments-question-required-type",
        "PUT",
        "/appointments",
        {
            "schedule_assignments": [
                {"questions": {"custom_questions": [{"name": "q", "required": 1}]}}
            ]
        },
        "schedule_assignments.0.questions.custom_questions.0.required",
    ),
]


@pytest.mark.parametrize(
    ("method", "suffix", "body", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_422_names_first_bad_field(
    api: httpx.Client,
    new_agent: NewAgent,
    method: str,
    suffix: str | None,
    body: dict[str, Any],
    field: str,
) -> None:
    agent = new_agent()
    path = "/agents" if suffix is None else f"/agents/{agent['agent_uuid']}{suffix}"
    response = api.request(method, path, json=body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["success"] is False
    assert payload["error"]["code"] == "VALIDATION_ERROR"
    assert payload["error"]["field"] == field
    assert isinstance(payload["message"], str) and payload["message"]


def test_failed_write_changes_nothing(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent(notes=[{"content": "keep"}])
    response = api.patch(
        f"/agents/{agent['agent_uuid']}",
        json={"role": "changed", "notes": [{"content": "new"}], "guard_rules": [{}]},
    )
    assert response.status_code == 422
    assert api.get(f"/agents/{agent['agent_uuid']}").json()["data"] == agent


def test_patch_of_intent_requires_name(api: httpx.Client, new_agent: NewAgent) -> None:
    agent = new_agent()
    intent = api.post(f"/agents/{agent['agent_uuid']}/intents", json={"name": "n"}).json()["data"]
    response = api.patch(
        f"/agents/{agent['agent_uuid']}/intents/{intent['intent_uuid']}", json={"description": "d"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"


def test_deleted_agent_is_not_a_valid_destination(api: httpx.Client, new_agent: NewAgent) -> None:
    target = new_agent(name="target")
    api.delete(f"/agents/{target['agent_uuid']}").raise_for_status()
    rule = {"destination_type": "agent", "destination_agent_uuid": target["agent_uuid"]}
    response = api.post("/agents", json={"name": "a", "routing_rules": [rule]})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "routing_rules.0.destination_agent_uuid"
