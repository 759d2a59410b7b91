"""The plan: pure data, versioned, serialisable, consumed separately by renderers and the executor.

A plan says, per agent, every change mhsync will make, with the values before and after and the
exact HTTP calls it will send. It never contains a secret value: secret fields hold the marker
``state.SECRET_SET`` and the plan keeps only the ``${env:NAME}`` references the executor
resolves at request time. ``Plan.to_json()`` (sorted keys) is the ``--json`` output and the plan
file; ``plan_json_schema()`` describes it. ``format_version`` changes only when a consumer of an
older plan file would misread the new one (a field removed or its meaning changed); new optional
fields keep the version.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from mhsync.fieldpath import FieldPath
from mhsync.sections import BY_KEY

PLAN_FORMAT_VERSION = 1

ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
"""A secret as plans and states hold it: ``${env:NAME}``, resolved only when a request is built."""

AGENT_SECTION = "agent"
"""``Change.section`` of a change to a whole agent (``agent.create``, ``agent.delete``)."""


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MOVE = "move"
    """Positional item whose content is unchanged but whose position changes."""
    REPLACE = "replace"
    """Whole section written in one request (all its items get new uuids)."""


class CallKind(StrEnum):
    """What body the executor builds for a call; the path and method are in the plan."""

    AGENT_CREATE = "agent.create"
    AGENT_UPDATE = "agent.update"
    AGENT_DELETE = "agent.delete"
    SECTION_REPLACE = "section.replace"
    ITEM_CREATE = "item.create"
    ITEM_UPDATE = "item.update"
    ITEM_DELETE = "item.delete"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Call(_Frozen):
    """One HTTP request the change will make.

    ``path`` is relative to the base URL. Where a uuid is not known at plan time (an agent or
    item created earlier in the same apply) the path holds a placeholder ``{agent:HANDLE}``
    that the executor substitutes.
    """

    method: str
    path: str
    kind: CallKind


class FieldChange(_Frozen):
    """One changed field of an update, by dotted path."""

    path: FieldPath
    before: Any = None
    after: Any = None


class Change(_Frozen):
    """One change to one agent, section or item.

    ``before``/``after`` are canonical values: an item's fields, an object section's fields, or
    for a section replace the list of item fields. ``before`` of an update is the live value as
    compared (ignored paths and unmanaged server-computed fields left out); ``after`` is what
    will be written. ``position`` is the target index for positional items (create/move/update
    of guidelines and notes); ``previous_position`` is where the live item is now.
    """

    address: str
    agent: str
    section: str
    action: Action
    key: str | None = None
    uuid: str | None = None
    position: int | None = None
    previous_position: int | None = None
    before: Any = None
    after: Any = None
    fields: tuple[FieldChange, ...] = ()
    item_changes: tuple[Change, ...] = ()
    """Of a section replace only: the item changes the planner matched when it costed the
    section (deletes, updates and moves, creates, as per-item calls would have made them), so
    drift and readers of the plan take the replace apart without diffing again. They describe,
    the replace writes: no calls, no secret references, and updates and moves hold ``fields``
    and positions but not whole values (the replace's lists do). Left out of the plan file when
    empty."""
    calls: tuple[Call, ...] = ()
    # Paths are ``FieldPath`` values: JSON strings in the plan file, parsed and formatted by
    # ``mhsync.fieldpath`` only (these docstrings are the plan schema's descriptions).
    sensitive: tuple[FieldPath, ...] = ()
    secrets: dict[FieldPath, str] = Field(default_factory=dict)
    """Dotted path (within ``after``; for replaces ``INDEX.path``) -> ``${env:NAME}`` reference."""


class AgentPlan(_Frozen):
    """Everything planned for one agent. ``action`` is the agent-level verdict."""

    handle: str
    name: str
    uuid: str | None = None
    action: Action | None = None
    """``create``/``delete`` for whole agents, ``update`` when anything inside changes, else
    None."""
    fingerprint: str | None = None
    """Live state digest at plan time; apply of a saved plan refuses when it has moved."""
    depends_on: tuple[str, ...] = ()
    """Handles of agents that must be created before this one (destination_agent references)."""
    changes: tuple[Change, ...] = ()
    fragments: dict[str, str] = Field(default_factory=dict)
    """Where changed values live when a fragment wrote them: a change's ``address`` (or
    ``address#field path`` for one field of an update) -> the fragments' handles. Left out of
    the plan file when empty."""

    @model_serializer(mode="wrap")
    def _without_empty_fragments(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("fragments"):
            data.pop("fragments", None)
        return data

    def summary(self) -> Summary:
        return Summary.of(self.changes)


class Summary(_Frozen):
    create: int = 0
    update: int = 0
    delete: int = 0

    @property
    def total(self) -> int:
        return self.create + self.update + self.delete

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Summary:
        """Counts by action; moves and replaces count as updates, whole agents as one each.

        A section replace also counts the live items it removes as deletes (``guidelines:
        []`` over five items deletes five), so ``--max-deletes`` and the summary see them.
        """
        counts = {"create": 0, "update": 0, "delete": 0}
        for change in changes:
            if change.action in (Action.CREATE, Action.DELETE):
                counts[change.action.value] += 1
            else:
                counts["update"] += 1
            counts["delete"] += removed_by_replace(change)
        return cls(**counts)


def removed_by_replace(change: Change) -> int:
    """Live items a section replace drops: those whose identity (content for positional
    sections) no item of ``after`` carries. Edited items keep their identity: not removed."""
    descriptor = BY_KEY.get(change.section)
    if change.action is not Action.REPLACE or descriptor is None or descriptor.kind == "object":
        return 0
    field = descriptor.identity or "content"
    before = change.before if isinstance(change.before, list) else []
    after = change.after if isinstance(change.after, list) else []
    kept = Counter(_identity(item, field) for item in after)
    removed = 0
    for item in before:
        key = _identity(item, field)
        if kept[key] > 0:
            kept[key] -= 1
        else:
            removed += 1
    return removed


def _identity(item: Any, field: str) -> str:
    return json.dumps(item.get(field) if isinstance(item, Mapping) else item, sort_keys=True)


_OMITTED_WHEN_EMPTY = ("workspace", "secrets_needed")


class WorkspaceBinding(_Frozen):
    """The workspace a plan was made for, so that applying a saved plan reaches exactly it.

    Names and locations only (the token variable's name, never a token).
    """

    target: str
    base_url: str | None = None
    sandbox_state: str | None = None
    """The embedded sandbox's state file (absolute) when the target is the sandbox."""
    project_root: str | None = None
    token_env: str | None = None


class Plan(_Frozen):
    """A whole plan, in execution order.

    Agents are sorted by handle, except that an agent comes after the agents it ``depends_on``
    and agent deletes come last; changes are in execution order within an agent.
    """

    format_version: int = PLAN_FORMAT_VERSION
    target: str
    agents: tuple[AgentPlan, ...] = ()
    ignored: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Handle -> ignored field paths, shown once in the plan header."""
    warnings: tuple[str, ...] = ()
    selection: str | None = None
    """The ``--agent``/``--selector`` the plan was made for, as shown in its header; None: all."""
    fingerprinted: tuple[str, ...] = ()
    """Section keys the agents' fingerprints cover (the sections this mhsync knew when it
    made the plan); apply compares only those, so a newer mhsync with more sections can still
    apply the plan. Empty: every section."""
    agent_handles: dict[str, str] = Field(default_factory=dict)
    """Live uuid -> handle of every agent the manifests matched, selected or not. References
    (``destination_agent``) were read through this map when the fingerprints were taken, so
    apply of a saved plan reads them the same way (and sends the uuids of unselected agents)."""
    workspace: WorkspaceBinding | None = None
    """Where the plan was made (None in plans from before it was recorded)."""
    secrets_needed: tuple[str, ...] = ()
    """Environment variables whose values apply will send (webhook secrets, intent tokens):
    names only. Plan itself never needs them; apply checks them all before its first write."""

    @property
    def changes(self) -> list[Change]:
        return [c for a in self.agents for c in a.changes]

    @property
    def has_changes(self) -> bool:
        return any(a.changes for a in self.agents)

    def summary(self) -> Summary:
        """Counts by action; moves and replaces count as updates, whole agents as one each."""
        return Summary.of(self.changes)

    def fragment_users(self) -> dict[str, list[str]]:
        """Fragment handle -> the agents whose planned changes it wrote (plan order)."""
        users: dict[str, list[str]] = {}
        for agent in self.agents:
            names = {n for joined in agent.fragments.values() for n in joined.split(", ")}
            for name in sorted(names):
                users.setdefault(name, []).append(agent.handle)
        return users

    def to_json(self) -> str:
        """The plan file and ``--json`` output: sorted keys, two-space indent, final newline."""
        data = self.model_dump(mode="json")
        for optional in _OMITTED_WHEN_EMPTY:  # additive fields: older plans read the same
            if not data.get(optional):
                data.pop(optional, None)
        _omit_empty_item_changes(data)
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Read a plan file; one of another ``format_version`` is refused before anything else
        is read (its fields may mean something else)."""
        try:
            version = json.loads(text).get("format_version")
        except (ValueError, AttributeError):
            version = PLAN_FORMAT_VERSION  # not a JSON object: let validation say what is wrong
        if version != PLAN_FORMAT_VERSION:
            raise ValueError(
                f"plan format_version {version!r} is not supported (this mhsync reads "
                f"version {PLAN_FORMAT_VERSION}); make the plan again with this mhsync"
            )
        return cls.model_validate_json(text)


def _omit_empty_item_changes(data: dict[str, Any]) -> None:
    """``item_changes`` is additive (plans without it read the same): written only by replaces,
    and each item change without its empty keys (every one has its default), so a replace of a
    long list stays short."""
    for agent in data.get("agents", ()):
        for change in agent.get("changes", ()):
            parts = change.get("item_changes")
            if not parts:
                change.pop("item_changes", None)
                continue
            change["item_changes"] = [
                {k: v for k, v in part.items() if v not in (None, [], {})} for part in parts
            ]


def plan_json_schema() -> dict[str, Any]:
    """JSON Schema of the plan file (``schemas/plan.schema.json`` is this, pretty and sorted)."""
    return Plan.model_json_schema()


def sent_secrets(change: Change) -> dict[FieldPath, str]:
    """The secret references of ``change`` that its request will carry.

    An update sends only the top-level fields that changed (plus those its section sends on
    every PATCH), so a secret under an unchanged field is never sent and needs no value;
    creates and replaces send every secret they hold.
    """
    if change.action is not Action.UPDATE or not change.secrets:
        return dict(change.secrets)
    descriptor = BY_KEY[change.section]
    sent = {f.path.head for f in change.fields}
    sent |= descriptor.whole_on_patch | descriptor.patch_requires
    return {path: ref for path, ref in change.secrets.items() if path.head in sent}


def needed_variables(plan: Plan) -> list[str]:
    """The environment variables whose values applying ``plan`` will send, sorted.

    Here rather than in the executor, which resolves them: ``plan`` records them and must not
    import the executor to do so (start-up cost, issue 16)."""
    names = set()
    for change in plan.changes:
        for reference in sent_secrets(change).values():
            match = ENV_REFERENCE.fullmatch(reference.strip())
            if match is not None:
                names.add(match.group(1))
    return sorted(names)
