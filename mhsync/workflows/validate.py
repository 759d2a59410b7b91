"""The ``validate`` use-case: project config, target variables, manifests, one report.

The CLI calls this and only renders what it returns; nothing here prints or exits, and nothing
touches the network (validating must work offline and in CI without credentials).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mhsync.config import CONFIG_FILE, ProjectConfig, Target
from mhsync.manifest.loader import LoadResult, load_manifests
from mhsync.manifest.scoping import ScopedLoad, scope
from mhsync.selection import Selection
from mhsync.workspace import Workspace

EVERYTHING = Selection()


@dataclass(frozen=True)
class ValidationRun:
    """What ``validate`` found, and against which target's variables."""

    result: LoadResult
    """Diagnostics that count for the selection; its workspace holds the selected agents."""
    target: Target

    strict: bool = False
    selection: Selection = field(default_factory=Selection)
    hidden: int = 0
    """Problems left out because they belong to unselected agents."""
    selection_warnings: tuple[str, ...] = ()
    """``--agent`` globs and ``--exclude-agent`` patterns that match no manifest."""

    @property
    def ok(self) -> bool:
        return self.result.ok(strict=self.strict)


def load_scoped(
    config: ProjectConfig,
    target: Target,
    paths: Sequence[Path],
    selection: Selection = EVERYTHING,
    *,
    env: Mapping[str, str] = os.environ,
    check_handles: bool = True,
    check_env: bool = True,
    sections: bool = True,
) -> ScopedLoad:
    """Every manifest, read with ``target``'s variables, narrowed to ``selection``.

    With ``check_handles``, an ``--agent`` that names no manifest raises ``ConfigError``; pass
    False where a live-only agent may be named (``--prune``) and check after reading the workspace.
    ``sections=False``: the parsed agents keep no validated sections (see ``load_manifests``).
    """
    result = load_manifests(
        config.manifest_paths(paths),
        variables=target.vars,
        env=env,
        check_env=check_env,
        target=target.name,
        root=config.root,
        sections=sections,
    )
    scoped = scope(
        result,
        selection,
        project_ignore=config.ignore,
        config_file=_display(config.file) if config.file else CONFIG_FILE,
        target=target.name,
    )
    if check_handles:
        selection.check_known(scoped.handles)
    for agent in result.agents:  # every diagnostic is made: free the documents for the rest
        agent.doc.release()
    return scoped


def validate_project(
    workspace: Workspace,
    paths: Sequence[Path],
    *,
    strict: bool = False,
    env: Mapping[str, str] = os.environ,
    selection: Selection = EVERYTHING,
) -> ValidationRun:
    """Load and check the project's manifests with the variables of the workspace's target.

    Raises ``ConfigError`` when ``--agent`` names no manifest.
    """
    chosen = workspace.target
    scoped = load_scoped(workspace.project, chosen, paths, selection, env=env, sections=False)
    idle = tuple(selection.check_known(scoped.handles))
    return ValidationRun(scoped.result, chosen, strict, selection, scoped.hidden, idle)


def _display(path: Path) -> str:
    """``path`` relative to the current directory when below it, as manifest paths are shown."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
