"""The project file ``mhsync.yaml``: where the manifests are and which workspaces exist.

A project without the file still works when manifest paths are given on the command line (none
are searched for: without the file nothing says where they are), and the only target is the
built-in ``sandbox`` (a local embedded sandbox whose state lives in
``<project root>/.mhsync/sandbox.db``). Once a project names real targets, mhsync never falls
back to the sandbox on its own: either ``default_target`` or ``--target`` must say which
workspace a command talks to.

``MHSYNC_BASE_URL`` overrides the ``base_url`` of a target only when that target was named
explicitly (``--target``), never a default and never the sandbox, so an environment variable
left set in a shell cannot silently redirect a default run. Base URLs are checked (https only)
by the client when a command connects; validating manifests never needs them.
"""

from __future__ import annotations

import difflib
import glob
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field, ValidationError

from mhsync.errors import ConfigError
from mhsync.manifest.document import VARIABLE_NAME_PATTERN
from mhsync.manifest.translate import diagnostics_from
from mhsync.manifest.yamlio import read_documents
from mhsync.sections.models import Strict

CONFIG_FILE = "mhsync.yaml"
SANDBOX = "sandbox"
DEFAULT_TOKEN_ENV = "MHSYNC_TOKEN"
BASE_URL_ENV = "MHSYNC_BASE_URL"
STATE_DIR = ".mhsync"


class TargetFile(Strict):
    """One target as written in ``mhsync.yaml``."""

    base_url: str | None = Field(
        default=None, description="API base URL, e.g. https://tenant.mindhunters.ai/api/v1."
    )
    token_env: str = Field(
        default=DEFAULT_TOKEN_ENV,
        pattern=VARIABLE_NAME_PATTERN,
        description="Environment variable holding the API token.",
    )
    vars: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Values for ${var:NAME} in manifests."
    )


class ProjectFile(Strict):
    """The whole of ``mhsync.yaml``."""

    manifests: list[str] = Field(
        default_factory=lambda: ["."],
        description="Files, directories or glob patterns, relative to this file.",
    )
    targets: dict[str, TargetFile] = Field(default_factory=dict)
    default_target: str | None = None
    ignore: list[str] = Field(
        default_factory=list, description="Field paths every agent leaves alone."
    )


@dataclass(frozen=True)
class Target:
    """A workspace a command talks to, with the variables its manifests are rendered with."""

    name: str
    base_url: str | None
    token_env: str = DEFAULT_TOKEN_ENV
    vars: dict[str, str] = field(default_factory=dict)
    is_sandbox: bool = False
    sandbox_db: Path | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """The project: its root directory, its file (if any) and its targets."""

    root: Path
    file: Path | None = None
    manifests: tuple[str, ...] = (".",)
    targets: Mapping[str, Target] = field(default_factory=dict)
    default_target: str | None = None
    ignore: tuple[str, ...] = ()

    @property
    def target_names(self) -> list[str]:
        return sorted(self.targets)

    def target(self, name: str | None, *, env: Mapping[str, str] | None = None) -> Target:
        """The target ``name`` (from ``--target``), else the default one.

        Raises ``ConfigError`` for an unknown name, or when no name is given and the project
        defines targets without a ``default_target``. ``env`` (the process environment) is only
        consulted for ``MHSYNC_BASE_URL`` on an explicitly named, non-sandbox target.
        """
        chosen = name if name is not None else self.default_target
        if chosen is None:
            raise ConfigError(
                f"no target chosen: pass --target (one of {', '.join(self.target_names)}) "
                f"or set default_target in {self.file or CONFIG_FILE}"
            )
        target = self.targets.get(chosen)
        if target is None:
            close = difflib.get_close_matches(chosen, self.target_names, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(
                f"unknown target `{chosen}`; known targets: {', '.join(self.target_names)}{hint}"
            )
        override = (env or {}).get(BASE_URL_ENV, "").strip()
        if name is not None and override and not target.is_sandbox:
            target = Target(target.name, override, target.token_env, dict(target.vars), False, None)
        if not target.is_sandbox and not target.base_url:
            raise ConfigError(
                f"target `{target.name}` has no base_url; set it in {self.file or CONFIG_FILE} "
                f"or in {BASE_URL_ENV} together with --target {target.name}"
            )
        return target

    def manifest_paths(self, given: Sequence[Path] = ()) -> list[Path]:
        """Where the manifests are: ``given`` (command-line paths) if any, else ``manifests``.

        Configured entries are relative to the project root; glob patterns are expanded, and a
        pattern that matches nothing stays as written so the loader reports it as missing.
        Paths under the current directory are returned relative to it, so that diagnostics
        read ``agents/x.yaml`` rather than an absolute path. Without a project file and without
        ``given`` nothing is scanned (a whole tree could be thousands of unrelated files):
        ``ConfigError`` says so.
        """
        if given:
            return list(given)
        if self.file is None:
            raise ConfigError(
                f"no {CONFIG_FILE} found (searched from {self.root} upward) and no manifest "
                f"paths given; pass the manifest files or directories (e.g. `agents/`), or "
                f"create {CONFIG_FILE} with a `manifests:` list. Nothing was scanned."
            )
        paths: list[Path] = []
        for entry in self.manifests:
            full = self.root / entry
            if glob.has_magic(entry):
                matches = sorted(Path(p) for p in glob.glob(str(full), recursive=True))
                paths.extend(matches or [full])
            else:
                paths.append(full)
        return [_from_cwd(path) for path in paths]


def _from_cwd(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def find_config_file(start: Path) -> Path | None:
    """``mhsync.yaml`` in ``start`` or the nearest directory above it."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load_project_config(start: Path, manifest_paths: Sequence[Path] = ()) -> ProjectConfig:
    """The project that ``start`` (usually the current directory) belongs to.

    When no ``mhsync.yaml`` lies above ``start``, the first manifest path given on the command
    line is searched upwards too, so ``mhsync plan examples/agents`` from a repository root uses
    ``examples/mhsync.yaml``. Raises ``ConfigError`` listing every problem of the file, each as
    ``file:line:col``.
    """
    file = find_config_file(start)
    if file is None and manifest_paths:
        first = manifest_paths[0] if manifest_paths[0].is_absolute() else start / manifest_paths[0]
        file = find_config_file(first if first.is_dir() else first.parent)
    if file is None:
        root = start.resolve()
        return ProjectConfig(
            root=root, targets={SANDBOX: _sandbox(root, None)}, default_target=SANDBOX
        )
    project = _read(file)
    root = file.parent
    targets = {name: _target(root, name, spec) for name, spec in project.targets.items()}
    targets.setdefault(SANDBOX, _sandbox(root, None))
    default = project.default_target
    if default is None and not project.targets:
        default = SANDBOX
    if default is not None and default not in targets:
        raise ConfigError(
            f"{file}: default_target `{default}` is not a target; "
            f"known targets: {', '.join(sorted(targets))}"
        )
    return ProjectConfig(
        root=root,
        file=file,
        manifests=tuple(project.manifests),
        targets=targets,
        default_target=default,
        ignore=tuple(project.ignore),
    )


def _read(file: Path) -> ProjectFile:
    read = read_documents(file, str(file))
    problems = list(read.diagnostics)
    if not problems and len(read.docs) > 1:
        raise ConfigError(f"{file}: must hold one YAML document, found {len(read.docs)}")
    data = read.docs[0].data if read.docs else {}
    if not problems:
        try:
            return ProjectFile.model_validate(data if data is not None else {})
        except ValidationError as exc:
            problems = diagnostics_from(exc, read.docs[0], (), root=ProjectFile)
    problems.sort(key=lambda d: d.sort_key())
    raise ConfigError("invalid project file:\n" + "\n".join(f"  {d}" for d in problems))


def _target(root: Path, name: str, spec: TargetFile) -> Target:
    variables = {key: _text(value) for key, value in spec.vars.items()}
    if name == SANDBOX and spec.base_url is None:
        return _sandbox(root, spec, variables)
    return Target(name, spec.base_url, spec.token_env, variables, False, None)


def _sandbox(
    root: Path, spec: TargetFile | None, variables: dict[str, str] | None = None
) -> Target:
    """The embedded sandbox; a ``sandbox`` entry without base_url may give it vars and a token."""
    token_env = spec.token_env if spec is not None else DEFAULT_TOKEN_ENV
    return Target(SANDBOX, None, token_env, variables or {}, True, root / STATE_DIR / "sandbox.db")


def _text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
