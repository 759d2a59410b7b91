"""How mhsync writes YAML: one configured ruamel.yaml round-trip instance and the node styles.

Written files use 2-space mappings with list dashes indented under their key (the style of the
examples), block style everywhere, ``|`` block scalars for text with line breaks, no line
wrapping (a long sentence stays on one line, so a diff shows the sentence, however long), and
double quotes when a string needs quoting. Files read for ``pull`` keep the quotes they were
written with.

What is written always reads back as the same text: a block scalar holds only characters a
block keeps as they are (``block_safe``); other text (a carriage return, NEL or U+2028, a
control character) is written double-quoted with escapes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.scalarstring import LiteralScalarString

WIDTH = 1 << 30
"""Wide enough that no scalar is ever folded onto a second line."""

_BLOCK_UNSAFE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""Characters a block scalar cannot hold as themselves: C0/C1 controls (``\\r``, NEL
included), DEL, the line and paragraph separators, a byte order mark, surrogates."""


def block_safe(text: str) -> bool:
    """True when ``|`` (and ``>``) can hold ``text`` exactly: only printable characters,
    tabs and line breaks; and no line that is only blanks before a line with content that is
    indented less (it would set the block's indentation)."""
    return _BLOCK_UNSAFE.search(text) is None


class _Emitter(RoundTripEmitter):
    """Prefers double quotes where a string needs quoting and no style was asked for."""

    def choose_scalar_style(self) -> Any:
        style = super().choose_scalar_style()
        if style == "'" and not getattr(self.event, "style", None):
            return '"'
        return style


Indent = tuple[int, int, int]
"""(mapping, sequence, offset) as ruamel.yaml's ``YAML.indent`` takes them."""

STYLE_INDENT: Indent = (2, 4, 2)


def yaml_io(*, preserve_quotes: bool = False, indent: Indent = STYLE_INDENT) -> YAML:
    """A round-trip YAML instance in mhsync's style (``indent`` to keep a file's own)."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Emitter = _Emitter
    yaml.preserve_quotes = preserve_quotes
    yaml.width = WIDTH
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def guess_indent(text: str) -> Indent:
    """The indentation a file uses, so that rewriting it leaves untouched lines alone.

    Mapping indent: the smallest indentation of a key line. Sequence: where the first dash
    under a key sits (offset) and where its content starts.
    """
    mapping: int | None = None
    sequence: Indent | None = None
    previous: tuple[int, str] | None = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        width = len(line) - len(stripped)
        if stripped.startswith("- ") or stripped == "-":
            if sequence is None and previous is not None and previous[1].endswith(":"):
                offset = max(width - previous[0], 0)
                content = len(stripped) - len(stripped[1:].lstrip(" "))
                sequence = (0, offset + content, offset)
        elif width and (mapping is None or width < mapping):
            mapping = width
        previous = (width, stripped.split(" #")[0].rstrip())
    chosen_mapping = mapping or STYLE_INDENT[0]
    if sequence is None:
        return (chosen_mapping, STYLE_INDENT[1], STYLE_INDENT[2])
    return (chosen_mapping, sequence[1], sequence[2])


def load_all(text: str, *, preserve_quotes: bool = False) -> list[Any]:
    """Every document of ``text`` as round-trip nodes (comments attached)."""
    return list(yaml_io(preserve_quotes=preserve_quotes).load_all(text))


def dump_all(
    documents: Sequence[Any],
    *,
    preserve_quotes: bool = False,
    indent: Indent = STYLE_INDENT,
    explicit_start: bool = False,
) -> str:
    stream = io.StringIO()
    yaml = yaml_io(preserve_quotes=preserve_quotes, indent=indent)
    yaml.explicit_start = explicit_start or None
    yaml.dump_all(list(documents), stream)
    return stream.getvalue()


def styled(value: Any) -> Any:
    """Plain data as round-trip nodes in block style; multi-line text as ``|`` scalars."""
    if isinstance(value, dict):
        node = CommentedMap()
        for key, child in value.items():
            node[key] = styled(child)
        node.fa.set_block_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(styled(child) for child in value)
        seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and not isinstance(value, LiteralScalarString):
        return as_block(value)
    return value


def as_block(text: str) -> Any:
    """Multi-line ``text`` as a ``|`` scalar when a block holds it exactly; else as it is."""
    if "\n" in text and block_safe(text):
        return LiteralScalarString(text)
    return text


def own_keys(node: CommentedMap) -> list[Any]:
    """The keys written in ``node`` itself, in order: not those a ``<<`` merge brings in
    (assigning one would copy the anchor's value into the mapping for good)."""
    own = getattr(node, "_ok", None)
    return [key for key in node if own is None or key in own]


def restyle(node: Any) -> Any:
    """Round-trip nodes switched to block style and ``|`` for multi-line text, in place."""
    if isinstance(node, CommentedMap):
        node.fa.set_block_style()
        for key in own_keys(node):
            node[key] = restyle(node[key])
        return node
    if isinstance(node, CommentedSeq):
        node.fa.set_block_style()
        for index, child in enumerate(node):
            node[index] = restyle(child)
        return node
    if isinstance(node, str) and type(node) is str:
        return as_block(node)
    return node


def split_preamble(text: str) -> tuple[str, str]:
    """``(comments before the first "---", the rest)``; ``("", text)`` without such a marker.

    ruamel.yaml drops comments written before an explicit document start, so a file rewritten
    in place keeps them by setting them aside and putting them back in front.
    """
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip() and not line.lstrip().startswith("#"):
            if line.rstrip() == "---" or line.startswith("--- "):
                return "".join(lines[:index]), "".join(lines[index:])
            break
    return "", text
