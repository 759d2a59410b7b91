"""``load_manifests``: files in, the desired workspace and every diagnostic out.

The stages (discover, read YAML, substitute variables, validate each piece, check across
documents, build canonical state) each report into one list of diagnostics; nothing stops at the
first problem. The loader does no network I/O and prints nothing: the CLI renders the result.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from mhsync.manifest.build import build_workspace
from mhsync.manifest.checks import check_all
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.discover import discover
from mhsync.manifest.fragments import compose_files
from mhsync.manifest.parse import ParsedAgent, parse_document
from mhsync.manifest.variables import Sources
from mhsync.manifest.yamlio import ReadResult, read_documents
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
) -> LoadResult:
    """Load and validate every manifest under ``paths`` (files, or directories searched).

    ``variables`` fill ``${var:NAME}`` (the target's ``vars``); ``env`` fills ``${env:NAME}``.
    ``check_env=False`` is for offline tooling: ``${env:...}`` is then left as written and an
    unset variable is not an error. ``target`` chooses the target-limited ``uses`` entries
    (``None``: none of them); ``${file:...}`` must stay inside ``root`` (default: the common
    directory of ``paths``). A per-target ``metadata.uuid`` mapping is read for
    ``target`` too (None: such pins are left out, matching is by name).
    """
    sources = Sources(variables, env, check_env)
    found, diagnostics = discover(paths)
    read_files: list[tuple[Path, ReadResult]] = []
    for item in found:
        read = read_documents(item.path, item.display)
        diagnostics.extend(read.diagnostics)
        if item.named and not read.docs and not read.diagnostics:
            diagnostics.append(
                Diagnostic(
                    item.display, 0, 0, "", "file holds no documents", "warning", None, "empty-file"
                )
            )
        read_files.append((item.path, read))
    composition = compose_files(
        read_files, target=target, root=root or _common_root(paths), sources=sources
    )
    diagnostics.extend(composition.diagnostics)
    agents: list[ParsedAgent] = []
    for doc in composition.docs:
        agent, problems = parse_document(doc, sources)
        diagnostics.extend(problems)
        if agent is not None:
            agents.append(agent)
    diagnostics.extend(check_all(agents))
    diagnostics.sort(key=Diagnostic.sort_key)
    return LoadResult(
        diagnostics=diagnostics,
        workspace=build_workspace(agents, target),
        files=[item.path for item in found],
        agents=agents,
    )


def _common_root(paths: Sequence[Path]) -> Path:
    """The deepest directory holding every path given (the current one when none is)."""
    folders = [str((p if p.is_dir() else p.parent).resolve()) for p in paths]
    return Path(os.path.commonpath(folders)) if folders else Path.cwd()
