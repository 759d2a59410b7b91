"""Which workspace a command talks to: one decision, made once per command, passed down whole.

Every command that reads manifests or talks to the API calls :func:`resolve_workspace` (or, for
``apply plan.json``, :func:`workspace_for_plan`) exactly once, in the CLI, and hands the
resulting :class:`Workspace` to its use-case; no workflow chooses a target on its own. The rules
(also the table in the README, "Choosing the workspace"):

- ``--target T`` (T defined in mhsync.yaml): T; ``MHSYNC_BASE_URL``, when set, replaces its URL.
- no ``--target``, ``default_target: D``: D (``MHSYNC_BASE_URL`` is ignored, with a note).
- targets but no ``default_target`` and no ``--target``: refused, ``--target`` is required.
- no mhsync.yaml (or one without targets) and ``MHSYNC_BASE_URL``: that URL (``MHSYNC_TOKEN``).
- ``--target sandbox``, or none of the above: the embedded sandbox (``.mhsync/sandbox.db``).
- ``--target T`` (not sandbox) with no mhsync.yaml anywhere above: refused, none was found.

A saved plan is bound to the workspace it was made for (``Plan.workspace``): applying it talks
to exactly that workspace, from any directory, and refuses when ``--target`` or
``MHSYNC_BASE_URL`` names another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mhsync.config import (
    BASE_URL_ENV,
    CONFIG_FILE,
    DEFAULT_TOKEN_ENV,
    SANDBOX,
    ProjectConfig,
    Target,
    load_project_config,
)
from mhsync.errors import ConfigError
from mhsync.plan import Plan, WorkspaceBinding

ENV_TARGET = BASE_URL_ENV
"""The target name of a workspace given only by ``MHSYNC_BASE_URL`` (no project targets)."""


@dataclass(frozen=True)
class Workspace:
    """The resolved workspace: project root and file, target, base URL, token variable, sandbox.

    ``notes`` are said once to the person (stderr), e.g. that ``MHSYNC_BASE_URL`` was ignored.
    """

    project: ProjectConfig
    target: Target
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def root(self) -> Path:
        return self.project.root

    def describe(self) -> str:
        """``staging (https://...)`` or ``sandbox (/path/.mhsync/sandbox.db)``."""
        if self.target.is_sandbox:
            return f"sandbox ({self.target.sandbox_db})"
        if self.target.name == ENV_TARGET:
            return f"{self.target.base_url} (from {BASE_URL_ENV}; no targets in a project file)"
        return f"{self.target.name} ({self.target.base_url})"

    def binding(self) -> WorkspaceBinding:
        """What a saved plan records so that its apply reaches this workspace again."""
        return WorkspaceBinding(
            target=self.target.name,
            base_url=None if self.target.is_sandbox else self.target.base_url,
            sandbox_state=str(self.target.sandbox_db) if self.target.is_sandbox else None,
            project_root=str(self.project.root),
            token_env=self.target.token_env,
        )


def resolve_workspace(
    target: str | None = None,
    *,
    cwd: Path | None = None,
    paths: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> Workspace:
    """The workspace ``--target`` (or its absence) names, by the rules in the module docstring.

    ``paths`` (command-line manifest paths) help find the project file when none lies above
    ``cwd``. Raises ``ConfigError`` with a message saying what to do.
    """
    environ = os.environ if env is None else env
    start = (cwd or Path.cwd()).resolve()
    project = load_project_config(start, paths)
    override = environ.get(BASE_URL_ENV, "").strip()
    own_targets = any(name != SANDBOX for name in project.targets)
    if target == ENV_TARGET and override and not own_targets:
        target = None  # a snapshot's record of a workspace given by MHSYNC_BASE_URL alone
    if target is not None:
        if project.file is None and target != SANDBOX:
            raise ConfigError(
                f"no {CONFIG_FILE} found (searched from {start} upward); target `{target}` "
                f"must be defined in one (only `{SANDBOX}` exists without it)"
            )
        chosen = project.target(target, env=environ)
        notes: tuple[str, ...] = ()
        if override and chosen.is_sandbox:
            notes = (f"{BASE_URL_ENV} is ignored: the sandbox target is the embedded one",)
        return Workspace(project, chosen, notes)
    if not own_targets and override:
        url_target = Target(ENV_TARGET, override, DEFAULT_TOKEN_ENV, {}, False, None)
        return Workspace(project, url_target)
    chosen = project.target(None, env=environ)
    ignored: tuple[str, ...] = ()
    if override:
        ignored = (
            f"{BASE_URL_ENV} is ignored: it overrides a target's URL only together with "
            f"--target (using the default target `{chosen.name}`)",
        )
    return Workspace(project, chosen, ignored)


def workspace_for_plan(
    plan: Plan,
    plan_file: Path,
    target: str | None = None,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Workspace:
    """The workspace a saved plan was made for, from any directory.

    Refuses when ``--target`` names another target or ``MHSYNC_BASE_URL`` another URL. A plan
    from before workspaces were recorded falls back to the ordinary rules plus a check of the
    target name.
    """
    environ = os.environ if env is None else env
    bound = plan.workspace
    if bound is None:
        workspace = resolve_workspace(target, cwd=cwd, env=environ)
        if plan.target != workspace.name:
            raise ConfigError(
                f"{plan_file} was made for target {plan.target!r}, not {workspace.name!r}"
            )
        return workspace
    made_for = _describe_binding(bound)
    if target is not None and target != bound.target:
        raise ConfigError(
            f"{plan_file} was made for {made_for}; --target {target} names another workspace. "
            f"Apply it without --target, or run plan again with --target {target}"
        )
    override = environ.get(BASE_URL_ENV, "").strip()
    if override and _norm(override) != _norm(bound.base_url or ""):
        raise ConfigError(
            f"{plan_file} was made for {made_for}, but {BASE_URL_ENV} names {override}; "
            f"unset {BASE_URL_ENV} to apply it there, or run plan again for {override}"
        )
    root = Path(bound.project_root) if bound.project_root else (cwd or Path.cwd()).resolve()
    project = _project_at(root)
    known = project.targets.get(bound.target)
    sandbox_db = Path(bound.sandbox_state) if bound.sandbox_state else None
    base = known or Target(bound.target, None)
    chosen = replace(
        base,
        base_url=bound.base_url,
        token_env=bound.token_env or base.token_env,
        is_sandbox=sandbox_db is not None,
        sandbox_db=sandbox_db,
    )
    return Workspace(project, chosen)


def _project_at(root: Path) -> ProjectConfig:
    """The project at ``root`` when its file is still there, else a bare root (no targets)."""
    if (root / CONFIG_FILE).is_file():
        return load_project_config(root)
    return ProjectConfig(root=root)


def _describe_binding(bound: WorkspaceBinding) -> str:
    if bound.sandbox_state:
        return f"sandbox ({bound.sandbox_state})"
    return f"target {bound.target} ({bound.base_url})"


def _norm(url: str) -> str:
    return url.strip().rstrip("/")
