"""Webhooks of an agent (CONTRACT 5).

``secret_key`` is write-only: stored, never returned; ``has_secret`` says whether one is set. An
agent holds at most five webhooks; the sixth add is a 409 ``webhook_limit_reached``. Validation
runs before the limit check (a bad sixth webhook is a 422), as a Laravel form request would.
"""

from __future__ import annotations

import uuid
from typing import Any

from .clock import stamp
from .context import Ctx, touch
from .store import Doc
from .validation import Field, build, is_url, pick, require_present
from .wire import ApiError, Response, json_response, not_found, validation_error

EVENTS = (
    "conversation_status",
    "conversation_end_report",
    "conversation_update",
    "voice_evaluation",
    "text_evaluation",
    "intent_call",
)
WEBHOOK_FIELDS = (
    Field("url", required=True),
    Field("events", "enum_list", required=True, choices=EVENTS),
    Field("secret_key"),
    Field("is_active", "bool", default=True),
)
PATCH_REQUIRED = ("url", "events")
"""CONTRACT 5 (DOC): the update-a-webhook page marks both required, so every PATCH carries them."""
MAX_WEBHOOKS = 5


def render_webhook(webhook: Doc) -> dict[str, Any]:
    return {
        "webhook_uuid": webhook["webhook_uuid"],
        "url": webhook["url"],
        "events": webhook["events"],
        "is_active": webhook["is_active"],
        "has_secret": webhook["secret_key"] is not None,
        "created_at": webhook["created_at"],
        "updated_at": webhook["updated_at"],
    }


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = build(WEBHOOK_FIELDS, data)
    if not is_url(fields["url"], ("https",)):
        raise validation_error("url", "The url must be a valid URL starting with https://.")
    return fields


def _find(agent: Doc, webhook_uuid: str) -> Doc:
    for webhook in agent["_webhooks"]:
        if webhook["webhook_uuid"] == webhook_uuid:
            found: Doc = webhook
            return found
    raise not_found("Webhook")


def _ok(data: Any, status: int = 200) -> Response:
    return json_response(status, {"success": True, "data": data})


def create_webhook(ctx: Ctx) -> Response:
    agent = ctx.agent()
    fields = _fields(ctx.body)
    if len(agent["_webhooks"]) >= MAX_WEBHOOKS:
        raise ApiError(
            409, "webhook_limit_reached", f"An agent can have at most {MAX_WEBHOOKS} webhooks."
        )
    now = stamp()
    webhook: Doc = {
        "webhook_uuid": str(uuid.uuid4()),
        **fields,
        "created_at": now,
        "updated_at": now,
    }
    agent["_webhooks"].append(webhook)
    touch(agent)
    ctx.tx.save_agent(agent)
    return _ok(render_webhook(webhook), 201)


def list_webhooks(ctx: Ctx) -> Response:
    return _ok([render_webhook(webhook) for webhook in ctx.agent()["_webhooks"]])


def get_webhook(ctx: Ctx) -> Response:
    return _ok(render_webhook(_find(ctx.agent(), ctx.params["item"])))


def patch_webhook(ctx: Ctx) -> Response:
    """``url`` and ``events`` must be sent; other fields not sent are kept (the secret too);
    ``secret_key: null`` clears the secret."""
    agent = ctx.agent()
    webhook = _find(agent, ctx.params["item"])
    require_present(ctx.body, PATCH_REQUIRED)
    merged = {**pick(WEBHOOK_FIELDS, webhook), **pick(WEBHOOK_FIELDS, ctx.body)}
    webhook.update(_fields(merged))
    webhook["updated_at"] = stamp(webhook["updated_at"])
    touch(agent)
    ctx.tx.save_agent(agent)
    return _ok(render_webhook(webhook))


def delete_webhook(ctx: Ctx) -> Response:
    agent = ctx.agent()
    agent["_webhooks"].remove(_find(agent, ctx.params["item"]))
    touch(agent)
    ctx.tx.save_agent(agent)
    return json_response(200, {"success": True, "message": "Webhook deleted successfully."})
