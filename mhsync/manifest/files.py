"""``${file:prompts/volvo.md}``: long prose kept in its own file, so reviews see plain text diffs.

Any string value under ``spec`` may contain ``${file:PATH}``, as the whole value or inside text.
The rules (docs/manifests.md, "Prose in files"):

- ``PATH`` is relative to the manifest that writes it and must stay inside the project root
  (after symbolic links are followed); absolute paths are refused;
- the file is read as UTF-8 (a byte order mark is dropped), within the manifest size limit;
- line breaks are normalised to ``\\n`` and **one** final line break is removed, so a file saved
  by any editor gives the same value; write an empty last line to keep a final newline;
- the text is taken literally: ``${var:...}`` or ``${env:...}`` inside it stay as written;
- secret fields never read files (they must be ``${env:NAME}``).

This runs on each document as read, before fragments are merged and variables substituted; a
file that several manifests name is read once per load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.variables import secret_locs
from mhsync.manifest.yamlio import Loc, SourceDoc, read_text

_FILE = re.compile(r"\$\$\{|\$\{file:([^}]*)\}")
MARKER = "${file:"
"""Files whose text lacks this need no look at all."""


@dataclass
class FileReader:
    """Reads referenced files for one load: the project root, and what was read already."""

    root: Path
    cache: dict[Path, tuple[str | None, str | None]] = field(default_factory=dict)

    def read(self, manifest: Path, display: str, written: str) -> tuple[str | None, str | None]:
        """The normalised text of ``written`` (named by the manifest ``manifest``), or why not."""
        if not written or Path(written).is_absolute():
            return None, "must be a path relative to the manifest"
        full = (manifest.parent / written).resolve()
        if not full.is_relative_to(self.root.resolve()):
            return None, f"`{written}` is outside the project ({self.root})"
        if full not in self.cache:
            self.cache[full] = self._load(full, display)
        return self.cache[full]

    @staticmethod
    def _load(full: Path, display: str) -> tuple[str | None, str | None]:
        if not full.is_file():
            return None, f"{display}: no such file"
        text, problem = read_text(full, display)
        if problem is not None or text is None:
            return None, str(problem) if problem else f"{display}: cannot read file"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return (text[:-1] if text.endswith("\n") else text), None


def inline_files(doc: SourceDoc, manifest: Path, reader: FileReader) -> list[Diagnostic]:
    """Replace every ``${file:...}`` under ``spec`` of ``doc`` in place; report those unusable."""
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("spec"), dict):
        return []
    problems: list[Diagnostic] = []
    skip = set(secret_locs(doc.data))
    doc.data["spec"] = _walk(doc, manifest, reader, doc.data["spec"], ("spec",), skip, problems)
    return problems


def _walk(
    doc: SourceDoc,
    manifest: Path,
    reader: FileReader,
    value: Any,
    loc: Loc,
    skip: set[Loc],
    problems: list[Diagnostic],
) -> Any:
    if loc in skip:
        return value
    if isinstance(value, dict):
        return {
            k: _walk(doc, manifest, reader, v, (*loc, k), skip, problems) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _walk(doc, manifest, reader, v, (*loc, i), skip, problems) for i, v in enumerate(value)
        ]
    if isinstance(value, str) and MARKER in value:
        return _replace(doc, manifest, reader, value, loc, problems)
    return value


def _replace(
    doc: SourceDoc,
    manifest: Path,
    reader: FileReader,
    text: str,
    loc: Loc,
    problems: list[Diagnostic],
) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) is None:  # ``$${`` stays for the variable pass, which unescapes it
            return match.group(0)
        written = match.group(1).strip()
        display = str(Path(doc.file).parent / written)
        content, problem = reader.read(manifest, display, written)
        if content is None:
            problems.append(doc.diagnostic(loc, f"`{match.group(0)}`: {problem}", code="file-ref"))
            return match.group(0)
        return content.replace("${", "$${")  # literal: the variable pass must not expand it

    return _FILE.sub(one, text)
