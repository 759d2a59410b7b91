"""Request bodies from hand-built changes (no HTTP): the contract table, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from mhsync.convert import References, UnresolvedReferenceError
from mhsync.executor.bodies import build_body
from mhsync.plan import Action, CallKind, Change, FieldChange
from mhsync.state import SECRET_SET

REFS = References(agents={"uuid-support": "support"}, items={"intents": {"uuid-book": "book"}})
SECRETS = {"${env:HOOK}": "hook-value", "${env:TOKEN}": "token-value"}


def _resolve(reference: str) -> str:
    return SECRETS[reference]


def change(section: str, action: Action = Action.UPDATE, **kwargs: Any) -> Change:
    return Change(
        address=f"agent[x].{section}", agent="x", section=section, action=action, **kwargs
    )


def fields(*paths: str) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(path=p) for p in paths)


CASES = [
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "intents",
            after={
                "key": "book",
                "name": "Book",
                "webhook": {"url": "https://x", "auth_token": SECRET_SET},
            },
            fields=fields("webhook.url"),
            secrets={"webhook.auth_token": "${env:TOKEN}"},
        ),
        {"name": "Book", "webhook": {"url": "https://x", "auth_token": "token-value"}},
        id="dotted-path-sends-whole-top-field-with-secret-resolved-plus-patch-requires",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "intents",
            after={
                "key": "book",
                "name": "Book",
                "webhook": {"url": "https://y", "auth_token": SECRET_SET},
            },
            fields=fields("webhook.url"),
        ),
        {"name": "Book", "webhook": {"url": "https://y"}},
        id="secret-marker-without-reference-is-never-sent",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "webhooks",
            after={"url": "https://h", "events": ["intent_call"], "secret_key": SECRET_SET},
            fields=fields("is_active"),
        ),
        {"is_active": None, "url": "https://h", "events": ["intent_call"]},
        id="removed-bool-field-gets-null-and-unchanged-secret-stays-out",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "webhooks",
            after={"url": "https://h", "events": ["intent_call"], "secret_key": SECRET_SET},
            fields=fields("secret_key"),
            secrets={"secret_key": "${env:HOOK}"},
        ),
        {"secret_key": "hook-value", "url": "https://h", "events": ["intent_call"]},
        id="secret-set-from-its-reference-with-the-fields-every-webhook-patch-carries",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "webhooks",
            after={"url": "https://h", "events": ["intent_call"]},
            fields=fields("secret_key"),
        ),
        {"secret_key": None, "url": "https://h", "events": ["intent_call"]},
        id="secret-removed-is-cleared",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "guard_rules",
            after={"name": "G", "when_condition": "w", "then_action": "forward"},
            fields=fields("example_phrases"),
        ),
        {"example_phrases": []},
        id="removed-list-field-gets-empty-list",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "routing_rules",
            after={
                "department_name": "S",
                "destination_type": "agent",
                "destination_agent": "support",
            },
            fields=fields("destination_agent"),
        ),
        {"destination_agent_uuid": "uuid-support"},
        id="agent-name-becomes-uuid-under-api-name",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change("routing_rules", after={"department_name": "S"}, fields=fields("destination_agent")),
        {"destination_agent_uuid": None},
        id="agent-reference-removed",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change(
            "procedures",
            after={"name": "P", "steps": [{"intent": "book"}]},
            fields=fields("description"),
        ),
        {"description": None, "steps": [{"intent_uuid": "uuid-book", "order": 0}]},
        id="whole-on-patch-list-always-sent",
    ),
    pytest.param(
        CallKind.ITEM_UPDATE,
        change("notes", Action.MOVE, after={"content": "n"}, position=3),
        {"order": 3},
        id="move-is-just-the-order",
    ),
    pytest.param(
        CallKind.ITEM_CREATE,
        change("guidelines", Action.CREATE, after={"content": "g"}, position=2),
        {"content": "g", "order": 2},
        id="positional-create-carries-order",
    ),
    pytest.param(
        CallKind.ITEM_CREATE,
        change("training", Action.CREATE, after={"content": "t"}, position=2),
        {"content": "t"},
        id="identity-section-create-has-no-order",
    ),
    pytest.param(
        CallKind.SECTION_REPLACE,
        change("guidelines", Action.REPLACE, after=[{"content": "a"}, {"content": "b"}]),
        {"guidelines": [{"content": "a", "order": 0}, {"content": "b", "order": 1}]},
        id="wrapped-replace-with-order",
    ),
    pytest.param(
        CallKind.SECTION_REPLACE,
        change("appointments", after={"enabled": True}),
        {"enabled": True},
        id="bare-replace",
    ),
    pytest.param(
        CallKind.AGENT_UPDATE,
        change("core", after={"name": "X", "tone": "warm"}, fields=fields("tone", "role")),
        {"tone": "warm", "role": None},
        id="core-top-level-fields",
    ),
    pytest.param(
        CallKind.AGENT_UPDATE,
        change(
            "settings",
            after={
                "voice": {"interaction": {"max_silence_prompts": 2, "silence_message": "hi"}},
                "text": {"a": 1},
            },
            fields=fields("voice.interaction.max_silence_prompts", "text.b"),
        ),
        {"settings": {"voice": {"interaction": {"max_silence_prompts": 2}}, "text": {"b": None}}},
        id="settings-nested-changed-leaves",
    ),
    pytest.param(
        CallKind.AGENT_CREATE,
        change(
            "agent",
            Action.CREATE,
            after={
                "core": {"name": "X"},
                "settings": {"text": {"a": 1}},
                "notes": [{"content": "n0"}, {"content": "n1"}],
                "routing_rules": [{"department_name": "S", "destination_agent": "support"}],
                "webhooks": [
                    {"url": "https://h", "events": ["intent_call"], "secret_key": SECRET_SET}
                ],
            },
            secrets={"webhooks.0.secret_key": "${env:HOOK}"},
        ),
        {
            "name": "X",
            "settings": {"text": {"a": 1}},
            "notes": [{"content": "n0", "order": 0}, {"content": "n1", "order": 1}],
            "routing_rules": [{"department_name": "S", "destination_agent_uuid": "uuid-support"}],
            "webhooks": [
                {"url": "https://h", "events": ["intent_call"], "secret_key": "hook-value"}
            ],
        },
        id="agent-create-embeds-with-order-refs-and-prefixed-secrets",
    ),
    pytest.param(
        CallKind.ITEM_DELETE, change("notes", Action.DELETE), None, id="delete-has-no-body"
    ),
    pytest.param(
        CallKind.AGENT_DELETE, change("agent", Action.DELETE), None, id="agent-delete-has-no-body"
    ),
]


@pytest.mark.parametrize(("kind", "planned", "expected"), CASES)
def test_body(kind: CallKind, planned: Change, expected: Any) -> None:
    assert build_body(kind, planned, REFS, _resolve) == expected


def test_a_name_without_uuid_is_an_error_naming_it() -> None:
    planned = change(
        "procedures", Action.CREATE, after={"name": "P", "steps": [{"intent": "nope"}]}
    )
    with pytest.raises(UnresolvedReferenceError, match="'nope'"):
        build_body(CallKind.ITEM_CREATE, planned, REFS, _resolve)


def test_bodies_do_not_alter_the_change() -> None:
    planned = change("guidelines", Action.REPLACE, after=[{"content": "a"}])
    build_body(CallKind.SECTION_REPLACE, planned, REFS, _resolve)
    assert planned.after == [{"content": "a"}]
