"""Which files are manifests: named files always; in directories, YAML files that look like ours.

A repository holds other YAML (CI workflows, compose files). Rather than failing on them, a
directory search keeps only files that mention ``apiVersion: mhsync/`` or ``kind: Agent`` in
their first 64 KiB, so that a manifest with a wrong apiVersion, or too broken to parse, is still
reported. Hidden directories (``.git``, ``.mhsync``) and the project file ``mhsync.yaml`` are
never manifests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mhsync.manifest.diagnostics import Diagnostic

SUFFIXES = (".yaml", ".yml")
PROJECT_FILES = frozenset({"mhsync.yaml", "mhsync.yml"})
_SNIFF_BYTES = 64 * 1024
_OURS = re.compile(
    r"^[ \t]*(?:apiVersion:[ \t]*[\"']?mhsync/|kind:[ \t]*[\"']?Agent[\"']?[ \t]*(?:#.*)?$)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Found:
    """A manifest file to load; ``named`` when the user gave it explicitly."""

    path: Path
    named: bool

    @property
    def display(self) -> str:
        return str(self.path)


def discover(paths: Sequence[Path]) -> tuple[list[Found], list[Diagnostic]]:
    """Manifest files under ``paths`` in a stable order, each once."""
    found: list[Found] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            inside = [Found(p, False) for p in _search(path)]
            if not inside:
                problems.append(
                    Diagnostic(
                        str(path),
                        0,
                        0,
                        "",
                        "no manifests found here",
                        "warning",
                        None,
                        "no-manifests",
                    )
                )
            found.extend(inside)
        elif path.exists():
            found.append(Found(path, True))
        else:
            problems.append(
                Diagnostic(str(path), 0, 0, "", "no such file or directory", code="file-missing")
            )
    seen: set[Path] = set()
    unique: list[Found] = []
    for item in found:
        key = item.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique, problems


def _search(directory: Path) -> list[Path]:
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root, name)
            if (
                path.suffix in SUFFIXES
                and name not in PROJECT_FILES
                and not name.startswith(".")
                and looks_like_manifest(path)
            ):
                out.append(path)
    return sorted(out)


def looks_like_manifest(path: Path) -> bool:
    """True when the start of the file names mhsync's apiVersion or the Agent kind."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
    except OSError:
        return True  # let the loader report why it cannot be read
    return _OURS.search(head.decode("utf-8", errors="replace")) is not None
