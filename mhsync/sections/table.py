"""The section descriptor table: every section kind of an agent, and every ASSUMED fact about it.

CONTRACT.md tags facts DOC or ASSUMED. Each ASSUMED fact that concerns sections is written once,
here, with a comment, so correcting it against the real service is a one-line change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mhsync.fieldpath import field_paths
from mhsync.sections import models
from mhsync.sections.descriptor import Ref, SectionDescriptor, slug_key


def _intent_key(fields: Mapping[str, Any]) -> str:
    return slug_key(str(fields.get("name", "")))


AGENT_READ_ONLY = frozenset({"agent_uuid", "recommendations", "created_at", "updated_at"})
"""Agent fields the server owns; never sent, never compared."""

WRITABLE_SETTINGS_GROUPS = ("voice", "text")
"""ASSUMED: ``memorize`` and ``evaluation`` are read-only through the agent endpoints."""

CORE = SectionDescriptor(
    key="core",
    kind="object",
    model=models.AgentCore,
    path="",
    level=0,
    replace="patch_agent",
    read_only=AGENT_READ_ONLY,
    compare_only_when_set=frozenset({"status"}),
)

SETTINGS = SectionDescriptor(
    key="settings",
    kind="object",
    model=models.Settings,
    path="",
    level=0,
    embedded_as="settings",
    replace="patch_agent",
    read_only=frozenset(
        {"memorize", "evaluation"}  # the groups outside WRITABLE_SETTINGS_GROUPS (ASSUMED)
    ),
    partial=True,  # ASSUMED: settings merge key by key on PATCH, so unset keys are not ours
    create_with_agent=True,
)

GUIDELINES = SectionDescriptor(
    key="guidelines",
    kind="collection",
    model=models.Guideline,
    path="/guidelines",
    level=1,
    embedded_as="guidelines",
    replace="put_wrapped",
    wrapper="guidelines",
    item_ops=True,  # PATCH /guidelines/{uuid} is ASSUMED
    order_field="order",  # ASSUMED: returned sorted by order, then insertion
    create_with_agent=True,
)

NOTES = SectionDescriptor(
    key="notes",
    kind="collection",
    model=models.Note,
    path="/notes",
    level=1,
    embedded_as="notes",
    replace="put_wrapped",
    wrapper="notes",
    item_ops=True,
    order_field="order",
    create_with_agent=True,
)

TRAINING = SectionDescriptor(
    key="training",
    kind="collection",
    model=models.TrainingRow,
    path="/training",
    level=1,
    identity="content",
    embedded_as="training",
    replace="put_wrapped",
    wrapper="training",
    item_ops=True,
    create_with_agent=True,
)

ROUTING_RULES = SectionDescriptor(
    key="routing_rules",
    kind="collection",
    model=models.RoutingRule,
    path="/routing-rules",
    level=1,
    identity="department_name",
    embedded_as="routing_rules",
    replace="put_wrapped",
    wrapper="routing_rules",  # ASSUMED wrapper key
    item_ops=True,
    compare_only_when_set=frozenset({"priority"}),  # server assigns max+1 when omitted
    refs=(Ref("destination_agent_uuid", "destination_agent", "agent"),),
    create_with_agent=True,
)

GUARD_RULES = SectionDescriptor(
    key="guard_rules",
    kind="collection",
    model=models.GuardRule,
    path="/guard-rules",
    level=1,
    identity="name",
    embedded_as="guard_rules",
    replace="put_wrapped",
    wrapper="guard_rules",
    item_ops=True,
    set_like=frozenset({"selected_channels"}),
    refs=(Ref("destination_agent_uuid", "destination_agent", "agent"),),
    create_with_agent=True,
)

INTENTS = SectionDescriptor(
    key="intents",
    kind="collection",
    model=models.Intent,
    path="/intents",
    level=1,
    identity="key",
    uuid_field="intent_uuid",
    item_ops=True,
    read_only=frozenset({"intent_uuid", "is_system", "created_at", "updated_at", "agent_uuid"}),
    sensitive=field_paths({"webhook.auth_token"}),
    # ASSUMED: the server fills these when omitted (sandbox: false / null); manage only when set
    compare_only_when_set=frozenset({"intent_llm_handle_by_response", "confidence_threshold"}),
    whole_on_patch=frozenset({"parameters"}),
    patch_requires=frozenset({"name"}),
    skip_flag="is_system",  # ASSUMED: system intents are read-only and never deleted
    derive_identity=_intent_key,  # ASSUMED: key derived from name as slug
)

PROCEDURES = SectionDescriptor(
    key="procedures",
    kind="collection",
    model=models.Procedure,
    path="/procedures",
    level=2,  # steps may name intents, which must exist first
    identity="name",
    embedded_as="procedures",
    replace="put_wrapped",
    wrapper="procedures",
    item_ops=True,
    whole_on_patch=frozenset({"steps"}),
    ordered_lists={"steps": "order"},  # ASSUMED: steps returned sorted by order
    refs=(Ref("intent_uuid", "intent", "intent", within="steps"),),
    create_with_agent=True,
)

WEBHOOKS = SectionDescriptor(
    key="webhooks",
    kind="collection",
    model=models.Webhook,
    path="/webhooks",
    level=1,
    identity="url",
    uuid_field="webhook_uuid",
    item_ops=True,
    read_only=frozenset({"webhook_uuid", "created_at", "updated_at", "agent_uuid"}),
    write_only={"secret_key": "has_secret"},
    sensitive=field_paths({"secret_key"}),
    set_like=frozenset({"events"}),
    # DOC: url and events are required on PATCH; the vendor's client also always sends is_active
    patch_requires=frozenset({"url", "events", "is_active"}),
    limit=5,
)

APPOINTMENTS = SectionDescriptor(
    key="appointments",
    kind="object",
    model=models.Appointments,
    path="/appointments",
    level=1,
    embedded_as="appointments",  # ASSUMED: the agent shows them under `appointments`
    replace="put_bare",
)

SECTIONS: tuple[SectionDescriptor, ...] = (
    CORE,
    SETTINGS,
    GUIDELINES,
    NOTES,
    TRAINING,
    ROUTING_RULES,
    GUARD_RULES,
    INTENTS,
    PROCEDURES,
    WEBHOOKS,
    APPOINTMENTS,
)
"""Every section, in the order engines visit them and plans list them."""

BY_KEY: Mapping[str, SectionDescriptor] = {d.key: d for d in SECTIONS}
COLLECTIONS: tuple[SectionDescriptor, ...] = tuple(d for d in SECTIONS if d.kind == "collection")
OBJECTS: tuple[SectionDescriptor, ...] = tuple(d for d in SECTIONS if d.kind == "object")
OPTIONAL_SECTIONS: tuple[SectionDescriptor, ...] = tuple(d for d in SECTIONS if d is not CORE)
"""Sections a manifest may leave out; a section left out is not managed at all."""


def section(key: str) -> SectionDescriptor:
    return BY_KEY[key]
