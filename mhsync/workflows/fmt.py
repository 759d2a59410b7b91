"""The ``fmt`` use-case: which manifest files are not in canonical form, and rewriting them.

Formatting is offline and never validates: a file only has to be YAML. A file that cannot be
read or parsed is reported, not rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mhsync import atomic
from mhsync.config import load_project_config
from mhsync.export.fmt import format_text
from mhsync.manifest import Diagnostic
from mhsync.manifest.discover import read_manifest_files


@dataclass(frozen=True)
class FmtRequest:
    paths: Sequence[Path] = ()
    check: bool = False
    """Only report files that would change; write nothing."""
    cwd: Path = field(default_factory=Path.cwd)


@dataclass
class FmtOutcome:
    changed: list[Path] = field(default_factory=list)
    """Files rewritten (or, with ``check``, that would be)."""
    unchanged: list[Path] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def run_fmt(request: FmtRequest) -> FmtOutcome:
    config = load_project_config(request.cwd, request.paths)
    files, problems = read_manifest_files(config.manifest_paths(request.paths))
    outcome = FmtOutcome(problems=[p for p in problems if p.is_error])
    for file in files:
        path, text = file.found.path, file.read.text
        syntax = [d for d in file.read.diagnostics if d.is_error]
        if syntax:
            outcome.problems.extend(syntax)
            continue
        formatted = format_text(text)
        if formatted == text:
            outcome.unchanged.append(path)
            continue
        outcome.changed.append(path)
        if not request.check:
            atomic.write_text(path, formatted)
    return outcome
