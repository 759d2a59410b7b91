"""Word-level diff of two texts, for long prose (prompts, notes, messages).

A changed paragraph shown as two whole blocks hides the one word that changed; this shows the
new text once with the removed and added words marked, split into display lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")

REMOVED = "word_remove"
ADDED = "word_add"


@dataclass(frozen=True)
class Segment:
    """A piece of a display line; ``style`` names its role (``None``: plain text)."""

    text: str
    style: str | None = None


def word_diff(before: str, after: str) -> list[list[Segment]]:
    """Lines of segments: unchanged words plain, removed ``REMOVED``, added ``ADDED``."""
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("".join(old[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment("".join(old[i1:i2]), REMOVED))
        if tag in ("insert", "replace"):
            segments.append(Segment("".join(new[j1:j2]), ADDED))
    return _split_lines(segments)


def _split_lines(segments: list[Segment]) -> list[list[Segment]]:
    lines: list[list[Segment]] = [[]]
    for segment in segments:
        pieces = segment.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append([])
            if piece:
                lines[-1].append(Segment(piece, segment.style))
    return lines


def plain(segment: Segment) -> str:
    """``[-removed-]`` / ``{+added+}`` for outputs without colour."""
    if segment.style == REMOVED:
        return f"[-{segment.text}-]"
    if segment.style == ADDED:
        return f"{{+{segment.text}+}}"
    return segment.text
