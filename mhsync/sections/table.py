"""The section descriptor table: every section kind of an agent, and every ASSUMED fact about it.

CONTRACT.md tags facts DOC or ASSUMED. Each ASSUMED fact that concerns sections is written once,
here, with a comment, so correcting it against the real service is a one-line change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mhsync.fieldpath import field_paths
from mhsync.sections import models
from mhsync.sections.descriptor import CORE_KEY, Ref, SectionDescriptor, slug_key


def _intent_key(fields: Mapping[str, Any]) -> str:
    return slug_key(str(fields.get("name", "")))


AGENT_READ_ONLY = frozenset({"agent_uuid", "recommendations", "created_at", "updated_at"})
"""Agent fields the server owns; never sent, never compared."""

CORE = SectionDescriptor(
    key=CORE_KEY,
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
    # ASSUMED: ``memorize`` and ``evaluation`` are read-only through the agent endpoints
    read_only=frozenset({"memorize", "evaluation"}),
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
    refs=(Ref("destination_agent_uuid", "destination_agent", CORE_KEY),),
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
    refs=(Ref("destination_agent_uuid", "destination_agent", CORE_KEY),),
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
    refs=(Ref("intent_uuid", "intent", "intents", within="steps"),),
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


def writable_groups(descriptor: SectionDescriptor) -> tuple[str, ...]:
    """Groups of an object section mhsync writes: what its model declares, minus ``read_only``."""
    return tuple(g for g in descriptor.model.model_fields if g not in descriptor.read_only)


WRITABLE_SETTINGS_GROUPS = writable_groups(SETTINGS)
"""Derived from ``SETTINGS`` (its model and its ASSUMED ``read_only``), never restated."""


class TableViews(NamedTuple):
    """The lookups every engine uses, derived from one tuple of descriptors."""

    by_key: Mapping[str, SectionDescriptor]
    collections: tuple[SectionDescriptor, ...]
    objects: tuple[SectionDescriptor, ...]
    optional: tuple[SectionDescriptor, ...]
    referenced: Mapping[str, SectionDescriptor]


def check_refs(by_key: Mapping[str, SectionDescriptor]) -> None:
    """Refuse a table whose references cannot be resolved (caught at import, not mid-apply).

    A ``Ref.target`` is a section key; unless it is ``CORE_KEY`` (an agent, by handle) it must be
    a collection whose items have an identity, the name the reference is written with.
    """
    for source in by_key.values():
        for ref in source.refs:
            target = by_key.get(ref.target)
            if target is None:
                raise ValueError(
                    f"section {source.key!r}, reference {ref.name_field!r}: "
                    f"no section {ref.target!r}"
                )
            if not ref.names_agent and (target.kind != "collection" or target.identity is None):
                raise ValueError(
                    f"section {source.key!r}, reference {ref.name_field!r}: "
                    f"{ref.target!r} has no item identity"
                )


def views(sections: tuple[SectionDescriptor, ...]) -> TableViews:
    """Every derived lookup of ``sections`` (tests build them for a trial table the same way)."""
    by_key = {d.key: d for d in sections}
    check_refs(by_key)
    named = {ref.target for d in sections for ref in d.refs if not ref.names_agent}
    return TableViews(
        by_key=by_key,
        collections=tuple(d for d in sections if d.kind == "collection"),
        objects=tuple(d for d in sections if d.kind == "object"),
        optional=tuple(d for d in sections if d.key != CORE_KEY),
        referenced={d.key: d for d in sections if d.key in named},
    )


_VIEWS = views(SECTIONS)
BY_KEY: Mapping[str, SectionDescriptor] = _VIEWS.by_key
COLLECTIONS: tuple[SectionDescriptor, ...] = _VIEWS.collections
OBJECTS: tuple[SectionDescriptor, ...] = _VIEWS.objects
OPTIONAL_SECTIONS: tuple[SectionDescriptor, ...] = _VIEWS.optional
"""Sections a manifest may leave out; a section left out is not managed at all."""
REFERENCED: Mapping[str, SectionDescriptor] = _VIEWS.referenced
"""Sections of an agent that other sections name items of (intents, named by procedure steps):
their uuids are indexed for name lookups and their deletes are held back to the end."""


def section(key: str) -> SectionDescriptor:
    return BY_KEY[key]


def ref_section(ref: Ref) -> SectionDescriptor | None:
    """The section of the same agent whose item ``ref`` names; ``None`` when it names an agent."""
    return None if ref.names_agent else BY_KEY[ref.target]
