"""Keeping comments and blank lines in place while round-trip nodes are edited.

ruamel.yaml attaches whatever follows a value (its end-of-line comment, then blank lines and
comment lines up to the next key) to that value's key or list index. So the blank line that
separates ``notes:`` from ``training:`` belongs to the last note: removing that note, appending
one, or reordering keys would move or drop the separator. The fix is to detach the "tail" of a
container (everything after the first line of its deepest last value's comment) before an edit
and attach it to the new deepest last value afterwards.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Container = CommentedMap | CommentedSeq


def _slot(container: Container) -> int:
    """Where the comment after a value sits in ``ca.items[...]``: maps 2, sequences 0."""
    return 2 if isinstance(container, CommentedMap) else 0


def last_holder(node: Any) -> tuple[Container, Any] | None:
    """The container and key/index of the last scalar (or empty collection) inside ``node``."""
    if isinstance(node, CommentedMap) and len(node):
        key = list(node)[-1]
        return last_holder(node[key]) or (node, key)
    if isinstance(node, CommentedSeq) and len(node):
        return last_holder(node[-1]) or (node, len(node) - 1)
    return None


def pop_tail(node: Any) -> str:
    """Detach and return the lines that follow ``node``'s last value ("" when none)."""
    return _pop(last_holder(node))


def push_tail(node: Any, tail: str) -> None:
    """Attach ``tail`` (from :func:`pop_tail`) after ``node``'s last value."""
    _push(last_holder(node), tail)


def pop_key_tail(container: Container, key: Any) -> str:
    """Detach the lines that follow the value of ``key`` (up to the next key)."""
    return _pop(last_holder(container[key]) or (container, key))


def push_key_tail(container: Container, key: Any, tail: str) -> None:
    """Attach ``tail`` after the value of ``key``."""
    _push(last_holder(container[key]) or (container, key), tail)


def _pop(holder: tuple[Container, Any] | None) -> str:
    if holder is None:
        return ""
    container, key = holder
    entry = container.ca.items.get(key)
    slot = _slot(container)
    token = entry[slot] if entry and len(entry) > slot else None
    if not isinstance(token, CommentToken):
        return ""
    value = str(token.value)
    cut = value.find("\n")
    if cut < 0 or cut == len(value) - 1:
        return ""
    head, tail = value[: cut + 1], value[cut + 1 :]
    if head.strip():
        token.value = head
    else:
        entry[slot] = None
        if not any(entry):
            del container.ca.items[key]
    return tail


def _push(holder: tuple[Container, Any] | None, tail: str) -> None:
    if not tail or holder is None:
        return
    container, key = holder
    slot = _slot(container)
    entry = container.ca.items.setdefault(key, [None] * (4 if slot == 2 else 2))
    while len(entry) <= slot:
        entry.append(None)
    token = entry[slot]
    if isinstance(token, CommentToken):
        value = str(token.value)
        token.value = (value if value.endswith("\n") else value + "\n") + tail
    else:
        entry[slot] = CommentToken("\n" + tail, CommentMark(0), None)


def move_comment(source: Container, source_key: Any, target: Container, target_key: Any) -> None:
    """Carry the comment entry of one key/index to another (used when rebuilding a list)."""
    entry = source.ca.items.get(source_key)
    if entry is not None:
        target.ca.items[target_key] = entry


def set_eol_comment(container: Container, key: Any, text: str) -> None:
    """Put ``# text`` at the end of the line of ``key``, keeping what followed the line."""
    tail = ""
    if container.ca.items.get(key):
        probe = CommentedMap() if isinstance(container, CommentedMap) else CommentedSeq()
        probe_key: Any = "k" if isinstance(container, CommentedMap) else 0
        if isinstance(probe, CommentedMap):
            probe[probe_key] = None
        else:
            probe.append(None)
        probe.ca.items[probe_key] = container.ca.items.pop(key)
        tail = pop_tail(probe)
    container.yaml_add_eol_comment("# " + text, key)
    if tail:
        entry = container.ca.items[key]
        token = entry[_slot(container)]
        token.value = str(token.value).rstrip("\n") + "\n" + tail
