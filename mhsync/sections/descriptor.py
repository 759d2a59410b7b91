"""The shape of one section descriptor: everything an engine needs to know about a section.

Engines (manifest loader, live reader, planner, executor, exporter) iterate over the table in
``table.py`` and read these knobs; none of them names a section. Adding a section is one entry
plus its model (docs/ARCHITECTURE.md, "How to add a section", lists every file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from mhsync.fieldpath import FieldPath

SectionKind = Literal["object", "collection"]

# How a whole section is written in one request:
#   patch_agent  - PATCH /agents/{uuid} {<key>: ...}   (core fields merge; settings merge)
#   put_wrapped  - PUT /agents/{uuid}<path> {<wrapper>: [...]}
#   put_bare     - PUT /agents/{uuid}<path> <object>
#   none         - no whole-section write; items go one by one
ReplaceStyle = Literal["patch_agent", "put_wrapped", "put_bare", "none"]


CORE_KEY = "core"
"""Key of the section that is the agent itself; as a ``Ref.target`` it means "an agent"."""


@dataclass(frozen=True)
class Ref:
    """A field that holds a uuid in the API and a name in manifests.

    ``target`` is a section key: what the name points into is data of the table, so no engine
    names a section. A collection key means an item of that section of the same agent, named
    by the section's ``identity`` and held in the API by its ``uuid_field`` (procedure steps
    name ``"intents"``). ``CORE_KEY`` means another agent of the workspace, named by handle:
    the core section is the agent (its path is the agent's own), and handles are resolved
    across the workspace, not inside one agent. ``within`` names a list field whose elements
    carry the reference (procedure ``steps``).
    """

    api_field: str
    name_field: str
    target: str
    within: str | None = None

    @property
    def names_agent(self) -> bool:
        """The name is an agent handle (resolved workspace-wide), not an item of this agent."""
        return self.target == CORE_KEY


@dataclass(frozen=True)
class SectionDescriptor:
    """One section kind of an agent, as data."""

    key: str
    """Name under ``spec`` in manifests and in the canonical state."""

    kind: SectionKind
    model: type[BaseModel]
    """Manifest model of one item (collections) or of the whole object (objects)."""

    path: str
    """API path relative to ``/agents/{uuid}``; ``""`` for the agent itself."""

    level: int
    """Dependency level: lower levels are written first and deleted last."""

    identity: str | None = None
    """Field that identifies an item across both sides; ``None`` means positional identity."""

    embedded_as: str | None = None
    """Key under which the Agent JSON carries the section; ``None``: read from ``path``."""

    uuid_field: str = "uuid"
    replace: ReplaceStyle = "none"
    wrapper: str | None = None
    item_ops: bool = False
    """POST/PATCH/DELETE of single items is available."""

    order_field: str | None = None
    """API field holding an item's position, for positional sections."""

    read_only: frozenset[str] = frozenset()
    """API fields dropped when reading (server-owned)."""

    write_only: Mapping[str, str] = field(default_factory=dict)
    """Write-only field -> API flag telling whether it is set (``secret_key`` -> ``has_secret``)."""

    sensitive: frozenset[FieldPath] = frozenset()
    """Field paths whose values are secrets: masked in all output, never in plan files."""

    partial: bool = False
    """Only keys the manifest sets are managed (the API merges this object key by key)."""

    compare_only_when_set: frozenset[str] = frozenset()
    """Fields the server computes when omitted; compared only when the manifest sets them."""

    set_like: frozenset[str] = frozenset()
    """List fields that are sets: order and repetition carry no meaning, so the canonical form
    is sorted and de-duplicated (on both sides, whatever the server does with duplicates)."""

    whole_on_patch: frozenset[str] = frozenset()
    """Nested list fields that a PATCH replaces whole (so they are always sent whole)."""

    patch_requires: frozenset[str] = frozenset()
    """Fields every PATCH must carry even when unchanged (intent ``name``; webhook ``url``,
    ``events``, ``is_active``)."""

    ordered_lists: Mapping[str, str] = field(default_factory=dict)
    """Nested list field -> API field holding each element's position (procedure steps)."""

    refs: tuple[Ref, ...] = ()
    limit: int | None = None
    """Most items the API allows in this section."""

    manifest_only: frozenset[str] = frozenset({"previous_keys"})
    """Manifest fields that steer mhsync and are never sent or compared."""

    skip_flag: str | None = None
    """API flag marking items mhsync must leave alone (system intents)."""

    derive_identity: Callable[[Mapping[str, Any]], str] | None = None
    """How the server fills the identity field when omitted (intent key from name)."""

    create_with_agent: bool = False
    """May be sent inside the ``POST /agents`` body when the agent is created."""

    def item_path(self, item_uuid: str) -> str:
        return f"{self.path}/{item_uuid}"

    @property
    def positional(self) -> bool:
        return self.kind == "collection" and self.identity is None


def slug_key(text: str) -> str:
    """The server's key derivation for intents (ASSUMED): lowercase, non-alphanumerics -> ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
