"""``fmt``: a manifest file rewritten in the canonical layout, its comments kept.

The layout is the one export writes (``layout.ordered_keys``; 2-space indentation, dashes
indented under their key, block style, double quotes only where a string needs quotes, ``|``
for text with line breaks), so a formatted file and an exported one differ only in content.
When keys move, a comment line or blank line travels with the key it precedes (ruamel.yaml
stores it after the previous value, which would carry it off with the wrong key), and the lines
after a mapping's last value stay at its end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mhsync.export.comments import pop_key_tail, push_key_tail
from mhsync.export.layout import ordered_keys, root_for
from mhsync.export.yamlstyle import dump_all, load_all, own_keys, restyle
from mhsync.manifest.yamlio import Loc


def format_text(text: str) -> str:
    """``text`` (one or more YAML documents) in canonical form."""
    documents = load_all(text)
    for document in documents:
        if _is_manifest(document):
            _reorder(document, (), root=root_for(document))
        restyle(document)
    return dump_all(documents)


def _is_manifest(document: Any) -> bool:
    return isinstance(document, CommentedMap) and (
        str(document.get("apiVersion", "")).startswith("mhsync/") or document.get("kind") == "Agent"
    )


Before = Callable[[str], None]
"""Places comment lines just before a node (after whatever precedes it in its parent)."""


def _reorder(
    node: Any, loc: Loc, before: Before | None = None, *, root: type[BaseModel] | None = None
) -> None:
    if isinstance(node, CommentedMap):
        present = own_keys(node)
        wanted = ordered_keys(loc, present, root)
        if wanted != present:
            _move_keys(node, present, wanted, before)
        for index, key in enumerate(wanted):
            _reorder(node[key], (*loc, key), _before(node, wanted, index, before), root=root)
    elif isinstance(node, CommentedSeq):
        for index, child in enumerate(node):
            where = _before(node, list(range(len(node))), index, before)
            _reorder(child, (*loc, index), where, root=root)


def _before(node: Any, keys: list[Any], index: int, outer: Before | None) -> Before | None:
    if index == 0:
        return outer
    previous = keys[index - 1]
    return lambda lines: push_key_tail(node, previous, lines)


def _move_keys(
    node: CommentedMap, present: list[Any], wanted: list[Any], outer: Before | None
) -> None:
    """Reorder ``node``; the lines before each key (and after the last) move with it."""
    lines_before: dict[Any, str] = {}
    for index, key in enumerate(present):
        lines = pop_key_tail(node, key)
        lines_before[present[index + 1] if index + 1 < len(present) else None] = lines
    for key in wanted:
        node.move_to_end(key)
    for index, key in enumerate(wanted):
        lines = lines_before.get(key, "")
        if index:
            push_key_tail(node, wanted[index - 1], lines)
        elif outer is not None:
            outer(lines)
        else:
            push_key_tail(node, key, lines)  # the document's first key: nowhere before it
    push_key_tail(node, wanted[-1], lines_before.get(None, ""))
