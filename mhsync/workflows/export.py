"""The ``export`` use-case: live agents -> one manifest file per agent.

Export is how a team adopts agents that already exist. The files it writes load back to exactly
the live state (``plan`` on them shows no changes once the secret placeholders are set), pin
each agent's uuid, and name other exported agents by handle. Exporting again into the same
directory is safe: an agent already described there by a pinned manifest keeps its handle, its
file and its metadata (labels, protection, ignores), and a label ``--selector`` reads those
labels, since live agents have none of their own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync.config import Target
from mhsync.errors import ConfigError
from mhsync.export import ExportedAgent, ExportOptions, export_agent, manifest_text, unique_handles
from mhsync.export.common import extract_common
from mhsync.live import RawAgent, list_agents, read_separate_sections
from mhsync.manifest.discover import discover
from mhsync.manifest.document import HANDLE_PATTERN, Metadata
from mhsync.manifest.schema import fragment_schema_text, schema_text
from mhsync.manifest.yamlio import read_documents
from mhsync.matching import handle_from_name
from mhsync.selection import Selection, is_glob
from mhsync.state import AgentState
from mhsync.workflows.connect import connect
from mhsync.workflows.livestate import canonical_live, unmodelled_fields, unmodelled_warnings
from mhsync.workspace import ENV_TARGET, Workspace

SCHEMA_FILE = Path("schemas") / "agent.schema.json"
_KEPT_METADATA = tuple(
    k for k in Metadata.model_fields if k not in ("name", "uuid", "uses", "drop")
)
"""Metadata an existing manifest keeps on re-export. Not ``uses``/``drop``: the exported spec
is complete, and fragments merged under it would repeat their ordered items."""
FRAGMENT_SCHEMA_FILE = Path("schemas") / "fragment.schema.json"
_SCHEMA_TEXTS = {SCHEMA_FILE: schema_text, FRAGMENT_SCHEMA_FILE: fragment_schema_text}


@dataclass(frozen=True)
class ExportRequest:
    out_dir: Path
    agents: tuple[str, ...] = ()
    """Handles, display names or uuids of live agents."""
    everything: bool = False
    selector: str | None = None
    extract_common: str | None = None
    """Handle of a fragment to write with what every exported agent shares (None: no fragment)."""
    excluded: tuple[str, ...] = ()
    """``--exclude-agent`` patterns on handles."""


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    handle: str
    status: str
    """``created``, ``updated`` or ``unchanged``."""


@dataclass
class ExportOutcome:
    files: list[WrittenFile]
    secrets: list[str]
    """Placeholder variables the files use; each must be set before plan or apply."""
    target: Target
    requests: int
    fragment: WrittenFile | None = None
    """The fragment ``--extract-common`` wrote, when the agents shared anything."""
    warnings: list[str] = field(default_factory=list)
    """Fields the workspace returns that mhsync does not model (the files cannot hold them)."""


@dataclass(frozen=True)
class _Existing:
    """A manifest already in the output directory that pins a live agent."""

    handle: str
    path: Path
    metadata: Mapping[str, Any]
    alone: bool
    """The file holds only this document, so export may rewrite it."""
    name: Any = None
    """Its ``spec.name``: a manifest with no entry for this target matches by it."""

    @property
    def pins(self) -> list[str]:
        """The uuids ``metadata.uuid`` names: one, or one per target."""
        pinned = self.metadata.get("uuid")
        values = pinned.values() if isinstance(pinned, Mapping) else [pinned]
        return [v for v in values if isinstance(v, str)]

    def unpinned_in(self, target: str) -> bool:
        """A per-target mapping without an entry for ``target``."""
        pinned = self.metadata.get("uuid")
        return isinstance(pinned, Mapping) and target not in pinned


def run_export(workspace: Workspace, request: ExportRequest) -> ExportOutcome:
    if not (request.everything or request.agents or request.selector):
        raise ConfigError(
            "say which agents to export: --agent NAME|UUID (repeatable), --selector, or --all"
        )
    if request.everything and (request.agents or request.selector):
        raise ConfigError("--all exports every agent; leave out --agent and --selector")
    name = request.extract_common
    if name is not None and not re.fullmatch(HANDLE_PATTERN, name):
        raise ConfigError(f"--extract-common {name!r}: a fragment name must be a lowercase handle")
    target = workspace.target
    existing = existing_manifests(request.out_dir)
    pin_target = None if workspace.name == ENV_TARGET else workspace.name
    with connect(target) as connection:
        raws = list_agents(connection.client)
        if pin_target is not None:
            existing.update(_matched_by_name(request.out_dir, raws, existing, pin_target))
        handles = unique_handles(
            [(raw.uuid, raw.name) for raw in raws], {u: e.handle for u, e in existing.items()}
        )
        chosen = _choose(request, raws, handles, existing)
        read_separate_sections(connection.client, chosen)
        live = canonical_live({handles[raw.uuid]: raw for raw in chosen}, handles)
        known = {handles[raw.uuid] for raw in chosen} | {
            e.handle for u, e in existing.items() if u in handles
        }
        uuids = {handle: uuid for uuid, handle in handles.items()}
        exported = [
            export_agent(
                agent,
                ExportOptions(
                    known_handles=known,
                    uuids=uuids,
                    metadata=_kept_metadata(existing.get(agent.uuid or "")),
                    target=pin_target,
                    pinned=_pinned(existing.get(agent.uuid or "")),
                ),
            )
            for agent in live.agents.values()
        ]
        fragment = None
        if request.extract_common is not None:
            common, exported = extract_common(exported, request.extract_common)
            if common is not None:
                schema = schema_reference(workspace.root, request.out_dir, FRAGMENT_SCHEMA_FILE)
                fragment = write_manifests(request.out_dir, [common], schema=schema)[0]
        files = write_manifests(
            request.out_dir,
            exported,
            schema=schema_reference(workspace.root, request.out_dir),
            paths={u: e.path for u, e in existing.items()},
        )
        unmodelled = unmodelled_warnings(
            unmodelled_fields({handles[raw.uuid]: raw for raw in chosen})
        )
        return ExportOutcome(
            files,
            placeholders(exported),
            target,
            connection.counter.total,
            fragment,
            unmodelled,
        )


def export_states(
    agents: Iterable[AgentState], *, uuids: Mapping[str, str], complete: bool
) -> list[ExportedAgent]:
    """Export ``agents`` as one set: references to agents outside it are written as uuids."""
    states = list(agents)
    options = ExportOptions(
        known_handles={a.handle for a in states}, uuids=uuids, complete=complete
    )
    return [export_agent(agent, options) for agent in states]


def write_manifests(
    out_dir: Path,
    exported: Sequence[ExportedAgent],
    *,
    schema: str | None,
    paths: Mapping[str, Path] | None = None,
) -> list[WrittenFile]:
    """Write one file per agent (``<handle>.yaml``, or the file ``paths`` gives its uuid)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for agent in exported:
        path = (paths or {}).get(agent.uuid or "") or out_dir / f"{agent.handle}.yaml"
        text = manifest_text(agent, schema)
        before = path.read_text(encoding="utf-8") if path.is_file() else None
        if before != text:
            path.write_text(text, encoding="utf-8")
        status = "created" if before is None else ("unchanged" if before == text else "updated")
        written.append(WrittenFile(path, agent.handle, status))
    return written


def placeholders(exported: Iterable[ExportedAgent]) -> list[str]:
    return sorted({slot.variable for agent in exported for slot in agent.secrets})


def schema_reference(root: Path, out_dir: Path, schema_file: Path = SCHEMA_FILE) -> str:
    """The schema ``schema_file`` of the project at ``root``, relative to the directory written to.

    The modeline must resolve for an editor, so the schema file is written into the project
    (as ``mhsync schema --write`` does) when it is missing or is not this version's: a user's
    project has no ``schemas/`` folder of its own.
    """
    schema = (root / schema_file).resolve()
    text = _SCHEMA_TEXTS[schema_file]()
    if not schema.is_file() or schema.read_text(encoding="utf-8") != text:
        schema.parent.mkdir(parents=True, exist_ok=True)
        partial = schema.with_name(f".{schema.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, schema)
    return Path(os.path.relpath(schema, out_dir.resolve())).as_posix()


def existing_manifests(out_dir: Path) -> dict[str, _Existing]:
    """Manifests already in ``out_dir`` that pin an agent, by uuid."""
    if not out_dir.is_dir():
        return {}
    found: dict[str, _Existing] = {}
    for item in discover([out_dir])[0]:
        docs = read_documents(item.path, item.display).docs
        for doc in docs:
            metadata = doc.data.get("metadata") if isinstance(doc.data, dict) else None
            if not isinstance(metadata, dict):
                continue
            handle = metadata.get("name")
            if not isinstance(handle, str):
                continue
            known = _Existing(handle, item.path, metadata, len(docs) == 1, _spec_name(doc.data))
            for uuid in known.pins:
                found.setdefault(uuid, known)
    return found


def _matched_by_name(
    out_dir: Path, raws: Sequence[RawAgent], existing: Mapping[str, _Existing], target: str
) -> dict[str, _Existing]:
    """Live agents of ``target`` that a manifest with per-target pins but no entry for
    ``target`` describes by ``spec.name``: export adds their entry to that manifest."""
    waiting: dict[str, list[_Existing]] = {}
    for manifest in {id(e): e for e in existing.values()}.values():
        if manifest.unpinned_in(target) and isinstance(manifest.name, str):
            waiting.setdefault(manifest.name, []).append(manifest)
    found: dict[str, _Existing] = {}
    for raw in raws:
        candidates = waiting.get(raw.name, [])
        same_name = [r for r in raws if r.name == raw.name]
        if raw.uuid not in existing and len(candidates) == 1 and len(same_name) == 1:
            found[raw.uuid] = candidates[0]
    return found


def _spec_name(data: Any) -> Any:
    spec = data.get("spec") if isinstance(data, dict) else None
    return spec.get("name") if isinstance(spec, dict) else None


def _pinned(existing: _Existing | None) -> Any:
    return None if existing is None else existing.metadata.get("uuid")


def _kept_metadata(existing: _Existing | None) -> dict[str, Any]:
    if existing is None:
        return {}
    return {k: existing.metadata[k] for k in _KEPT_METADATA if k in existing.metadata}


def _choose(
    request: ExportRequest,
    raws: Sequence[RawAgent],
    handles: Mapping[str, str],
    existing: Mapping[str, _Existing],
) -> list[RawAgent]:
    if request.everything:
        chosen = list(raws)
    else:
        chosen = []
        missing = []
        for wanted in request.agents:
            found = [raw for raw in raws if _names(raw, handles[raw.uuid], wanted)]
            if not found:
                missing.append(wanted)
            chosen.extend(raw for raw in found if raw not in chosen)
        if missing:
            known = ", ".join(sorted(handles.values())) or "none"
            raise ConfigError(
                "--agent names no live agent: " + ", ".join(missing) + f" (live agents: {known})"
            )
        if request.selector:
            selection = Selection.parse((), request.selector)
            candidates = chosen if request.agents else list(raws)
            chosen = [
                raw
                for raw in candidates
                if selection.selects(handles[raw.uuid], _labels(existing.get(raw.uuid)))
            ]
    if request.excluded:
        leave_out = Selection.parse(excluded=request.excluded)
        chosen = [raw for raw in chosen if leave_out.selects(handles[raw.uuid], {})]
    for raw in chosen:
        known_file = existing.get(raw.uuid)
        if known_file is not None and not known_file.alone:
            raise ConfigError(
                f"{known_file.path} describes agent[{known_file.handle}] among other documents; "
                "update it with `mhsync pull` instead of export"
            )
    return chosen


def _names(raw: RawAgent, handle: str, wanted: str) -> bool:
    """``--agent`` may give the uuid, the handle, the display name, a name that slugs to it, or
    a glob on handles (``volvo-*``)."""
    wanted = wanted.strip()
    if is_glob(wanted):
        return Selection.parse([wanted]).selects(handle, {})
    return wanted in (raw.uuid, handle, raw.name) or handle_from_name(wanted) == handle


def _labels(existing: _Existing | None) -> dict[str, str]:
    labels = existing.metadata.get("labels") if existing else None
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items()}
