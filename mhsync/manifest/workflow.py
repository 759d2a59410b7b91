"""The ``validate`` use-case: project config, target variables, manifests, one report.

The CLI calls this and only renders what it returns; nothing here prints or exits, and nothing
touches the network (validating must work offline and in CI without credentials).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mhsync.config import Target, load_project_config
from mhsync.manifest.loader import LoadResult, load_manifests


@dataclass(frozen=True)
class ValidationRun:
    """What ``validate`` found, and against which target's variables."""

    result: LoadResult
    target: Target
    target_was_default: bool
    """The target came from the project (default_target or the built-in sandbox), not --target."""

    strict: bool = False

    @property
    def ok(self) -> bool:
        return self.result.ok(strict=self.strict)


def validate_project(
    paths: Sequence[Path],
    *,
    cwd: Path,
    target: str | None = None,
    strict: bool = False,
    env: Mapping[str, str] = os.environ,
) -> ValidationRun:
    """Load and check the project's manifests with the variables of ``target``.

    Raises ``ConfigError`` when the project file is invalid or the target cannot be chosen.
    """
    config = load_project_config(cwd, paths)
    chosen = config.target(target, env=env)
    result = load_manifests(config.manifest_paths(paths), variables=chosen.vars, env=env)
    return ValidationRun(result, chosen, target is None, strict)
