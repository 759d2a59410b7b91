"""The agent resource (CONTRACT 2): fields, settings merge, rendering and its five endpoints.

An agent is stored as one document holding everything under it. Intents (``_intents``) and
webhooks (``_webhooks``) live in the same document under private keys because they are read only
through their own endpoints, never embedded in the Agent JSON.
"""

from __future__ import annotations

import copy
import math
import uuid
from typing import Any

from .appointments import build_appointments
from .clock import stamp
from .context import AgentRefs, Ctx, seq_counter, touch
from .sections import SECTIONS, render_items, replace_items
from .store import Doc, Tx
from .validation import Field, build, pick, require_object
from .wire import Response, json_response, validation_error

CORE_FIELDS = (
    Field("name", required=True),
    Field("description"),
    Field("company_name"),
    Field("role"),
    Field("objective"),
    Field("tone"),
    Field("behavior_guidelines"),
    Field("company_service"),
    Field("topic"),
    Field("length_detail"),
    Field("interest_of_product"),
    Field("negative_response"),
    Field("custom_prompt"),
    Field("language"),
    Field("speed", "enum", default="normal", choices=("normal", "fast")),
    Field("timezone"),
    Field("appointment_scheduling_enabled", "bool", default=False),
    Field("appointment_scheduling_randomly", "bool", default=False),
    Field("custom_llm_url", "url"),
    Field(
        "status",
        "enum",
        default="pending",
        choices=("pending", "in_progress", "ready", "paused", "completed"),
    ),
)
WRITABLE_SETTINGS = ("voice", "text")
SETTINGS_GROUPS = ("voice", "text", "memorize", "evaluation")
DEFAULT_PER_PAGE = 15
MAX_PER_PAGE = 100


def render_agent(doc: Doc) -> dict[str, Any]:
    """The Agent JSON: core fields, settings, sections, appointments; never intents/webhooks."""
    agent: dict[str, Any] = {"agent_uuid": doc["agent_uuid"]}
    for spec in CORE_FIELDS:
        agent[spec.name] = doc.get(spec.name, spec.default)
    agent["settings"] = {group: doc["settings"].get(group, {}) for group in SETTINGS_GROUPS}
    recommendations = doc.get("recommendations")
    agent["recommendations"] = recommendations if isinstance(recommendations, str) else ""
    for section in SECTIONS:
        agent[section.key] = render_items(doc.get(section.key, []))
    agent["appointments"] = doc.get("appointments")
    agent["created_at"] = doc["created_at"]
    agent["updated_at"] = doc["updated_at"]
    return agent


def agent_response(doc: Doc, status: int = 200) -> Response:
    """What every section write answers: ``{"data": Agent}`` (201 when it added an item)."""
    return json_response(status, {"data": render_agent(doc)})


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def merge_settings(current: dict[str, Any], raw: Any) -> dict[str, Any]:
    """Deep-merge ``voice``/``text``; read-only ``memorize``/``evaluation`` and unknown groups
    are ignored."""
    body = require_object(raw, "settings")
    merged = copy.deepcopy(current)
    for group in WRITABLE_SETTINGS:
        value = body.get(group)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise validation_error(f"settings.{group}", f"The settings.{group} must be an object.")
        merged[group] = _deep_merge(merged.get(group, {}), value)
    return merged


def apply_agent_body(tx: Tx, doc: Doc, body: dict[str, Any]) -> None:
    """Validate everything first, then write: scalars merge, included sections replace."""
    core = build(CORE_FIELDS, {**pick(CORE_FIELDS, doc), **pick(CORE_FIELDS, body)})
    settings = doc["settings"]
    if body.get("settings") is not None:
        settings = merge_settings(settings, body["settings"])
    refs = AgentRefs(tx, doc)
    next_seq = seq_counter(doc)
    sections = {
        section.key: replace_items(section, body[section.key], section.key, refs, next_seq)
        for section in SECTIONS
        if body.get(section.key) is not None
    }
    doc.update(core)
    doc["settings"] = settings
    doc.update(sections)
    if "appointments" in body:
        raw = body["appointments"]
        doc["appointments"] = None if raw is None else build_appointments(raw, "appointments.")


def _new_doc() -> Doc:
    now = stamp()
    doc: Doc = {
        "agent_uuid": str(uuid.uuid4()),
        "settings": {group: {} for group in SETTINGS_GROUPS},
        "recommendations": "",
        "appointments": None,
        "created_at": now,
        "updated_at": now,
        "_seq": 0,
        "_intents": [],
        "_webhooks": [],
    }
    for section in SECTIONS:
        doc[section.key] = []
    return doc


def create_agent(ctx: Ctx) -> Response:
    doc = _new_doc()
    apply_agent_body(ctx.tx, doc, ctx.body)
    ctx.tx.insert_agent(doc)
    payload = {"success": True, "message": "Agent created successfully.", "data": render_agent(doc)}
    return json_response(201, payload)


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query[name][0])
    except (KeyError, IndexError, ValueError):
        return default


def list_agents(ctx: Ctx) -> Response:
    """Pagination: ``page`` from 1, ``per_page`` default 15, clamped to 1..100."""
    page = max(1, _int_param(ctx.query, "page", 1))
    per_page = min(MAX_PER_PAGE, max(1, _int_param(ctx.query, "per_page", DEFAULT_PER_PAGE)))
    docs, total = ctx.tx.list_agents((page - 1) * per_page, per_page)
    data = {
        "items": [render_agent(doc) for doc in docs],
        "current_page": page,
        "last_page": max(1, math.ceil(total / per_page)),
        "per_page": per_page,
        "total": total,
    }
    return json_response(
        200, {"success": True, "message": "Agents retrieved successfully.", "data": data}
    )


def get_agent(ctx: Ctx) -> Response:
    return json_response(200, {"success": True, "data": render_agent(ctx.agent())})


def update_agent(ctx: Ctx) -> Response:
    """PATCH and PUT behave the same (CONTRACT 2.1)."""
    doc = ctx.agent()
    apply_agent_body(ctx.tx, doc, ctx.body)
    touch(doc)
    ctx.tx.save_agent(doc)
    return agent_response(doc)


def delete_agent(ctx: Ctx) -> Response:
    doc = ctx.agent()
    ctx.tx.soft_delete_agent(doc["agent_uuid"], touch(doc))
    return json_response(200, {"success": True, "message": "Agent deleted successfully."})
