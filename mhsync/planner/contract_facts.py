"""The ASSUMED facts of CONTRACT.md that ``mhsync doctor`` checks against a workspace, as data.

Each fact says what the contract assumes and the one place in the code that holds the
assumption (``file: symbol``), so that a workspace answering otherwise points straight at the
line to correct. A test resolves every place, so the table cannot go stale when code moves.
The probes that observe a workspace live in ``mhsync.workflows.doctor_contract``; this module
is pure data and the vocabulary of the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FactStatus(StrEnum):
    HOLDS = "holds"
    TOLERATED = "tolerated"
    """Not the assumed form, but one CONTRACT marks *tolerant*: mhsync reads it as well."""
    DIFFERS = "differs"
    UNCHECKED = "not checked"


@dataclass(frozen=True)
class ContractFact:
    key: str
    fact: str
    """What is checked, named by endpoint or field."""
    contract: str
    """The CONTRACT.md section that states the assumption."""
    assumption: str
    place: str
    """``path: SYMBOL[.attribute]``: where mhsync holds the assumption."""


@dataclass(frozen=True)
class FactResult:
    fact: ContractFact
    status: FactStatus
    observed: str
    """What this workspace did, in a few words (never a value of a secret)."""


META_KEYS = ("current_page", "last_page", "per_page", "total")
"""Paging meta CONTRACT 1 assumes beside the agent list's items."""

ROUTING_DESTINATION_FIELDS = (
    "destination_type",
    "destination",
    "destination_agent_uuid",
    "transfer_message",
)
"""Routing-rule field names CONTRACT 3.1 marks ASSUMED (the models hold them)."""

FACTS: tuple[ContractFact, ...] = (
    ContractFact(
        "list.per_page",
        "GET /agents?per_page=100",
        "1 Pagination",
        "honoured up to 100",
        "mhsync/client/http.py: MAX_PER_PAGE",
    ),
    ContractFact(
        "list.meta",
        "GET /agents page shape",
        "1 Pagination",
        "data.items + " + ", ".join(META_KEYS),
        "mhsync/client/envelope.py: decode_page",
    ),
    ContractFact(
        "agent.get",
        "GET /agents/{uuid}",
        "2.1",
        "200, the agent in data",
        "mhsync/executor/adopt.py: read_items",
    ),
    ContractFact(
        "intents.list",
        "GET .../intents",
        "4",
        "a list, items with intent_uuid",
        "mhsync/sections/table.py: INTENTS.uuid_field",
    ),
    ContractFact(
        "webhooks.list",
        "GET .../webhooks",
        "5",
        "a list, items with webhook_uuid",
        "mhsync/sections/table.py: WEBHOOKS.uuid_field",
    ),
    ContractFact(
        "routing_rules.fields",
        "routing-rule destination fields",
        "3.1",
        ", ".join(ROUTING_DESTINATION_FIELDS),
        "mhsync/sections/models.py: RoutingRule",
    ),
    ContractFact(
        "appointments.key",
        "appointments in the agent",
        "6",
        "under the key appointments",
        "mhsync/sections/table.py: APPOINTMENTS.embedded_as",
    ),
    ContractFact(
        "intents.event",
        "GET .../intents/{uuid}/event",
        "4",
        "404, or apart from the inline webhook",
        "mhsync/sections/table.py: INTENTS",
    ),
    ContractFact(
        "guidelines.patch",
        "PATCH .../guidelines/{uuid}",
        "3",
        "updates one, keeps its uuid",
        "mhsync/sections/table.py: GUIDELINES.item_ops",
    ),
    ContractFact(
        "notes.patch",
        "PATCH .../notes/{uuid}",
        "3",
        "updates one, keeps its uuid",
        "mhsync/sections/table.py: NOTES.item_ops",
    ),
    ContractFact(
        "notes.put",
        "PUT .../notes",
        "3",
        '{"notes": [...]} replaces them',
        "mhsync/sections/table.py: NOTES.wrapper",
    ),
    ContractFact(
        "procedures.put",
        "PUT .../procedures",
        "3",
        '{"procedures": [...]} replaces them',
        "mhsync/sections/table.py: PROCEDURES.wrapper",
    ),
    ContractFact(
        "routing_rules.put",
        "PUT .../routing-rules",
        "3",
        '{"routing_rules": [...]} replaces them',
        "mhsync/sections/table.py: ROUTING_RULES.wrapper",
    ),
    ContractFact(
        "webhooks.patch_requires",
        "PATCH .../webhooks/{uuid}",
        "5",
        "422 without url and events",
        "mhsync/sections/table.py: WEBHOOKS.patch_requires",
    ),
    ContractFact(
        "webhooks.secret_kept",
        "webhook PATCH without secret_key",
        "5",
        "keeps the secret",
        "mhsync/executor/bodies.py: _withheld",
    ),
)
"""In the order the probes run: reads first, then writes. ``...`` stands for /agents/{uuid}."""

BY_KEY = {fact.key: fact for fact in FACTS}
