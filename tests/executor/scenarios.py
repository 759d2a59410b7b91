"""Desired workspaces used across the executor tests, built like the manifest loader builds them."""

from __future__ import annotations

from typing import Any

from planner.factories import desired_agent, want, workspace

from mhsync.state import AgentState, WorkspaceState

INTENT = {
    "name": "Book appointment",
    # the sandbox fills false when omitted; the manifest model has no default for it
    "intent_llm_handle_by_response": False,
    "confidence_threshold": 0.7,
    "parameters": [{"key": "date", "type": "string", "required": True}],
}


def full_agent(
    handle: str, secret_ref: str, *, routes_to: str | None = None, **edits: Any
) -> AgentState:
    """An agent using every section: embedded ones, intents, procedures naming an intent,
    a webhook whose secret comes from the environment, appointments and settings."""
    sections: dict[str, Any] = {
        "guidelines": [want("guidelines", content=t) for t in ("Be kind", "Be brief", "Be exact")],
        "notes": [want("notes", content=t) for t in ("n-a", "n-b", "n-c")],
        "training": [
            want("training", content="hello", response="hi"),
            want("training", content="price?", response="ten"),
        ],
        "guard_rules": [
            want(
                "guard_rules",
                name="Legal",
                when_condition="asks for a lawyer",
                then_action="end_conversation",
                say_before_end="Goodbye",
            )
        ],
        "intents": [want("intents", **INTENT)],
        "procedures": [
            want(
                "procedures",
                name="Booking",
                description="book a slot",
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
                events=["conversation_end_report"],
                secret_key=secret_ref,
            )
        ],
    }
    if routes_to:
        sections["routing_rules"] = [
            want(
                "routing_rules",
                department_name="Support desk",
                destination_type="agent",
                destination_agent=routes_to,
                ai_prompt="the caller needs support",
                phrases=["help", "broken"],
            )
        ]
    sections.update(edits.pop("sections", {}))
    objects: dict[str, dict[str, Any]] = {
        "settings": {
            "voice": {"interaction": {"max_silence_prompts": 3, "silence_message": "Hello?"}}
        },
        "appointments": {
            "enabled": True,
            "schedule_assignments": [{"schedule_uuid": "sch-1", "priority": "primary"}],
        },
    }
    objects.update(edits.pop("objects", {}))
    core = {"description": "sells things", "role": "seller", **edits.pop("core", {})}
    return desired_agent(handle, handle.title(), core=core, objects=objects, **sections)


def plain_agent(handle: str, *notes: str, **core: Any) -> AgentState:
    return desired_agent(
        handle, handle.title(), core=core, notes=[want("notes", content=n) for n in notes]
    )


def two_agents(secret_ref: str) -> WorkspaceState:
    """``sales`` (every section) routes to ``support`` (a new agent too)."""
    return workspace(
        full_agent("sales", secret_ref, routes_to="support"), plain_agent("support", "s-1")
    )
