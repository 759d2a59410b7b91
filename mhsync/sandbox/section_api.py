"""Endpoints of the collection sections and of appointments (CONTRACT 3 and 6).

Every one of them answers ``{"data": Agent}`` with the whole updated agent and moves the agent's
``updated_at``. The section comes from the route (its URL segment), so these functions are generic.
"""

from __future__ import annotations

from .agents import agent_response
from .appointments import build_appointments
from .context import AgentRefs, Ctx, seq_counter, touch
from .sections import BY_SEGMENT, Section, add_item, delete_item, patch_item, replace_items
from .store import Doc
from .validation import required_error
from .wire import Response, not_found


def _section(ctx: Ctx) -> Section:
    return BY_SEGMENT[ctx.params["section"]]


def _save(ctx: Ctx, doc: Doc, status: int = 200) -> Response:
    touch(doc)
    ctx.tx.save_agent(doc)
    return agent_response(doc, status)


def replace_section(ctx: Ctx) -> Response:
    """``PUT /{section} {"<key>": [...]}``: the wrapped list replaces the section."""
    section = _section(ctx)
    doc = ctx.agent()
    if ctx.body.get(section.key) is None:
        raise required_error(section.key, section.key)
    refs = AgentRefs(ctx.tx, doc)
    doc[section.key] = replace_items(
        section, ctx.body[section.key], section.key, refs, seq_counter(doc)
    )
    return _save(ctx, doc)


def add_section_item(ctx: Ctx) -> Response:
    """``POST /{section}`` with a bare item: 201 Created, answering the whole agent."""
    section = _section(ctx)
    doc = ctx.agent()
    refs = AgentRefs(ctx.tx, doc)
    doc[section.key] = add_item(section, doc[section.key], ctx.body, refs, seq_counter(doc))
    return _save(ctx, doc, 201)


def patch_section_item(ctx: Ctx) -> Response:
    section = _section(ctx)
    doc = ctx.agent()
    refs = AgentRefs(ctx.tx, doc)
    items = patch_item(section, doc[section.key], ctx.params["item"], ctx.body, refs)
    if items is None:
        raise not_found("Item")
    doc[section.key] = items
    return _save(ctx, doc)


def delete_section_item(ctx: Ctx) -> Response:
    section = _section(ctx)
    doc = ctx.agent()
    items = delete_item(doc[section.key], ctx.params["item"])
    if items is None:
        raise not_found("Item")
    doc[section.key] = items
    return _save(ctx, doc)


def put_appointments(ctx: Ctx) -> Response:
    """``PUT /appointments`` with a bare body: replaced whole, shown on the agent."""
    doc = ctx.agent()
    doc["appointments"] = build_appointments(ctx.body)
    return _save(ctx, doc)
