"""API JSON <-> canonical form: the rules that keep plans free of perpetual diffs."""

from __future__ import annotations

from typing import Any

import pytest

from mhsync.convert import (
    References,
    UnresolvedReferenceError,
    agent_from_api,
    fields_to_api,
    item_from_api,
    item_from_manifest,
)
from mhsync.errors import UnexpectedResponseError
from mhsync.sections import COLLECTIONS, section
from mhsync.state import SECRET_SET

REFS = References(agents={"a-1": "sales"}, items={"intents": {"i-1": "book_appointment"}})

_EMBEDDED = tuple(d.embedded_as for d in COLLECTIONS if d.embedded_as)
"""Every list the Agent JSON carries (a missing one is an error, so fixtures give them all)."""


def _no_secret(reference: str) -> str:
    raise AssertionError(f"unexpected secret lookup {reference}")


@pytest.mark.parametrize(
    ("section_key", "raw", "expected"),
    [
        pytest.param(
            "guard_rules",
            {
                "uuid": "g-1",
                "name": "Legal",
                "when_condition": "lawyer",
                "then_action": "end_conversation",
                "selected_channels": ["whatsapp", "phone"],
                "say_before_end": None,
                "example_phrases": [],
                "is_active": True,
                "is_default": False,
                "created_at": "2026-01-01T00:00:00Z",
            },
            {
                "name": "Legal",
                "when_condition": "lawyer",
                "then_action": "end_conversation",
                "selected_channels": ["phone", "whatsapp"],
                "is_active": True,
                "is_default": False,
            },
            id="server-fields-dropped-nulls-dropped-channels-sorted",
        ),
        pytest.param(
            "routing_rules",
            {
                "uuid": "r",
                "department_name": "Sales",
                "destination_type": "agent",
                "destination_agent_uuid": "a-1",
                "priority": 3,
            },
            {
                "department_name": "Sales",
                "destination_type": "agent",
                "destination_agent": "sales",
                "priority": 3,
            },
            id="agent-uuid-becomes-handle",
        ),
        pytest.param(
            "routing_rules",
            {
                "uuid": "r",
                "department_name": "Ext",
                "destination_type": "agent",
                "destination_agent_uuid": "outside",
            },
            {
                "department_name": "Ext",
                "destination_type": "agent",
                "destination_agent_uuid": "outside",
            },
            id="unknown-agent-uuid-kept",
        ),
        pytest.param(
            "procedures",
            {
                "uuid": "p",
                "name": "Book",
                "steps": [
                    {"order": 2, "description": "second"},
                    {"order": 1, "description": "first", "intent_uuid": "i-1"},
                ],
            },
            {
                "name": "Book",
                "steps": [
                    {"description": "first", "intent": "book_appointment"},
                    {"description": "second"},
                ],
            },
            id="steps-sorted-by-order-and-intent-named",
        ),
        pytest.param(
            "webhooks",
            {
                "webhook_uuid": "w",
                "url": "https://x",
                "events": ["intent_call"],
                "has_secret": True,
                "is_active": True,
            },
            {
                "url": "https://x",
                "events": ["intent_call"],
                "secret_key": SECRET_SET,
                "is_active": True,
            },
            id="write-only-secret-becomes-marker",
        ),
        pytest.param(
            "intents",
            {
                "intent_uuid": "i",
                "name": "Book",
                "key": "book",
                "is_system": False,
                "webhook": {"url": "https://h", "auth_token": "live-token"},
            },
            {
                "name": "Book",
                "key": "book",
                "webhook": {"url": "https://h", "auth_token": SECRET_SET},
            },
            id="returned-secret-becomes-marker",
        ),
    ],
)
def test_item_from_api(section_key: str, raw: dict[str, Any], expected: dict[str, Any]) -> None:
    item = item_from_api(section(section_key), raw, REFS)
    assert item is not None
    assert item.fields == expected


def test_system_intents_are_left_alone() -> None:
    raw = {"intent_uuid": "s", "name": "Fallback", "is_system": True}
    assert item_from_api(section("intents"), raw, REFS) is None


def test_manifest_item_derives_intent_key_and_extracts_secret() -> None:
    item = item_from_manifest(
        section("intents"),
        {"name": "Book Appointment!", "webhook": {"url": "https://h", "auth_token": "${env:T}"}},
    )
    assert item.key == "book_appointment"
    assert item.fields["key"] == "book_appointment"
    assert item.fields["webhook"]["auth_token"] == SECRET_SET
    assert item.secrets == {"webhook.auth_token": "${env:T}"}


def test_to_api_resolves_names_orders_steps_and_secrets() -> None:
    body = fields_to_api(
        section("procedures"),
        {"name": "Book", "steps": [{"description": "a", "intent": "book_appointment"}, {}]},
        refs=REFS,
        secrets={},
        resolve_secret=_no_secret,
    )
    assert body["steps"] == [
        {"description": "a", "intent_uuid": "i-1", "order": 0},
        {"order": 1},
    ]
    hook = fields_to_api(
        section("webhooks"),
        {"url": "https://x", "events": ["intent_call"], "secret_key": SECRET_SET},
        refs=REFS,
        secrets={"secret_key": "${env:HOOK}"},
        resolve_secret=lambda ref: "resolved" if ref == "${env:HOOK}" else "",
    )
    assert hook["secret_key"] == "resolved"


def test_marker_without_reference_is_never_sent() -> None:
    body = fields_to_api(
        section("webhooks"),
        {"url": "https://x", "events": ["intent_call"], "secret_key": SECRET_SET},
        refs=REFS,
        secrets={},
        resolve_secret=_no_secret,
    )
    assert "secret_key" not in body


def test_unresolved_reference_is_an_error() -> None:
    with pytest.raises(UnresolvedReferenceError, match="destination_agent 'nobody'"):
        fields_to_api(
            section("guard_rules"),
            {"name": "x", "destination_agent": "nobody"},
            refs=REFS,
            secrets={},
            resolve_secret=_no_secret,
        )


def test_agent_from_api_reads_every_section() -> None:
    raw = {
        "agent_uuid": "a-9",
        "name": "Front desk",
        "speed": "normal",
        "status": "ready",
        "recommendations": ["x"],
        "settings": {"voice": {"interaction": {"silence_message": "Hello?"}}, "memorize": {"a": 1}},
        "notes": [
            {"uuid": "n2", "content": "second", "order": 1},
            {"uuid": "n1", "content": "first", "order": 0},
        ],
        **{key: [] for key in _EMBEDDED if key != "notes"},
        "appointments": None,
    }
    agent = agent_from_api(
        raw, handle="front", agent_handles={}, separate={"intents": [], "webhooks": []}
    )
    assert agent.uuid == "a-9"
    assert agent.objects["core"] == {
        "name": "Front desk",
        "speed": "normal",
        "status": "ready",
    }
    assert agent.objects["settings"] == {"voice": {"interaction": {"silence_message": "Hello?"}}}
    assert [i.fields["content"] for i in agent.collections["notes"]] == ["first", "second"]
    assert [i.position for i in agent.collections["notes"]] == [0, 1]
    assert agent.collections["webhooks"] == []


def _agent_with(**sections: object) -> dict[str, object]:
    base: dict[str, object] = {"agent_uuid": "a-7", "name": "Desk"}
    for key in _EMBEDDED:
        base[key] = []
    base.update(sections)
    return base


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_agent_with(guard_rules=None), "'guard_rules' is null where a list"),
        (_agent_with(notes={"content": "x"}), "'notes' is dict where a list"),
        (_agent_with(training="x"), "'training' is str where a list"),
        (
            _agent_with(routing_rules=[{"uuid": "r-1", "phrases": ["x"]}]),
            "routing_rules item \\(uuid r-1\\) has no 'department_name'",
        ),
        (_agent_with(guidelines=[{"uuid": "g-1", "order": 0}]), "has no 'content'"),
    ],
    ids=["null", "object", "string", "no-identity", "positional-no-content"],
)
def test_unreadable_live_sections_are_errors_naming_the_agent(
    raw: dict[str, object], message: str
) -> None:
    with pytest.raises(UnexpectedResponseError, match=message) as info:
        agent_from_api(raw, handle="desk", agent_handles={}, separate={})
    assert "agent 'Desk' (a-7)" in str(info.value)


def test_a_separate_item_without_identity_names_its_endpoint() -> None:
    hooks = [{"webhook_uuid": "w-1", "events": ["conversation_end_report"]}]
    with pytest.raises(UnexpectedResponseError, match="has no 'url'") as info:
        agent_from_api(_agent_with(), handle="desk", agent_handles={}, separate={"webhooks": hooks})
    assert info.value.path == "/agents/a-7/webhooks"
