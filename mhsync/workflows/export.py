"""The ``export`` use-case: live agents -> one manifest file per agent.

Export is how a team adopts agents that already exist. The files it writes load back to exactly
the live state (``plan`` on them shows no changes once the secret placeholders are set), pin
each agent's uuid, and name other exported agents by handle.

Exporting into a directory that already holds manifests is safe: an agent a manifest there
describes (matched as plan matches: pinned uuid, else ``spec.name``, else ``previous_names``)
is merged into that document in place, the way pull does (``filemerge``): comments,
``protected``, labels, ``${env:...}`` references and the other documents of the file stay; every
section the export would write becomes managed and the uuid is pinned. A label ``--selector``
reads those manifests' labels, since live agents have none of their own. A new file is never
written over a file that is already there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync import atomic
from mhsync.config import ProjectConfig, Target
from mhsync.errors import ConfigError, ManifestError
from mhsync.export import ExportedAgent, ExportOptions, export_agent, manifest_text, unique_handles
from mhsync.export.common import extract_common
from mhsync.live import RawAgent, list_agents, read_separate_sections
from mhsync.manifest import load_manifests
from mhsync.manifest.document import HANDLE_PATTERN, Metadata
from mhsync.manifest.parse import ParsedAgent
from mhsync.matching import handle_from_name, match_agents
from mhsync.selection import Selection, is_glob
from mhsync.state import AgentState, WorkspaceState
from mhsync.workflows.connect import connect
from mhsync.workflows.filemerge import merge_into_files
from mhsync.workflows.livestate import canonical_live, unmodelled_fields, unmodelled_warnings
from mhsync.workflows.schemas import SCHEMA_FILES, write_schema
from mhsync.workspace import ENV_TARGET, Workspace

_KEPT_METADATA = tuple(
    k for k in Metadata.model_fields if k not in ("name", "uuid", "uses", "drop")
)
"""Metadata an existing manifest keeps on re-export. Not ``uses``/``drop``: the exported spec
is complete, and fragments merged under it would repeat their ordered items."""


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
class _Pinned:
    """A pinned manifest, alone in its file, that does not validate (an agent it names was
    renamed, say): export wrote it, so it is written again whole, its metadata kept."""

    handle: str
    path: Path
    metadata: Mapping[str, Any]


@dataclass
class _Existing:
    """The manifests already in the output directory and the live agents they describe."""

    agents: list[ParsedAgent] = field(default_factory=list)
    workspace: WorkspaceState = field(default_factory=WorkspaceState)
    matched: dict[str, str] = field(default_factory=dict)
    """Live uuid -> handle of the valid manifest that describes it (merged into)."""
    rewrite: dict[str, _Pinned] = field(default_factory=dict)
    """Live uuid -> pinned manifest that does not validate (rewritten whole)."""

    def handles(self) -> dict[str, str]:
        return {**{u: p.handle for u, p in self.rewrite.items()}, **self.matched}

    def labels(self, uuid: str) -> dict[str, str]:
        handle = self.matched.get(uuid)
        if handle:
            return dict(self.workspace.agents[handle].labels)
        labels = self.rewrite[uuid].metadata.get("labels") if uuid in self.rewrite else None
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}

    def kept_metadata(self, uuid: str | None) -> dict[str, Any]:
        pinned = self.rewrite.get(uuid or "")
        if pinned is None:
            return {}
        return {k: pinned.metadata[k] for k in _KEPT_METADATA if k in pinned.metadata}

    def pinned(self, uuid: str | None) -> Any:
        """``metadata.uuid`` as the manifest describing ``uuid`` writes it (None: no manifest):
        a per-target mapping keeps its other targets' entries on export."""
        handle = self.matched.get(uuid or "")
        for parsed in self.agents:
            if handle is not None and parsed.handle == handle:
                data = parsed.doc.data
                metadata = data.get("metadata") if isinstance(data, dict) else None
                return metadata.get("uuid") if isinstance(metadata, dict) else None
        pinned = self.rewrite.get(uuid or "")
        return None if pinned is None else pinned.metadata.get("uuid")


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
    pin_target = None if workspace.name == ENV_TARGET else workspace.name
    with connect(target) as connection:
        raws = list_agents(connection.client)
        existing = existing_manifests(workspace.project, target, request.out_dir, raws)
        handles = unique_handles([(raw.uuid, raw.name) for raw in raws], existing.handles())
        chosen = _choose(request, raws, handles, existing)
        read_separate_sections(connection.client, chosen)
        live = canonical_live({handles[raw.uuid]: raw for raw in chosen}, handles)
        known = {handles[raw.uuid] for raw in chosen} | set(existing.handles().values())
        uuids = {handle: uuid for uuid, handle in handles.items()}
        adopted = {handles[raw.uuid] for raw in chosen if raw.uuid in existing.matched}
        exported = {
            agent.handle: export_agent(
                agent,
                ExportOptions(
                    known_handles=known,
                    uuids=uuids,
                    complete=agent.handle in adopted,
                    metadata=existing.kept_metadata(agent.uuid),
                    target=pin_target,
                    pinned=existing.pinned(agent.uuid),
                ),
            )
            for agent in live.agents.values()
        }
        fresh = [e for handle, e in exported.items() if handle not in adopted]
        rewritten = {uuid: pinned.path for uuid, pinned in existing.rewrite.items()}
        _refuse_overwrites(request.out_dir, [e for e in fresh if e.uuid not in rewritten])
        merged = merge_into_files(
            [p for p in existing.agents if p.handle in adopted],
            existing.workspace,
            live,
            exported,
            adopt=True,
            pin_target=pin_target,
        )
        fragment = None
        if request.extract_common is not None:
            common, fresh = extract_common(fresh, request.extract_common)
            if common is not None:
                schema = schema_reference(workspace.root, request.out_dir, "fragment")
                fragment = write_manifests(request.out_dir, [common], schema=schema)[0]
        files = write_manifests(
            request.out_dir,
            fresh,
            schema=schema_reference(workspace.root, request.out_dir),
            paths=rewritten,
        )
        files += [
            WrittenFile(path, handle, status)
            for status, by_path in (("updated", merged.changed), ("unchanged", merged.unchanged))
            for path, handles_in_file in by_path.items()
            for handle in handles_in_file
        ]
        files.sort(key=lambda f: (str(f.path), f.handle))
        secrets = sorted(set(placeholders(fresh)) | set(merged.secrets))
        unmodelled = unmodelled_warnings(
            unmodelled_fields({handles[raw.uuid]: raw for raw in chosen})
        )
        return ExportOutcome(
            files, secrets, target, connection.counter.total, fragment, unmodelled
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
            atomic.write_text(path, text)
        status = "created" if before is None else ("unchanged" if before == text else "updated")
        written.append(WrittenFile(path, agent.handle, status))
    return written


def placeholders(exported: Iterable[ExportedAgent]) -> list[str]:
    return sorted({slot.variable for agent in exported for slot in agent.secrets})


def schema_reference(root: Path, out_dir: Path, kind: str = "agent") -> str:
    """The schema file of ``kind`` in the project at ``root``, relative to the directory written to.

    The modeline must resolve for an editor, so the schema file is written into the project
    (as ``mhsync schema --write`` does) when it is missing or is not this version's: a user's
    project has no ``schemas/`` folder of its own.
    """
    schema = (root / SCHEMA_FILES[kind]).resolve()
    write_schema(kind, schema)
    return Path(os.path.relpath(schema, out_dir.resolve())).as_posix()


def existing_manifests(
    config: ProjectConfig, target: Target, out_dir: Path, raws: Sequence[RawAgent]
) -> _Existing:
    """The manifests in ``out_dir`` and which live agents they describe.

    When ``out_dir`` lies among the project's manifests, those are read too (references may
    point there); a directory of its own is read alone, since it may hold copies of the project's
    agents. Only documents in ``out_dir`` are merged into; one of them with an error stops the
    export before any write.
    """
    if not out_dir.is_dir():
        return _Existing()
    inside = out_dir.resolve()
    project_paths = config.manifest_paths(()) if config.file is not None else []
    if not any(inside.is_relative_to(path.resolve()) for path in project_paths):
        project_paths = []  # a directory of its own (a copy of the project's agents, say)
    result = load_manifests(
        [*project_paths, out_dir],
        variables=target.vars,
        check_env=False,
        target=None if target.name == ENV_TARGET else target.name,
    )

    def ours(file: str) -> bool:
        return Path(file).resolve().is_relative_to(inside)

    broken = {d.file for d in result.errors if ours(d.file)}
    rewrite = _pinned_and_broken([p for p in result.agents if p.doc.file in broken], target.name)
    rewritable = {str(pinned.path) for pinned in rewrite.values()}
    errors: list[object] = [
        d for d in result.errors if ours(d.file) and d.file not in rewritable
    ]
    if errors:
        raise ManifestError(
            f"{len(errors)} error(s) in the manifests of {out_dir}; export merges into them, "
            "so fix them first (or export into another directory)",
            errors,
        )
    agents = [
        p
        for p in result.agents
        if p.handle and p.complete and ours(p.doc.file) and p.doc.file not in broken
    ]
    workspace = WorkspaceState(
        {p.handle: result.workspace.agents[p.handle] for p in agents if p.handle}
    )
    matching = match_agents(workspace, raws)
    live = {raw.uuid for raw in raws}
    rewrite = {uuid: pinned for uuid, pinned in rewrite.items() if uuid in live}
    return _Existing(agents, workspace, matching.handles_by_uuid(), rewrite)


def _pinned_and_broken(agents: Sequence[ParsedAgent], target: str) -> dict[str, _Pinned]:
    """The pinned ones among ``agents`` (of files that do not validate) alone in their file;
    a per-target ``metadata.uuid`` mapping pins by its entry for ``target``."""
    per_file: dict[str, int] = {}
    for parsed in agents:
        per_file[parsed.doc.file] = per_file.get(parsed.doc.file, 0) + 1
    out: dict[str, _Pinned] = {}
    for parsed in agents:
        data = parsed.doc.data
        metadata = data.get("metadata") if isinstance(data, dict) else None
        if not isinstance(metadata, dict):
            continue
        uuid, handle = metadata.get("uuid"), metadata.get("name")
        if isinstance(uuid, dict):
            uuid = uuid.get(target)
        if per_file[parsed.doc.file] == 1 and isinstance(uuid, str) and isinstance(handle, str):
            out.setdefault(uuid, _Pinned(handle, Path(parsed.doc.file), metadata))
    return out


def _refuse_overwrites(out_dir: Path, fresh: Sequence[ExportedAgent]) -> None:
    """A new file is never written over one already there that describes no exported agent."""
    taken = [out_dir / f"{agent.handle}.yaml" for agent in fresh]
    taken = [path for path in taken if path.exists()]
    if taken:
        raise ConfigError(
            "export will not overwrite files it did not write: "
            + ", ".join(str(path) for path in taken)
            + " already exist and describe no live agent being exported; move them away "
            "(or fix them so that they describe the agent) and export again. Nothing was written."
        )


def _choose(
    request: ExportRequest,
    raws: Sequence[RawAgent],
    handles: Mapping[str, str],
    existing: _Existing,
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
                if selection.selects(handles[raw.uuid], existing.labels(raw.uuid))
            ]
    if request.excluded:
        leave_out = Selection.parse(excluded=request.excluded)
        chosen = [raw for raw in chosen if leave_out.selects(handles[raw.uuid], {})]
    return chosen


def _names(raw: RawAgent, handle: str, wanted: str) -> bool:
    """``--agent`` may give the uuid, the handle, the display name, a name that slugs to it, or
    a glob on handles (``volvo-*``)."""
    wanted = wanted.strip()
    if is_glob(wanted):
        return Selection.parse([wanted]).selects(handle, {})
    return wanted in (raw.uuid, handle, raw.name) or handle_from_name(wanted) == handle
