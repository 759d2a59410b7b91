"""A YAML file rewritten one document at a time: the documents pull did not change stay as written.

Dumping a whole stream again loses what ruamel.yaml does not keep: comments before an explicit
``---``, and documents that hold only comments (they come back as ``--- null``, which also fails
validation). So a file is cut at its document markers and only the documents that changed are
dumped again; every other byte of the file is kept.

A line starting with ``---`` at column 0 always starts a document (no scalar may hold one), so the
cut is exact. Files it cannot cut with certainty (``...`` end markers, ``%`` directives, content
on a marker line, or a count that differs from the parsed documents) are dumped whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from mhsync.export.yamlstyle import Indent, dump_all, split_preamble

_MARKER = re.compile(r"---(?:[ \t]+(?:#.*)?)?")
_UNSURE = re.compile(r"^(?:\.\.\.|%)", re.MULTILINE)


@dataclass(frozen=True)
class Segment:
    """A stretch of the file: a document (with the ``---`` line that opens it), or the
    comments before the first marker."""

    marker: str
    """The ``---`` line (with its line break) that opens the document; "" for none."""
    body: str
    document: bool


def split_stream(text: str, count: int) -> list[Segment] | None:
    """``text`` cut into its ``count`` documents (and any comments before the first marker)."""
    if _UNSURE.search(text):
        return None
    segments: list[Segment] = []
    marker, body = "", list[str]()
    for line in text.splitlines(keepends=True):
        if line.startswith("---"):
            if not _MARKER.fullmatch(line.rstrip("\r\n")):
                return None
            segments.append(_segment(marker, "".join(body), first=not segments))
            marker, body = line, []
        else:
            body.append(line)
    segments.append(_segment(marker, "".join(body), first=not segments))
    if sum(segment.document for segment in segments) != count:
        return None
    return segments


def _segment(marker: str, body: str, *, first: bool) -> Segment:
    has_content = any(
        line.strip() and not line.lstrip().startswith("#") for line in body.splitlines()
    )
    return Segment(marker, body, bool(marker) or not first or has_content)


def rewrite(
    text: str, documents: Sequence[Any], changed: Collection[int], *, indent: Indent
) -> str:
    """``text`` with the documents at the indexes ``changed`` (0-based) dumped again."""
    segments = split_stream(text, len(documents))
    if segments is None:
        preamble, rest = split_preamble(text)
        return preamble + dump_all(
            documents,
            preserve_quotes=True,
            indent=indent,
            explicit_start=bool(preamble) or rest.startswith("---"),
        )
    out = []
    index = 0
    for segment in segments:
        if segment.document:
            if index in changed:
                dumped = dump_all([documents[index]], preserve_quotes=True, indent=indent)
                out.append(segment.marker + _without_marker_comment(dumped, segment.marker))
            else:
                out.append(segment.marker + segment.body)
            index += 1
        else:
            out.append(segment.body)
    return "".join(out)


def _without_marker_comment(dumped: str, marker: str) -> str:
    """ruamel.yaml moves a comment of the ``---`` line onto a line of its own; the marker line
    is kept as written, so that copy goes."""
    comment = marker[3:].strip()
    first, _, rest = dumped.partition("\n")
    if comment and first.strip() == comment:
        return rest
    return dumped
