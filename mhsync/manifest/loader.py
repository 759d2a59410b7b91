"""``load_manifests``: files in, the desired workspace and every diagnostic out.

The stages (discover, read YAML, substitute variables, validate each piece, check across
documents, build canonical state) each report into one list of diagnostics; nothing stops at the
first problem. The loader does no network I/O and prints nothing: the CLI renders the result.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

from mhsync.manifest.build import build_workspace
from mhsync.manifest.checks import check_all
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.discover import UNRECOGNISED_CODES, ManifestFile, discover
from mhsync.manifest.fragments import ComposedDoc, compose_files
from mhsync.manifest.parallel import (
    FileWork,
    Prepared,
    load_files,
    prebuilt_states,
    prechecked,
    prepared_documents,
    release_sections,
)
from mhsync.manifest.parse import ParsedAgent, parse_document
from mhsync.manifest.variables import Sources
from mhsync.manifest.yamlio import ReadResult, SourceDoc
from mhsync.state import WorkspaceState

_NO_VARIABLES: Mapping[str, str] = MappingProxyType({})


@dataclass
class LoadResult:
    """Diagnostics sorted by file, line and column; ``workspace`` is meaningful without errors."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    workspace: WorkspaceState = field(default_factory=WorkspaceState)
    files: list[Path] = field(default_factory=list)
    agents: list[ParsedAgent] = field(default_factory=list, repr=False)
    """Every agent document read, valid or not (a selection tells whose problems to show)."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def prune_blockers(self) -> list[Diagnostic]:
        """The warnings about files holding no agent we can read, as errors: under ``--prune``
        the agents such a file described (emptied by a crash, or written in a way we do not
        recognise) would be deleted."""
        return [
            replace(
                d,
                severity="error",
                hint="with --prune, the agents this file described would be deleted; "
                "fix or remove the file first",
            )
            for d in self.warnings
            if d.code in UNRECOGNISED_CODES
        ]

    def ok(self, *, strict: bool = False) -> bool:
        """No errors; with ``strict``, no warnings either."""
        return not self.errors and not (strict and self.warnings)


def load_manifests(
    paths: Sequence[Path],
    *,
    variables: Mapping[str, str] = _NO_VARIABLES,
    env: Mapping[str, str] = os.environ,
    check_env: bool = True,
    target: str | None = None,
    root: Path | None = None,
    sections: bool = True,
) -> LoadResult:
    """Load and validate every manifest under ``paths`` (files, or directories searched).

    ``variables`` fill ``${var:NAME}`` (the target's ``vars``); ``env`` fills ``${env:NAME}``.
    ``check_env=False`` is for offline tooling: ``${env:...}`` is then left as written and an
    unset variable is not an error. ``target`` chooses the target-limited ``uses`` entries
    (``None``: none of them); ``${file:...}`` must stay inside ``root`` (default: the common
    directory of ``paths``). A per-target ``metadata.uuid`` mapping is read for
    ``target`` too (None: such pins are left out, matching is by name).

    ``sections=False`` is for commands that need only the desired state and the diagnostics
    (plan, apply, validate): the agents of the result then keep no validated sections
    (``objects``, ``collections`` and ``identities`` empty), which a worker process then does
    not send back either (a third of what it sent).
    """
    with _collector_kept_out():
        return _load(paths, Sources(variables, env, check_env), target, root, sections)


@contextmanager
def _collector_kept_out() -> Iterator[None]:
    """The garbage collector paused while loading, and what loading made frozen afterwards in
    a process that freezes what lives until it exits (the CLI freezes what its imports made).

    Loading makes hundreds of thousands of objects that live as long as the command, and
    nearly no garbage cycles; each collection during a load walked all of them made so far, a
    tenth of the loading CPU (a fifth of a second for 500 agents, with the CLI's thresholds).
    Frozen, they are never walked. A program that never froze anything keeps its collector as
    it was: what loading made is walked at the next collection, once, as before.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
        if gc.get_freeze_count():
            gc.freeze()
    finally:
        gc.enable()


def _load(
    paths: Sequence[Path], sources: Sources, target: str | None, root: Path | None, sections: bool
) -> LoadResult:
    found, diagnostics = discover(paths)
    work = FileWork(sources, target, root or _common_root(paths), sections)
    loaded = load_files(found, work)
    files: list[ManifestFile] = []
    for item in loaded:
        if item.problem is not None:
            diagnostics.append(item.problem)
        if item.file is not None:
            files.append(item.file)
    prepared = prepared_documents(loaded)
    read_files: list[tuple[Path, ReadResult]] = []
    for file in files:
        diagnostics.extend(file.read.diagnostics)
        read_files.append((file.found.path, _unprepared(file.read, prepared)))
    composition = compose_files(read_files, target=target, root=work.root, sources=sources)
    for ready in prepared.values():  # before composition's own, as a serial load has them
        diagnostics.extend(ready.inlined)
    diagnostics.extend(composition.diagnostics)
    agents: list[ParsedAgent] = []
    for doc in _in_file_order(files, composition.docs, prepared):
        agent, problems = (
            (doc.agent, doc.problems) if isinstance(doc, Prepared) else parse_document(doc, sources)
        )
        diagnostics.extend(problems)
        if agent is not None:
            agents.append(agent)
    diagnostics.extend(check_all(agents, prechecked(prepared) if prepared else None))
    diagnostics.sort(key=Diagnostic.sort_key)
    workspace = build_workspace(agents, target, prebuilt_states(prepared) if prepared else None)
    if not sections:
        for agent in agents:
            release_sections(agent)
    return LoadResult(
        diagnostics=diagnostics,
        workspace=workspace,
        files=[file.found.path for file in files],
        agents=agents,
    )


def _unprepared(read: ReadResult, prepared: Mapping[int, Prepared]) -> ReadResult:
    """``read`` without the documents a worker prepared (composition has nothing to do with
    them: see ``parallel._alone``)."""
    if not prepared:
        return read
    docs = [doc for doc in read.docs if id(doc) not in prepared]
    return read if len(docs) == len(read.docs) else replace(read, docs=docs)


def _in_file_order(
    files: Sequence[ManifestFile], composed: list[SourceDoc], prepared: Mapping[int, Prepared]
) -> Iterator[SourceDoc | Prepared]:
    """The documents to validate as a serial load validates them: composition's, with each
    prepared one in its place (composition keeps the order of the documents it is given)."""
    if not prepared:
        yield from composed
        return
    by_source = {
        id(doc.own if isinstance(doc, ComposedDoc) and doc.own is not None else doc): doc
        for doc in composed
    }
    for file in files:
        for doc in file.read.docs:
            ready = prepared.get(id(doc))
            if ready is not None:
                yield ready
            elif id(doc) in by_source:
                yield by_source[id(doc)]


def _common_root(paths: Sequence[Path]) -> Path:
    """The deepest directory holding every path given (the current one when none is)."""
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in paths]
    return Path(os.path.commonpath(folders)) if folders else Path.cwd()
