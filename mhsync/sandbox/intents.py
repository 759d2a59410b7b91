"""Intents of an agent (CONTRACT 4): ``{"success": true, "data": ...}`` endpoints.

``key`` is generated from the name when omitted and must be unique within the agent (ASSUMED).
System intents (``is_system``) cannot be created through the API; tests seed them with
:meth:`Sandbox.add_system_intent`, and the API refuses to change or delete them (403, ASSUMED).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from .clock import stamp
from .context import Ctx, touch
from .store import Doc, Tx
from .validation import Field, build, pick, require_list, require_object, require_present
from .wire import ApiError, Response, json_response, not_found, validation_error

INTENT_FIELDS = (
    Field("name", required=True),
    Field("key"),
    Field("description"),
    Field("recommendation_actions", "any"),
    Field("confidence_threshold", "number", minimum=0.0, maximum=1.0),
    Field("intent_llm_handle_by_response", "bool", default=False),
    Field("webhook", "object"),
    Field("parameters", "list", default=[]),
)
PARAMETER_FIELDS = (
    Field("key", required=True),
    Field("default", "any"),
    Field("type", default="string"),
    Field("required", "bool", default=False),
)


def key_from_name(name: str) -> str:
    """``"Book Appointment!"`` -> ``book_appointment``: lowercase, non-alphanumerics to ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "intent"


def render_intent(intent: Doc) -> dict[str, Any]:
    rendered = {"intent_uuid": intent["intent_uuid"], **pick(INTENT_FIELDS, intent)}
    for key in ("is_system", "created_at", "updated_at"):
        rendered[key] = intent[key]
    return rendered


def _fields(agent: Doc, data: dict[str, Any], own_uuid: str | None) -> dict[str, Any]:
    fields = build(INTENT_FIELDS, data)
    fields["parameters"] = [
        build(PARAMETER_FIELDS, require_object(raw, f"parameters.{i}"), f"parameters.{i}.")
        for i, raw in enumerate(require_list(fields["parameters"], "parameters"))
    ]
    if fields["key"] is None:
        fields["key"] = key_from_name(fields["name"])
    for other in agent["_intents"]:
        if other["key"] == fields["key"] and other["intent_uuid"] != own_uuid:
            raise validation_error("key", "The key has already been taken.")
    return fields


def new_intent(agent: Doc, data: dict[str, Any], *, is_system: bool = False) -> Doc:
    """Validate and append an intent to the agent document; returns the stored intent."""
    now = stamp()
    intent: Doc = {
        "intent_uuid": str(uuid.uuid4()),
        **_fields(agent, data, None),
        "is_system": is_system,
        "created_at": now,
        "updated_at": now,
    }
    agent["_intents"].append(intent)
    touch(agent)
    return intent


def _find(agent: Doc, intent_uuid: str) -> Doc:
    for intent in agent["_intents"]:
        if intent["intent_uuid"] == intent_uuid:
            found: Doc = intent
            return found
    raise not_found("Intent")


def _writable(intent: Doc) -> None:
    if intent["is_system"]:
        raise ApiError(403, "FORBIDDEN", "System intents are read-only.")


def _ok(data: Any, status: int = 200) -> Response:
    return json_response(status, {"success": True, "data": data})


def create_intent(ctx: Ctx) -> Response:
    agent = ctx.agent()
    intent = new_intent(agent, ctx.body)
    ctx.tx.save_agent(agent)
    return _ok(render_intent(intent), 201)


def list_intents(ctx: Ctx) -> Response:
    return _ok([render_intent(intent) for intent in ctx.agent()["_intents"]])


def get_intent(ctx: Ctx) -> Response:
    return _ok(render_intent(_find(ctx.agent(), ctx.params["item"])))


def patch_intent(ctx: Ctx) -> Response:
    """Only the fields sent change, but ``name`` must be sent; ``parameters`` replaces the list."""
    agent = ctx.agent()
    intent = _find(agent, ctx.params["item"])
    _writable(intent)
    require_present(ctx.body, ("name",))
    merged = {**pick(INTENT_FIELDS, intent), **pick(INTENT_FIELDS, ctx.body)}
    intent.update(_fields(agent, merged, intent["intent_uuid"]))
    intent["updated_at"] = stamp(intent["updated_at"])
    touch(agent)
    ctx.tx.save_agent(agent)
    return _ok(render_intent(intent))


def delete_intent(ctx: Ctx) -> Response:
    """Procedure steps that pointed at the intent keep their place with ``intent_uuid`` null."""
    agent = ctx.agent()
    intent = _find(agent, ctx.params["item"])
    _writable(intent)
    agent["_intents"].remove(intent)
    for procedure in agent["procedures"]:
        for step in procedure["steps"]:
            if step.get("intent_uuid") == intent["intent_uuid"]:
                step["intent_uuid"] = None
    touch(agent)
    ctx.tx.save_agent(agent)
    return json_response(200, {"success": True, "message": "Intent deleted successfully."})


def seed_system_intent(tx: Tx, agent_uuid: str, data: dict[str, Any]) -> dict[str, Any]:
    """Test helper behind :meth:`Sandbox.add_system_intent`."""
    agent = tx.load_agent(agent_uuid)
    if agent is None:
        raise not_found("Agent")
    intent = new_intent(agent, data, is_system=True)
    tx.save_agent(agent)
    return render_intent(intent)
