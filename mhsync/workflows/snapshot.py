"""Snapshots: the live state of the agents an apply is about to change, saved as manifests.

Taken after confirmation and before the first write, under
``<project root>/.mhsync/snapshots/<UTC timestamp>-<target>/``: one manifest per agent the
plan updates or deletes, exported in full (every section, empty ones as ``[]``, so rolling back
also empties what was empty), uuids pinned, references to agents outside the snapshot as raw
uuids. Secrets are placeholders: states never hold secret values, so neither can a snapshot.
``snapshot.json`` records the target, the time and which agents the apply was going to create
(rollback leaves those alone; the record says which they were).

A snapshot is complete or absent: it is written into a hidden staging directory
(``.<name>.partial-*``) and renamed to its name only once ``snapshot.json``, written last, is
on disk. An apply killed while snapshotting leaves at most such a staging directory, which
``rollback`` refuses (as it refuses any directory without a readable ``snapshot.json``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from mhsync import atomic
from mhsync.config import STATE_DIR
from mhsync.errors import ConfigError
from mhsync.plan import Action, Plan
from mhsync.state import WorkspaceState
from mhsync.workflows.export import export_states, schema_reference, write_manifests

SNAPSHOTS = Path(STATE_DIR) / "snapshots"
INFO_FILE = "snapshot.json"

SnapshotHook = Callable[[Plan, WorkspaceState], Path | None]
"""Called by apply with the approved plan and the live state it was made from."""

Clock = Callable[[], datetime]


def snapshot_hook(root: Path, clock: Clock | None = None) -> SnapshotHook:
    """A hook that writes snapshots under ``root`` (the resolved workspace's project root)."""

    def take(plan: Plan, live: WorkspaceState) -> Path | None:
        return write_snapshot(root, plan, live, now=(clock or _utc_now)())

    return take


def write_snapshot(root: Path, plan: Plan, live: WorkspaceState, *, now: datetime) -> Path | None:
    """Write the snapshot; ``None`` when the plan changes no existing agent."""
    touched = [
        live.agents[a.handle]
        for a in plan.agents
        if a.action is not Action.CREATE and a.changes and a.handle in live.agents
    ]
    touched = [agent for agent in touched if agent.uuid]
    if not touched:
        return None
    parent = root / SNAPSHOTS
    name = f"{now:%Y%m%dT%H%M%SZ}-{plan.target}"
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}.partial-"))
    staging.chmod(atomic.created_mode(0o777))  # as mkdir makes it (mkdtemp gives 0700)
    uuids = {a.handle: a.uuid for a in live.agents.values() if a.uuid}
    exported = export_states(touched, uuids=uuids, complete=True)
    write_manifests(staging, exported, schema=schema_reference(root, parent / name))
    info = {
        "format_version": 1,
        "target": plan.target,
        "taken_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "agents": {a.handle: a.uuid for a in touched},
        "created_by_apply": sorted(a.handle for a in plan.agents if a.action is Action.CREATE),
    }
    if plan.workspace is not None:  # where it was taken, so rollback cannot go elsewhere
        info["base_url"] = plan.workspace.base_url
        info["sandbox_state"] = plan.workspace.sandbox_state
    atomic.write_text(staging / INFO_FILE, json.dumps(info, indent=2, sort_keys=True) + "\n")
    return _publish(staging, parent, name)


def read_info(directory: Path) -> dict[str, object]:
    """``snapshot.json`` of a snapshot directory ({} when absent or unreadable)."""
    try:
        data = json.loads((directory / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_complete(directory: Path) -> dict[str, object]:
    """``snapshot.json`` of a complete snapshot; raises when ``directory`` is not one.

    Only a snapshot whose record was written is trusted: a directory without it was never
    finished (the apply was killed while taking it) and may lack agents.
    """
    info = read_info(directory)
    if not isinstance(info.get("target"), str):
        raise ConfigError(
            f"{directory} is not a complete snapshot: {INFO_FILE} is missing or unreadable "
            "(a snapshot whose apply was killed while taking it is never completed); "
            "nothing was changed"
        )
    return info


def _publish(staging: Path, parent: Path, name: str) -> Path:
    """Rename the finished ``staging`` to ``parent/name`` (``name-2``... when taken)."""
    counter = 1
    while True:
        candidate = parent / (name if counter == 1 else f"{name}-{counter}")
        counter += 1
        if candidate.exists():
            continue
        try:
            os.rename(staging, candidate)
        except OSError:
            if candidate.exists():
                continue  # another apply took the name in between
            raise
        atomic.fsync_directory(parent)
        return candidate


def _utc_now() -> datetime:
    return datetime.now(UTC)
