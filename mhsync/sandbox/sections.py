"""The collection sections of an agent (CONTRACT 3), as the sandbox reads them.

This table is the sandbox's own, deliberately not shared with the client's descriptors: if both
sides read the contract from one table, a misreading would hide on both. Each :class:`Section`
says how items are validated, which server defaults apply and how the list is ordered; the
functions below implement replace / add one / update one / delete one generically over it.

Stored items carry a private ``_seq`` (insertion counter) so "sorted by order, then insertion" stays
true after an item's ``order`` is patched; :func:`render_items` strips it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .validation import Field, build, pick, require_list, require_object, required_error
from .wire import validation_error

Item = dict[str, Any]
Ordering = Literal["order", "priority", "insertion"]

DESTINATION_TYPES = ("extension", "phone_number", "agent")
CHANNELS = ("phone", "instagram", "whatsapp", "facebook_messenger")


class Refs(Protocol):
    """Referential look-ups a section may need while validating an item."""

    def agent_is_live(self, agent_uuid: str) -> bool: ...

    def intent_exists(self, intent_uuid: str) -> bool: ...


def _no_rules(item: Item, prefix: str, refs: Refs) -> None:
    return None


@dataclass(frozen=True)
class Section:
    """One collection section: JSON key (also the replace wrapper), URL segment, item rules."""

    key: str
    segment: str
    fields: tuple[Field, ...]
    ordering: Ordering
    rules: Callable[[Item, str, Refs], None] = _no_rules


STEP_FIELDS = (
    Field("order", "int"),
    Field("description"),
    Field("intent_uuid"),
)


def _procedure_rules(item: Item, prefix: str, refs: Refs) -> None:
    """Steps: checked one by one, ``order`` defaults to the index, sorted by order then index."""
    raw_steps = item["steps"] if item["steps"] is not None else []
    steps: list[tuple[int, int, Item]] = []
    for index, raw in enumerate(require_list(raw_steps, prefix + "steps")):
        step_prefix = f"{prefix}steps.{index}."
        step = build(STEP_FIELDS, require_object(raw, step_prefix.rstrip(".")), step_prefix)
        if step["order"] is None:
            step["order"] = index
        if step["intent_uuid"] is not None and not refs.intent_exists(step["intent_uuid"]):
            raise validation_error(
                step_prefix + "intent_uuid",
                "The selected intent uuid is not an intent of this agent.",
            )
        steps.append((step["order"], index, step))
    item["steps"] = [step for _, _, step in sorted(steps, key=lambda t: (t[0], t[1]))]


def _check_destination(item: Item, prefix: str, refs: Refs) -> None:
    """A transfer needs somewhere to go: an agent uuid for type ``agent``, else a destination."""
    if item["destination_type"] == "agent":
        if not item["destination_agent_uuid"]:
            raise required_error(prefix + "destination_agent_uuid", "destination_agent_uuid")
    elif not item["destination"]:
        raise required_error(prefix + "destination", "destination")
    target = item["destination_agent_uuid"]
    if target is not None and not refs.agent_is_live(target):
        raise validation_error(
            prefix + "destination_agent_uuid",
            "The selected destination agent uuid is not a live agent of this workspace.",
        )


def _routing_rules(item: Item, prefix: str, refs: Refs) -> None:
    if item["detection_mode"] in ("exact", "both") and not item["trigger_keyword"]:
        raise required_error(prefix + "trigger_keyword", "trigger_keyword")
    _check_destination(item, prefix, refs)


def _guard_rules(item: Item, prefix: str, refs: Refs) -> None:
    if item["then_action"] == "forward":
        if item["destination_type"] is None:
            raise required_error(prefix + "destination_type", "destination_type")
        _check_destination(item, prefix, refs)
    elif item["destination_agent_uuid"] is not None and not refs.agent_is_live(
        item["destination_agent_uuid"]
    ):
        raise validation_error(
            prefix + "destination_agent_uuid",
            "The selected destination agent uuid is not a live agent of this workspace.",
        )


SECTIONS: tuple[Section, ...] = (
    Section(
        "guidelines",
        "guidelines",
        (Field("content", required=True), Field("order", "int")),
        "order",
    ),
    Section(
        "notes",
        "notes",
        (Field("content", required=True), Field("order", "int")),
        "order",
    ),
    Section(
        "procedures",
        "procedures",
        (Field("name", required=True), Field("description"), Field("steps", "list")),
        "insertion",
        _procedure_rules,
    ),
    Section(
        "training",
        "training",
        (Field("content", required=True), Field("intent"), Field("response")),
        "insertion",
    ),
    Section(
        "routing_rules",
        "routing-rules",
        (
            Field("detection_mode", "enum", default="intent", choices=("exact", "intent", "both")),
            Field("trigger_keyword"),
            Field("department_name"),
            Field("phrases", "string_list", default=[]),
            Field("ai_prompt"),
            Field("transfer_message"),
            Field("destination_type", "enum", choices=DESTINATION_TYPES),
            Field("destination"),
            Field("destination_agent_uuid"),
            Field("priority", "int"),
            Field("is_active", "bool", default=True),
        ),
        "priority",
        _routing_rules,
    ),
    Section(
        "guard_rules",
        "guard-rules",
        (
            Field("name"),
            Field("when_condition", required=True),
            Field("example_phrases", "string_list", default=[]),
            Field("then_action", "enum", required=True, choices=("forward", "end_conversation")),
            Field("selected_channels", "enum_list", default=["phone"], choices=CHANNELS),
            Field("say_before_forwarding"),
            Field("say_before_end"),
            Field("destination_type", "enum", choices=DESTINATION_TYPES),
            Field("destination"),
            Field("destination_agent_uuid"),
            Field("is_active", "bool", default=True),
            Field("is_default", "bool", default=False),
        ),
        "insertion",
        _guard_rules,
    ),
)

BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}
BY_SEGMENT: dict[str, Section] = {section.segment: section for section in SECTIONS}


def _new_item(section: Section, raw: Any, prefix: str, refs: Refs, seq: int) -> Item:
    data = require_object(raw, prefix.rstrip("."))
    fields = build(section.fields, data, prefix)
    section.rules(fields, prefix, refs)
    return {"uuid": str(uuid.uuid4()), **fields, "_seq": seq}


def _sorted(section: Section, items: list[Item]) -> list[Item]:
    if section.ordering == "order":
        return sorted(items, key=lambda item: (item["order"], item["_seq"]))
    return items


def _next_rank(section: Section, items: list[Item]) -> int:
    """``order`` / ``priority`` for an item added without one: max existing + 1."""
    rank_key = "order" if section.ordering == "order" else "priority"
    ranks: list[int] = [item[rank_key] for item in items if isinstance(item.get(rank_key), int)]
    if ranks:
        return max(ranks) + 1
    return 0 if section.ordering == "order" else 1


def _fill_rank(section: Section, item: Item, value: int) -> None:
    if section.ordering == "order" and item["order"] is None:
        item["order"] = value
    elif section.ordering == "priority" and item["priority"] is None:
        item["priority"] = value


def replace_items(
    section: Section, raw: Any, prefix: str, refs: Refs, next_seq: Callable[[], int]
) -> list[Item]:
    """A whole new list: every item gets a new uuid; missing order = index, priority = index+1."""
    items: list[Item] = []
    for index, raw_item in enumerate(require_list(raw, prefix)):
        item = _new_item(section, raw_item, f"{prefix}.{index}.", refs, next_seq())
        _fill_rank(section, item, index if section.ordering == "order" else index + 1)
        items.append(item)
    return _sorted(section, items)


def add_item(
    section: Section, items: list[Item], raw: Any, refs: Refs, next_seq: Callable[[], int]
) -> list[Item]:
    """Append one item; without ``order``/``priority`` it goes after the existing ones."""
    item = _new_item(section, raw, "", refs, next_seq())
    _fill_rank(section, item, _next_rank(section, items))
    return _sorted(section, [*items, item])


def patch_item(
    section: Section, items: list[Item], item_uuid: str, raw: Any, refs: Refs
) -> list[Item] | None:
    """Change only the fields sent, then re-check the whole item; None if no such item."""
    body = require_object(raw, "")
    for position, current in enumerate(items):
        if current["uuid"] != item_uuid:
            continue
        merged = {**pick(section.fields, current), **pick(section.fields, body)}
        fields = build(section.fields, merged)
        section.rules(fields, "", refs)
        if section.ordering != "insertion":
            rank_key = section.ordering
            if fields[rank_key] is None:
                fields[rank_key] = current[rank_key]
        updated = [*items]
        updated[position] = {"uuid": item_uuid, **fields, "_seq": current["_seq"]}
        return _sorted(section, updated)
    return None


def delete_item(items: list[Item], item_uuid: str) -> list[Item] | None:
    remaining = [item for item in items if item["uuid"] != item_uuid]
    return remaining if len(remaining) != len(items) else None


def render_items(items: list[Item]) -> list[Item]:
    return [
        {key: value for key, value in item.items() if not key.startswith("_")} for item in items
    ]
