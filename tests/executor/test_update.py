"""Edits of an existing agent: every call kind's body as it goes over the wire, then convergence.

One baseline is applied once per module; the edited manifest touches every section, and each
parametrized case checks one request of the resulting apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from planner.factories import want, workspace

from mhsync.executor import ExecutionReport
from mhsync.plan import Plan
from mhsync.sandbox import Sandbox
from mhsync.state import WorkspaceState

from .conftest import SECRET_VALUE, SECRET_VAR
from .harness import TOKEN, Harness, Sent, make_harness
from .scenarios import INTENT, full_agent, plain_agent, two_agents

SECRET_REF = "${env:" + SECRET_VAR + "}"


def edited() -> WorkspaceState:
    sales = full_agent(
        "sales",
        SECRET_REF,
        routes_to="support",
        core={"description": "sells more things", "role": None},
        objects={
            "settings": {
                "voice": {"interaction": {"max_silence_prompts": 5, "silence_message": "Hello?"}}
            },
            "appointments": {"enabled": False},
        },
        sections={
            "guidelines": [
                want("guidelines", content=t) for t in ("Be kind", "Be briefer", "Be exact")
            ],
            "notes": [want("notes", content=t) for t in ("n-c", "n-a", "n-b")],
            "training": [want("training", content="hello", response="hi")],
            "guard_rules": [
                want(
                    "guard_rules",
                    name="Legal",
                    when_condition="asks for a lawyer",
                    then_action="end_conversation",
                    say_before_end="Goodbye",
                ),
                want(
                    "guard_rules",
                    name="Angry",
                    when_condition="shouts",
                    then_action="end_conversation",
                ),
            ],
            "intents": [want("intents", **{**INTENT, "confidence_threshold": 0.8})],
            "procedures": [
                want(
                    "procedures",
                    name="Booking",
                    description="book a slot, politely",
                    steps=[
                        {"description": "ask a date"},
                        {"description": "book", "intent": "book_appointment"},
                    ],
                )
            ],
            "webhooks": [
                want(
                    "webhooks",
                    url="https://hooks.example.com/end",
                    events=["conversation_end_report", "intent_call"],
                    secret_key=SECRET_REF,
                )
            ],
        },
    )
    return workspace(sales, plain_agent("support", "s-1"))


@dataclass
class Applied:
    harness: Harness
    plan: Plan
    report: ExecutionReport
    sent: list[Sent]
    remaining: list[str]
    uuids: dict[str, str]


@pytest.fixture(scope="module")
def applied() -> Iterator[Applied]:
    with pytest.MonkeyPatch.context() as mp, Sandbox(":memory:", tokens=[TOKEN]) as sb:
        mp.setenv(SECRET_VAR, SECRET_VALUE)
        harness = make_harness(sb)
        _, first = harness.apply(two_agents(SECRET_REF))
        assert first.ok, first.lines()
        sales = harness.agent_json("Sales")
        agent = sales["agent_uuid"]
        uuids = {
            "agent": agent,
            "guideline": sales["guidelines"][1]["uuid"],
            "training": next(t["uuid"] for t in sales["training"] if t["content"] == "price?"),
            "procedure": sales["procedures"][0]["uuid"],
            "rule": sales["routing_rules"][0]["uuid"],
            "intent": harness.client.get_list(f"/agents/{agent}/intents")[0]["intent_uuid"],
            "webhook": harness.client.get_list(f"/agents/{agent}/webhooks")[0]["webhook_uuid"],
            "support": harness.agent_json("Support")["agent_uuid"],
        }
        made, report = harness.apply(edited())
        sent = list(harness.recorder.writes())
        yield Applied(harness, made, report, sent, harness.remaining(edited()), uuids)
        harness.client.close()


def test_edit_applies_cleanly_and_converges(applied: Applied) -> None:
    assert applied.report.ok, applied.report.lines()
    assert applied.remaining == []
    assert len(applied.sent) == len(applied.plan.changes)


CASES: list[tuple[str, str, str, Any]] = [
    (
        "agent.update-core-changed-and-removed-fields",
        "PATCH",
        "/agents/{agent}",
        {"description": "sells more things", "role": None},
    ),
    (
        "agent.update-settings-changed-leaf-only",
        "PATCH",
        "/agents/{agent}",
        {"settings": {"voice": {"interaction": {"max_silence_prompts": 5}}}},
    ),
    (
        "item.update-positional-content-and-order",
        "PATCH",
        "/guidelines/{guideline}",
        {"content": "Be briefer", "order": 1},
    ),
    (
        "section.replace-positional-with-order",
        "PUT",
        "/notes",
        {
            "notes": [
                {"content": "n-c", "order": 0},
                {"content": "n-a", "order": 1},
                {"content": "n-b", "order": 2},
            ]
        },
    ),
    ("item.delete-no-body", "DELETE", "/training/{training}", None),
    (
        "item.create-server-defaults-sent-explicitly",
        "POST",
        "/guard-rules",
        {
            "name": "Angry",
            "when_condition": "shouts",
            "then_action": "end_conversation",
            "selected_channels": ["phone"],
            "is_active": True,
            "is_default": False,
        },
    ),
    (
        "item.update-intent-with-patch-requires-and-whole-list",
        "PATCH",
        "/intents/{intent}",
        {
            "confidence_threshold": 0.8,
            "name": "Book appointment",
            "parameters": [{"key": "date", "type": "string", "required": True}],
        },
    ),
    (
        "item.update-procedure-steps-whole-with-intent-uuid",
        "PATCH",
        "/procedures/{procedure}",
        {
            "description": "book a slot, politely",
            "steps": [
                {"description": "ask a date", "order": 0},
                {"description": "book", "intent_uuid": "{intent}", "order": 1},
            ],
        },
    ),
    (
        "item.update-webhook-with-url-events-is-active-without-unchanged-secret",
        "PATCH",
        "/webhooks/{webhook}",
        {
            "url": "https://hooks.example.com/end",
            "events": ["conversation_end_report", "intent_call"],
            "is_active": True,
        },
    ),
    (
        "section.replace-put-bare-object",
        "PUT",
        "/appointments",
        {"enabled": False, "random_assignment": False},
    ),
]


def _fill(value: Any, uuids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**uuids) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, uuids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, uuids) for v in value]
    return value


@pytest.mark.parametrize(
    ("method", "suffix", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_body_on_the_wire(applied: Applied, method: str, suffix: str, expected: Any) -> None:
    path = _fill(suffix, applied.uuids)
    candidates = [
        s.body
        for s in applied.sent
        if s.method == method and (s.path == path or s.path.endswith(path))
    ]
    assert _fill(expected, applied.uuids) in candidates, candidates


def test_webhook_keeps_its_secret_after_a_patch_without_it(applied: Applied) -> None:
    hooks = applied.harness.client.get_list(f"/agents/{applied.uuids['agent']}/webhooks")
    assert hooks[0]["has_secret"] is True
