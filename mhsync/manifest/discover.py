"""Which files are manifests: named files always; in directories, every YAML file that is ours.

A repository holds other YAML (CI workflows, compose files), but a manifests path is where
manifests live, and a manifest skipped without a word is an agent that ``plan --prune`` deletes.
So every ``*.yaml``/``*.yml`` under a directory is read (once: the same text is recognised and
parsed, so a file rewritten meanwhile cannot look like a manifest and then load as nothing) and
is one of:

- a manifest: some document is a mapping with an ``mhsync/`` apiVersion or ``kind: Agent``
  (however it is written: block, flow or JSON style, any spacing, after any header), or the text
  says so although it does not parse (a broken manifest is reported, not skipped);
- empty (no documents, or only comments): warning ``empty-file``;
- anything else: warning ``not-a-manifest``.

Both warnings are errors under ``--prune`` (``LoadResult.prune_blockers``). Hidden directories
and files (``.git``, ``.mhsync``, the ``.<name>.*.tmp`` of an interrupted atomic write) and the
project file ``mhsync.yaml`` are never manifests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.yamlio import ReadResult, read_documents

SUFFIXES = (".yaml", ".yml")
PROJECT_FILES = frozenset({"mhsync.yaml", "mhsync.yml"})
UNRECOGNISED_CODES = frozenset({"empty-file", "not-a-manifest"})
"""Warnings about files under a manifests path that hold no agent we can read."""

_Q = r"[\"']?"
_OURS = re.compile(
    rf"(?:^|[{{,\s]){_Q}apiVersion{_Q}[ \t]*:[ \t]*{_Q}mhsync/"
    rf"|(?:^|[{{,\s]){_Q}kind{_Q}[ \t]*:[ \t]*{_Q}Agent\b",
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


@dataclass(frozen=True)
class ManifestFile:
    """A manifest file and what reading it gave (its text, documents and problems)."""

    found: Found
    read: ReadResult


def read_manifest_files(paths: Sequence[Path]) -> tuple[list[ManifestFile], list[Diagnostic]]:
    """Every manifest under ``paths``, each read once; problems of paths and skipped files."""
    found, problems = discover(paths)
    files: list[ManifestFile] = []
    for item in found:
        file, problem = read_manifest_file(item)
        if problem is not None:
            problems.append(problem)
        if file is not None:
            files.append(file)
    return files, problems


def read_manifest_file(item: Found) -> tuple[ManifestFile | None, Diagnostic | None]:
    """One candidate read: the file (``None`` when skipped) and the warning about it, if any.

    A file of its own so that several processes can each read a share of the files
    (``manifest/parallel.py``); ``read_manifest_files`` is these, in order.
    """
    read = read_documents(item.path, item.display)
    skipped = None if item.named else unrecognised(item.display, read)
    if skipped is not None:
        return None, skipped
    empty = _empty(item.display) if not read.docs and not read.diagnostics else None
    return ManifestFile(item, read), empty


def unrecognised(display: str, read: ReadResult) -> Diagnostic | None:
    """Why a file found in a directory is not read as a manifest; ``None`` when it is one."""
    if read.diagnostics and not read.text:
        return None  # unreadable (too large, not UTF-8): the loader's reason is the report
    if any(_is_ours(doc.data) for doc in read.docs) or _OURS.search(read.text):
        return None
    if not read.docs and not read.diagnostics:
        return _empty(display)
    return Diagnostic(
        file=display,
        message="not recognised as a manifest (no `apiVersion: mhsync/...` or `kind: Agent`); "
        "skipped",
        severity="warning",
        hint="keep other YAML out of the manifests paths (`manifests:` in mhsync.yaml), or fix it",
        code="not-a-manifest",
    )


def _is_ours(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    version = data.get("apiVersion")
    return (isinstance(version, str) and version.startswith("mhsync/")) or data.get(
        "kind"
    ) == "Agent"


def _empty(display: str) -> Diagnostic:
    return Diagnostic(
        file=display, message="file holds no documents", severity="warning", code="empty-file"
    )


def discover(paths: Sequence[Path]) -> tuple[list[Found], list[Diagnostic]]:
    """Candidate manifest files under ``paths`` in a stable order, each once."""
    found: list[Found] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            inside = [Found(p, False) for p in _search(path)]
            if not inside:
                problems.append(
                    Diagnostic(
                        file=str(path),
                        message="no manifests found here",
                        severity="warning",
                        code="no-manifests",
                    )
                )
            found.extend(inside)
        elif path.exists():
            found.append(Found(path, True))
        else:
            problems.append(
                Diagnostic(file=str(path), message="no such file or directory", code="file-missing")
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
            if path.suffix in SUFFIXES and name not in PROJECT_FILES and not name.startswith("."):
                out.append(path)
    return sorted(out)
