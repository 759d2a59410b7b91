"""Reading live agents cheaply without reading them differently.

What is read is held to the earlier reading in ``test_reading_equivalence.py``; here the cost is
pinned in Python calls (the same on every machine): the conversion reads each item in one pass,
without a call per field, and the unknown-field walk takes one set difference per mapping.
"""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from mhsync import convert
from mhsync.convert import agent_from_api
from mhsync.roundtrip import unknown_agent_fields
from mhsync.state import Item
from tests.python_calls import python_calls


def _live_agent() -> dict[str, Any]:
    return {
        "agent_uuid": "a-9",
        "name": "Front desk",
        "settings": {"voice": {"interaction": {"silence_message": "Hi?"}}, "memorize": {}},
        "guidelines": [{"uuid": f"g{i}", "content": f"c{i}", "order": i} for i in range(20)],
        "notes": [{"uuid": f"n{i}", "content": f"n{i}", "order": i} for i in range(8)],
        "training": [],
        "routing_rules": [],
        "guard_rules": [
            {
                "uuid": f"r{i}",
                "name": f"rule {i}",
                "when_condition": "w",
                "then_action": "end_conversation",
                "selected_channels": ["phone"],
            }
            for i in range(6)
        ],
        "procedures": [
            {
                "uuid": f"p{i}",
                "name": f"p{i}",
                "steps": [{"order": j, "description": "d", "intent_uuid": "i-1"} for j in range(4)],
            }
            for i in range(5)
        ],
    }


SEPARATE = {
    "intents": [
        {
            "intent_uuid": "i-1",
            "name": "Book",
            "key": "book",
            "webhook": {"url": "https://h", "auth_token": "t"},
        }
    ],
    "webhooks": [
        {"webhook_uuid": "w", "url": "https://w", "events": ["intent_call"], "has_secret": True}
    ],
}

CONVERT_CALLS = 340
"""Python calls of ``agent_from_api`` over ``_live_agent()`` and ``SEPARATE`` (41 items): 1,131
when each item was copied, pruned, cleaned and its references, positions and secrets read in
passes of their own; 664 read in one pass from each section's precomputed reader; 436 with a
section's items read in one loop (``convert._items``: no ``_item`` and ``_fields`` call per
item) and its lists checked and found in order without a call per item; 383 with items
sorted by a C key and references named without a call each; 343 with the steps of a
procedure read without a ``_read`` call each; 302 with each item's ``__dict__`` set directly
(``convert._PLAIN_ITEM``) instead of calling the frozen dataclass's ``__init__``."""


def test_the_conversion_reads_each_item_in_one_pass() -> None:
    raw = _live_agent()

    def convert() -> object:
        return agent_from_api(raw, handle="desk", agent_handles={"a-1": "x"}, separate=SEPARATE)

    convert()  # the section readers are built once, on first use
    assert python_calls(convert) <= CONVERT_CALLS


UNKNOWN_WALK_CALLS = 100
"""Python calls of the unknown-field walk over ``_live_agent()`` (39 items): 685 when the
annotations of a model were inspected again for every value, 202 with each model's fields
looked up once (``field_models``), 53 with one set difference per mapping against names
derived once per section, and no call per item of a section without nested models."""


def test_the_unknown_field_walk_looks_each_model_up_once() -> None:
    raw = _live_agent()
    assert unknown_agent_fields(raw) == []  # and the walk's data is built on first use
    assert python_calls(lambda: unknown_agent_fields(raw)) <= UNKNOWN_WALK_CALLS


def test_items_made_without_their_init_are_the_items_init_makes(monkeypatch: Any) -> None:
    """``_items`` sets a live item's ``__dict__`` directly; the item must be the one calling
    ``Item`` makes (equal, same attributes, frozen, pickled alike), and a changed ``Item``
    shape turns the shortcut off."""
    raw = _live_agent()

    def read() -> list[Item]:
        agent = agent_from_api(raw, handle="desk", agent_handles={}, separate=SEPARATE)
        return [item for items in agent.collections.values() for item in items]

    assert convert._PLAIN_ITEM
    direct = read()
    monkeypatch.setattr(convert, "_PLAIN_ITEM", False)
    called = read()
    assert direct == called and len(direct) == 41
    for made, expected in zip(direct, called, strict=True):
        assert type(made) is Item and vars(made) == vars(expected)
        assert pickle.loads(pickle.dumps(made)) == expected
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.key = "other"  # type: ignore[misc]
