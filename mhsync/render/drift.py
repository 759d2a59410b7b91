"""Drift: a plan read backwards, as the edits someone made in the workspace.

A plan says what apply would do to make the workspace (``before``) read like the manifests in
git (``after``). Drift states the same difference from the other side: what was changed, added
or deleted in the workspace since the manifests were last applied. A planned item create is an
item deleted in the workspace; a planned delete is an item added there; an update's ``before``
is the workspace value and its ``after`` the git value. Whole-section replaces (a planning
strategy, not a kind of edit) are read through the item changes the planner matched for them
(``Change.item_changes``), so drift is always field by field and never diffs again: it reads the
plan's one diff, whichever strategy the planner chose.

``DriftReport`` is the ``drift --json`` document. ``format_version`` changes only when a reader
of an older document would misread a newer one; new optional fields keep the version. Values
of sensitive fields are the marker ``(sensitive value)``, never a secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mhsync.plan import AGENT_SECTION, Action, Change, FieldChange, Plan
from mhsync.render.redact import redact
from mhsync.render.values import inline
from mhsync.sections import BY_KEY, SectionDescriptor
from mhsync.state import SourceLocation

DRIFT_FORMAT_VERSION = 1
SHORT = 60
"""Values longer than this are shortened in messages (the document keeps them whole)."""


class DriftKind(StrEnum):
    CHANGED = "changed"
    """A field holds another value in the workspace than in git."""
    ADDED = "added"
    """Something exists in the workspace that git does not have (an item, a field value)."""
    DELETED = "deleted"
    """Something git has is gone from the workspace."""
    MOVED = "moved"
    """A guideline or note sits at another position in the workspace."""
    MISSING = "missing"
    """A whole agent of the manifests does not exist in the workspace."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Difference(_Frozen):
    """One difference, phrased as an edit made in the workspace.

    ``path`` is the field inside the item or object (``None`` for a whole item or agent);
    ``git`` is the manifests' value, ``workspace`` the live one (``None`` where absent).
    ``position``/``workspace_position`` are list positions of guidelines and notes.
    """

    kind: DriftKind
    address: str
    section: str
    key: str | None = None
    position: int | None = None
    workspace_position: int | None = None
    path: str | None = None
    git: Any = None
    workspace: Any = None
    message: str


class DriftAgent(_Frozen):
    """An agent that drifted; ``file``/``line`` locate its manifest."""

    handle: str
    name: str
    uuid: str | None = None
    file: str | None = None
    line: int | None = None
    differences: tuple[Difference, ...] = ()


class DriftReport(_Frozen):
    """The ``drift --json`` document."""

    format_version: int = DRIFT_FORMAT_VERSION
    target: str
    selection: str | None = None
    checked: int = 0
    """Agents compared (drifted or not)."""
    agents: tuple[DriftAgent, ...] = ()
    """Only agents that drifted, in plan order."""
    ignored: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.agents)

    @property
    def differences(self) -> list[Difference]:
        return [d for a in self.agents for d in a.differences]

    def to_json(self) -> str:
        """Sorted keys, two-space indent, final newline; ``drifted`` and ``counts`` included."""
        data = self.model_dump(mode="json")
        data["drifted"] = self.drifted
        data["counts"] = self.counts()
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    def counts(self) -> dict[str, int]:
        """Differences by kind (every kind present, zeros included)."""
        found = {kind.value: 0 for kind in DriftKind}
        for difference in self.differences:
            found[difference.kind.value] += 1
        return found


def drift_from_plan(plan: Plan, sources: Mapping[str, SourceLocation] | None = None) -> DriftReport:
    """The drift that ``plan`` (desired = git, live = workspace) would undo."""
    plan = redact(plan)
    agents = []
    for agent in plan.agents:
        differences = tuple(d for change in agent.changes for d in _differences(change))
        if not differences:
            continue
        source = (sources or {}).get(agent.handle)
        agents.append(
            DriftAgent(
                handle=agent.handle,
                name=agent.name,
                uuid=agent.uuid,
                file=source.file if source else None,
                line=source.line if source else None,
                differences=differences,
            )
        )
    return DriftReport(
        target=plan.target,
        selection=plan.selection,
        checked=len(plan.agents),
        agents=tuple(agents),
        ignored=plan.ignored,
        warnings=plan.warnings,
    )


# --- one change -> differences ------------------------------------------------------------------


def _differences(change: Change) -> list[Difference]:
    if change.section == AGENT_SECTION:
        return [_whole_agent(change)]
    if change.action is Action.REPLACE:
        return [d for part in change.item_changes for d in _differences(part)]
    descriptor = BY_KEY[change.section]
    if change.action is Action.CREATE:
        return [_item(change, DriftKind.DELETED, git=change.after, workspace=None)]
    if change.action is Action.DELETE:
        return [_item(change, DriftKind.ADDED, git=None, workspace=change.before)]
    found = [_field(change, descriptor, f) for f in change.fields]
    if descriptor.positional and change.previous_position != change.position:
        found.append(_moved(change))
    return found


def _whole_agent(change: Change) -> Difference:
    if change.action is Action.CREATE:
        kind, message = DriftKind.MISSING, "agent missing from the workspace"
    else:
        kind, message = DriftKind.ADDED, "agent added in the workspace (no manifest describes it)"
    return Difference(kind=kind, address=change.address, section=AGENT_SECTION, message=message)


def _item(change: Change, kind: DriftKind, *, git: Any, workspace: Any) -> Difference:
    position = change.position if kind is DriftKind.DELETED else change.previous_position
    subject = item_subject(change.section, change.key, position)
    return Difference(
        kind=kind,
        address=change.address,
        section=change.section,
        key=change.key,
        position=change.position,
        workspace_position=change.previous_position,
        git=git,
        workspace=workspace,
        message=f"{kind.value} in the workspace: {subject}",
    )


def _field(change: Change, descriptor: SectionDescriptor, field: FieldChange) -> Difference:
    subject = field_subject(descriptor, change.key, change.position, field.path)
    git, workspace = field.after, field.before
    if git is None:
        kind, message = DriftKind.ADDED, f"added in the workspace: {subject} {short(workspace)}"
    elif workspace is None:
        kind, message = (
            DriftKind.DELETED,
            f"deleted in the workspace: {subject} (git: {short(git)})",
        )
    else:
        kind = DriftKind.CHANGED
        message = f"changed in the workspace: {subject} {short(git)} -> {short(workspace)}"
    return Difference(
        kind=kind,
        address=change.address,
        section=change.section,
        key=change.key,
        position=change.position,
        workspace_position=change.previous_position,
        path=field.path,
        git=git,
        workspace=workspace,
        message=message,
    )


def _moved(change: Change) -> Difference:
    subject = item_subject(change.section, change.key, change.position)
    where = "no position" if change.previous_position is None else change.previous_position
    return Difference(
        kind=DriftKind.MOVED,
        address=change.address,
        section=change.section,
        position=change.position,
        workspace_position=change.previous_position,
        message=f"moved in the workspace: {subject} (position {change.position} in git, "
        f"{where} in the workspace)",
    )


# --- wording ------------------------------------------------------------------------------------


def singular(section: str) -> str:
    """``guard_rules`` -> ``guard rule``; a key without a plural ``s`` reads ``training item``."""
    words = section.replace("_", " ")
    return words[:-1] if words.endswith("s") else f"{words} item"


def item_subject(section: str, key: str | None, position: int | None) -> str:
    """``guard rule "Legal escalation"`` or ``note 2``."""
    if key is not None:
        return f"{singular(section)} {json.dumps(key, ensure_ascii=False)}"
    return singular(section) if position is None else f"{singular(section)} {position}"


def field_subject(
    descriptor: SectionDescriptor, key: str | None, position: int | None, path: str
) -> str:
    """``topic``, ``settings.voice.interaction.silence_message`` or ``guideline 1: content``."""
    if descriptor.kind == "object":
        own_fields = descriptor.path == "" and descriptor.embedded_as is None
        return path if own_fields else f"{descriptor.key}.{path}"
    return f"{item_subject(descriptor.key, key, position)}: {path}"


def short(value: Any) -> str:
    """A value on one line, shortened to about ``SHORT`` characters."""
    text = inline(value)
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"
