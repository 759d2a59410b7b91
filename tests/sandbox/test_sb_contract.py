"""CONTRACT 7: the sandbox is never more lenient than the documented API, nor shaped otherwise.

One row per documented requirement (the CONTRACT section that states it is in the row): the
request, and the status (and for a 422 the ``error.field``) the reference implies. Rows run
against one agent that already holds a webhook, so PATCH rows have something to address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

HOOK = {"url": "https://hooks.test/in", "events": ["intent_call"]}
GUARD = {"when_condition": "abuse", "then_action": "end_conversation"}


@dataclass(frozen=True)
class Requirement:
    """``path`` is below ``/agents/{agent}`` (``None``: ``POST /agents`` itself)."""

    id: str
    contract: str
    method: str
    path: str | None
    body: dict[str, Any]
    status: int
    field: str | None = None
    check: Callable[[dict[str, Any]], None] | None = None


def _recommendations_is_a_string(body: dict[str, Any]) -> None:
    assert isinstance(body["data"]["recommendations"], str)


REQUIREMENTS = [
    # CONTRACT 5: url and events are required in every webhook PATCH body.
    Requirement("webhook-patch-without-url", "5", "PATCH", "/webhooks/{hook}",
                {"events": ["intent_call"], "is_active": False}, 422, "url"),
    Requirement("webhook-patch-without-events", "5", "PATCH", "/webhooks/{hook}",
                {"url": HOOK["url"], "is_active": False}, 422, "events"),
    Requirement("webhook-patch-only-is-active", "5", "PATCH", "/webhooks/{hook}",
                {"is_active": False}, 422, "url"),
    Requirement("webhook-patch-empty-events", "5", "PATCH", "/webhooks/{hook}",
                {**HOOK, "events": []}, 422, "events"),
    Requirement("webhook-patch-full-body", "5", "PATCH", "/webhooks/{hook}",
                {**HOOK, "is_active": False}, 200),
    Requirement("webhook-post-without-url", "5", "POST", "/webhooks",
                {"events": ["intent_call"]}, 422, "url"),
    Requirement("webhook-post-without-events", "5", "POST", "/webhooks",
                {"url": "https://hooks.test/other"}, 422, "events"),
    # CONTRACT 2.2: custom_llm_url is a URL.
    Requirement("custom-llm-url-placeholder-on-create", "2.2", "POST", None,
                {"name": "a", "custom_llm_url": "<string>"}, 422, "custom_llm_url"),
    Requirement("custom-llm-url-placeholder-on-patch", "2.2", "PATCH", "",
                {"custom_llm_url": "<string>"}, 422, "custom_llm_url"),
    Requirement("custom-llm-url-no-host", "2.2", "PATCH", "",
                {"custom_llm_url": "https://"}, 422, "custom_llm_url"),
    Requirement("custom-llm-url-accepted", "2.2", "PATCH", "",
                {"custom_llm_url": "https://llm.example.com/v1"}, 200),
    # CONTRACT 1 (statuses) and 3: adding one section item creates it: 201 Created.
    Requirement("guideline-post-201", "1, 3", "POST", "/guidelines", {"content": "g"}, 201),
    Requirement("note-post-201", "1, 3", "POST", "/notes", {"content": "n"}, 201),
    Requirement("procedure-post-201", "1, 3", "POST", "/procedures", {"name": "p"}, 201),
    Requirement("training-post-201", "1, 3", "POST", "/training", {"content": "t"}, 201),
    Requirement("routing-rule-post-201", "1, 3", "POST", "/routing-rules",
                {"destination_type": "extension", "destination": "101"}, 201),
    Requirement("guard-rule-post-201", "1, 3", "POST", "/guard-rules", GUARD, 201),
    Requirement("intent-post-201", "1, 4", "POST", "/intents", {"name": "Book"}, 201),
    Requirement("webhook-post-201", "1, 5", "POST", "/webhooks",
                {"url": "https://hooks.test/second", "events": ["intent_call"]}, 201),
    Requirement("agent-post-201", "1, 2.1", "POST", None, {"name": "b"}, 201),
    # CONTRACT 4: name is required on an intent PATCH too.
    Requirement("intent-patch-without-name", "4", "PATCH", "/intents/{intent}",
                {"description": "d"}, 422, "name"),
    # CONTRACT 2.2: recommendations is a string in every response example.
    Requirement("recommendations-string-on-create", "2.2", "POST", None, {"name": "c"}, 201,
                check=_recommendations_is_a_string),
    Requirement("recommendations-string-on-get", "2.2", "GET", "", {}, 200,
                check=_recommendations_is_a_string),
    Requirement("recommendations-string-on-section-write", "2.2", "POST", "/notes",
                {"content": "n"}, 201, check=_recommendations_is_a_string),
]  # fmt: skip


@pytest.mark.parametrize("req", REQUIREMENTS, ids=[r.id for r in REQUIREMENTS])
def test_documented_requirement(api: httpx.Client, req: Requirement) -> None:
    created = api.post("/agents", json={"name": "Agent"})
    agent = created.json()["data"]["agent_uuid"]
    hook = api.post(f"/agents/{agent}/webhooks", json=HOOK).json()["data"]["webhook_uuid"]
    intent = api.post(f"/agents/{agent}/intents", json={"name": "Check"}).json()["data"]
    if req.path is None:
        path = "/agents"
    else:
        path = f"/agents/{agent}" + req.path.format(hook=hook, intent=intent["intent_uuid"])
    body = None if req.method == "GET" else req.body
    response = api.request(req.method, path, json=body)
    assert response.status_code == req.status, response.text
    answer = response.json()
    if req.field is not None:
        assert answer["error"]["field"] == req.field, answer
    if req.check is not None:
        req.check(answer)


def test_set_fields_are_stored_without_repeats(api: httpx.Client) -> None:
    """The sandbox's choice (docs/sandbox.md): sets keep first occurrences, as the planner reads
    them (sorted and de-duplicated), so duplicates never become a perpetual diff."""
    agent = api.post("/agents", json={"name": "Sets"}).json()["data"]["agent_uuid"]
    twice = ["whatsapp", "phone", "whatsapp"]
    rules = api.post(f"/agents/{agent}/guard-rules", json={**GUARD, "selected_channels": twice})
    assert rules.json()["data"]["guard_rules"][0]["selected_channels"] == ["whatsapp", "phone"]
    events = ["intent_call", "conversation_status", "intent_call"]
    hook = api.post(f"/agents/{agent}/webhooks", json={**HOOK, "events": events}).json()["data"]
    assert hook["events"] == ["intent_call", "conversation_status"]
    patched = api.patch(
        f"/agents/{agent}/webhooks/{hook['webhook_uuid']}", json={**HOOK, "events": events[::-1]}
    )
    assert patched.json()["data"]["events"] == ["intent_call", "conversation_status"]
