"""Reading YAML safely into plain data, remembering where every key and value was written.

The reader composes the YAML node graph (with libyaml through PyYAML's C composer where it can,
ruamel.yaml's pure composer otherwise: see ``C_COMPOSER_MAX_DEPTH``) and builds plain Python
data from it itself, instead of using a constructor, because that gives three things a
constructor does not:

- a position (1-based line and column) for every key and value, so any later check can point
  at the exact place in the file;
- every duplicate key reported (not just the first), and parsing goes on;
- a hard bound on the work done: aliases share one node in the graph, so a "billion laughs" file
  is small to compose and is stopped while being expanded, after ``MAX_ALIAS_NODES`` values
  reached through aliases (without aliases the size bound of the file bounds the work).

Dates and times stay strings (manifests have no date fields), and tags other than YAML's core
ones are refused, so no YAML feature can smuggle in a Python object.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from sys import intern
from typing import Any, Literal, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
)
from ruamel.yaml.resolver import VersionedResolver, implicit_resolvers

from mhsync.manifest.diagnostics import Diagnostic, Severity

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Files above this are refused before they are read."""

MAX_ALIAS_NODES = 50_000
"""Most values one document may build through aliases (each use of an alias counts again)."""

MAX_DEPTH = 64
"""Deepest nesting accepted; also stops self-referencing aliases."""

MAX_VALUES = 200_000
"""Most values (scalars, collections, alias uses) written in one file; a manifest of one agent
holds a few hundred, a file of 500 agents about 160,000. Bounds memory: composing keeps every
node (about 600 bytes each)."""

PRECHECK_CHARS = 256 * 1024
"""Files longer than this have their values counted before they are composed (a shorter file
cannot hold much more than ``PRECHECK_CHARS / 2`` values)."""

Loc = tuple[str | int, ...]
"""A place in a document: mapping keys and list indices from the root."""

Anchor = Literal["value", "key", "container"]
"""What a diagnostic points at: the value, its key, or the mapping that should hold the key."""

Node = Any
"""A composed YAML node, of ruamel's composer or PyYAML's (same ``id``, ``tag``, ``value`` and
``start_mark``)."""

_CORE = "tag:yaml.org,2002:"
_MERGE = _CORE + "merge"


def format_loc(loc: Loc) -> str:
    """``("spec", "guard_rules", 1, "then_action")`` -> ``spec.guard_rules[1].then_action``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Mark(NamedTuple):
    """A 1-based line and column (a tuple: a document keeps one per key and value)."""

    line: int
    col: int


Packed = int
"""A position as one int, ``line << COL_BITS | col``: a document keeps one for every key and
value, and an int takes half the memory of a tuple of two (``Mark`` is made only when asked)."""

COL_BITS = 24
"""Columns and lines up to 16,777,215: more than a file of ``MAX_FILE_BYTES`` can hold."""
_COL_MASK = (1 << COL_BITS) - 1


def unpack(packed: Packed) -> Mark:
    return Mark(packed >> COL_BITS, packed & _COL_MASK)


Positions = tuple[dict[Loc, Packed], dict[Loc, Packed]]
"""Where the keys and the values of one document were written, by place."""


class Marks:
    """The position of every key and value of one document, read when first asked for.

    A document that validates is only ever asked where it starts and which lines it spans, and
    keeping a dictionary entry and a tuple for each of its keys and values was a third of
    reading YAML and half the memory of a loaded agent. So the reader builds plain data alone,
    notes those two lines, and gives the document a ``read`` that composes its file again with
    positions the first time a diagnostic (or anything else) asks where a value is: the same
    composer on the same text gives the same nodes, so the positions are those a first reading
    with positions gives (``tests/proof/test_yaml_parity.py``).
    """

    __slots__ = ("_keys", "_read", "_values", "last_line", "root")

    def __init__(
        self, keys: dict[Loc, Packed] | None = None, values: dict[Loc, Packed] | None = None
    ) -> None:
        self._keys = {} if keys is None else keys
        self._values = {} if values is None else values
        self._read: Callable[[], Positions] | None = None
        self.root: Packed | None = None
        self.last_line = 0

    @classmethod
    def later(cls, read: Callable[[], Positions], root: Packed, last_line: int) -> Marks:
        """Positions ``read`` gives when first needed; ``root`` and ``last_line`` known now."""
        marks = cls()
        marks._read, marks.root, marks.last_line = read, root, last_line
        return marks

    @property
    def held(self) -> bool:
        """Whether the positions are held (not still to be read)."""
        return self._read is None

    def _load(self) -> None:
        if self._read is not None:
            self._keys, self._values = self._read()
            self._read = None

    @property
    def keys(self) -> dict[Loc, Packed]:
        self._load()
        return self._keys

    @property
    def values(self) -> dict[Loc, Packed]:
        self._load()
        return self._values

    def value_mark(self, loc: Loc) -> Mark:
        """Where the value at ``loc`` was written (or its nearest written ancestor)."""
        if not loc and self._read is not None and self.root is not None:
            return unpack(self.root)
        values = self.values
        for end in range(len(loc), -1, -1):
            packed = values.get(loc[:end])
            if packed is not None:
                return unpack(packed)
        return Mark(1, 1)

    def key_mark(self, loc: Loc) -> Mark:
        """Where the key of ``loc`` was written; for list items, where the item starts."""
        packed = self.keys.get(loc)
        return unpack(packed) if packed is not None else self.value_mark(loc)

    def line_span(self) -> tuple[int, int] | None:
        """The first and last line holding a key or value of the document."""
        if self._read is not None and self.root is not None:
            return self.root >> COL_BITS, self.last_line
        if not self._values:
            return None
        marks = (*self._keys.values(), *self._values.values())
        return min(marks) >> COL_BITS, max(marks) >> COL_BITS


@dataclass
class SourceDoc:
    """One YAML document as plain data, with the position of every key and value."""

    file: str
    index: int
    data: Any
    marks: Marks = field(default_factory=Marks)
    references: int | None = field(default=None, init=False, repr=False, compare=False)
    """How many string values of ``data`` held ``${`` when it was read (``None``: not counted),
    so that substitution can tell a document with no reference outside its secret fields
    without walking it (``variables.substitute``). Not a constructor argument: a document made
    from another (composed, copied) has no count. An upper bound: what rewrites ``data`` in
    place may turn such a string into one without ``${`` (``files.inline_files``), never
    the other way round."""

    @property
    def keys(self) -> dict[Loc, Packed]:
        """Where each key was written (read on first use: see ``Marks``)."""
        return self.marks.keys

    @property
    def values(self) -> dict[Loc, Packed]:
        """Where each value was written (read on first use: see ``Marks``)."""
        return self.marks.values

    def value_mark(self, loc: Loc) -> Mark:
        """Where the value at ``loc`` was written (or its nearest written ancestor)."""
        return self.marks.value_mark(loc)

    def key_mark(self, loc: Loc) -> Mark:
        """Where the key of ``loc`` was written; for list items, where the item starts."""
        return self.marks.key_mark(loc)

    def release(self) -> None:
        """Drop the data and positions once loading is over (the document stays known by file
        and index): they are half the memory of a loaded agent, and only loading reads them."""
        self.data = None
        self.marks = Marks()

    def line_span(self) -> tuple[int, int] | None:
        """The first and last line holding a key or value of this document."""
        return self.marks.line_span()

    def container_mark(self, loc: Loc) -> Mark:
        """Where the mapping holding ``loc`` starts (used for missing keys)."""
        return self.value_mark(loc[:-1])

    def diagnostic(
        self,
        loc: Loc,
        message: str,
        *,
        code: str,
        at: Anchor = "value",
        severity: Severity = "error",
        hint: str | None = None,
    ) -> Diagnostic:
        """A diagnostic about ``loc``: at its value, its key, or the mapping that should hold it."""
        marks = {"value": self.value_mark, "key": self.key_mark, "container": self.container_mark}
        mark = marks[at](loc)
        path = format_loc(loc)
        return Diagnostic(
            file=self.file,
            line=mark.line,
            col=mark.col,
            path=path,
            message=message,
            severity=severity,
            hint=hint,
            code=code,
        )

    def get(self, loc: Loc) -> Any:
        """The plain value at ``loc``, or ``None`` when there is none."""
        node: Any = self.data
        for part in loc:
            if isinstance(part, int):
                if not isinstance(node, list) or not 0 <= part < len(node):
                    return None
            elif not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


class _Refused(Exception):
    """A document that must not be built further; carries the diagnostic to report."""

    def __init__(self, mark: Mark, message: str, code: str, loc: Loc = ()) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message
        self.code = code
        self.loc = loc


def _mark(node: Node) -> Mark:
    start = node.start_mark
    return Mark(start.line + 1, start.column + 1)


def _packed(node: Node) -> Packed:
    start = node.start_mark
    packed: Packed = ((start.line + 1) << COL_BITS) | (start.column + 1)
    return packed


_MAP, _SEQ, _NULL = _CORE + "map", _CORE + "seq", _CORE + "null"


class _Builder:
    """Turns one composed document into plain data and positions, within the bounds.

    It reads nodes of either composer (ruamel's or PyYAML's): both have the same ``id``,
    ``tag``, ``value`` and ``start_mark``.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.keys: dict[Loc, Packed] = {}
        self.values: dict[Loc, Packed] = {}
        self.aliased = 0
        self.seen: set[int] = set()
        self.duplicates: list[Diagnostic] = []

    def build(self, node: Node, loc: Loc, depth: int, via_alias: bool = False) -> Any:
        seen = self.seen
        ident = id(node)
        if via_alias or ident in seen:
            via_alias = True
            self.aliased += 1
            if self.aliased > MAX_ALIAS_NODES:
                raise _Refused(
                    _mark(node),
                    f"aliases expand to more than {MAX_ALIAS_NODES} values; refused",
                    "yaml-alias-bomb",
                    loc,
                )
        else:
            seen.add(ident)
        if depth > MAX_DEPTH:
            raise _Refused(
                _mark(node),
                f"nesting deeper than {MAX_DEPTH} levels (or an alias that refers to itself)",
                "yaml-too-deep",
                loc,
            )
        values = self.values
        if loc not in values:
            values[loc] = _packed(node)
        kind = node.id
        if kind == "scalar":
            return _scalar(node, loc)
        if kind == "mapping":
            return self._mapping(node, loc, depth, via_alias)
        if kind == "sequence":
            if node.tag != _SEQ:
                raise _unsupported(node, loc)
            build = self.build
            return [
                build(item, (*loc, i), depth + 1, via_alias) for i, item in enumerate(node.value)
            ]
        raise _unsupported(node, loc)

    def _mapping(self, node: Node, loc: Loc, depth: int, via_alias: bool) -> dict[str, Any]:
        if node.tag != _MAP:
            raise _unsupported(node, loc)
        out: dict[str, Any] = {}
        merged: list[Node] = []
        keys, values, build, seen = self.keys, self.values, self.build, self.seen
        inline = not via_alias and depth < MAX_DEPTH  # scalar values built here, not by build
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(_merge_sources(value_node))
                continue
            if key_node.id != "scalar":
                raise _Refused(
                    _mark(key_node), "mapping keys must be plain scalars", "yaml-complex-key"
                )
            key = str(key_node.value)
            start = key_node.start_mark
            key_mark = ((start.line + 1) << COL_BITS) | (start.column + 1)
            child = (*loc, key)
            if key in out:
                at, first = unpack(key_mark), unpack(keys[child])
                self.duplicates.append(
                    Diagnostic(
                        file=self.file,
                        line=at.line,
                        col=at.col,
                        path=format_loc(child),
                        message=f"duplicate key `{key}` (first at line {first.line})",
                        code="yaml-duplicate-key",
                    )
                )
                continue
            keys[child] = key_mark
            if value_node.id == "scalar":
                if value_node.tag == _NULL and value_node.value == "":
                    values[child] = key_mark
                if inline and id(value_node) not in seen:  # what build does, without the call
                    seen.add(id(value_node))
                    if child not in values:
                        start = value_node.start_mark
                        values[child] = ((start.line + 1) << COL_BITS) | (start.column + 1)
                    out[key] = _scalar(value_node, child)
                    continue
            out[key] = build(value_node, child, depth + 1, via_alias)
        for source in merged:
            for key_node, value_node in source.value:
                key = self._key(key_node)
                if key not in out:
                    child = (*loc, key)
                    keys[child] = _packed(key_node)
                    out[key] = build(value_node, child, depth + 1, via_alias)
        return out

    @staticmethod
    def _key(node: Node) -> str:
        if node.id != "scalar":
            raise _Refused(_mark(node), "mapping keys must be plain scalars", "yaml-complex-key")
        return str(node.value)


class _Unusual(Exception):
    """A document the plain reader leaves to ``_Builder``, which reads the same nodes again."""


def _plain(root: Node, shared: bool) -> tuple[Any, int]:
    """The plain data of one document and how many of its string values hold ``${`` (see
    ``SourceDoc.references``), or ``_Unusual`` / ``_Refused`` for anything but the common
    case: core tags, plain scalar keys, no duplicate or merge key, no alias, nesting under
    ``MAX_DEPTH``. Positions are not kept (see ``Marks``); ``_Builder`` reads every other
    document, so its diagnostics and bounds are the only ones. ``shared``: the text may use
    aliases (it has ``&`` and ``*``), so a node met twice, scalars included, is one.

    Tags may be left unresolved (``slice(kind, value, implicit)``, see ``_CLoaderTagsLater``):
    such a collection has its kind's default tag, and such a scalar resolves as the composer's
    resolver would (``_resolve``) only when it may be something else than a string: when
    ``implicit[0]`` (libyaml sets it for every plain scalar, so only a quoted or block one is
    asked) and its first character starts one of the resolvers' patterns. Those values are
    read once per process (``_plain_value``). In the loops, the nodes' own ``id``,
    ``value`` and ``style`` are read rather than the slice's fields, which Python 3.11 reads
    slowly; a duplicate key shows in the length of the result.
    """
    references = [0]
    data = _build_plain(root, 0, set(), shared, references)
    return data, references[0]


def _plain_scalar(node: Node, tag: str, references: list[int]) -> Any:
    value = _scalar(node, (), tag)
    if value.__class__ is str and "${" in value:
        references[0] += 1
    return value


def _plain_implicit(node: Node, references: list[int]) -> Any:
    """A scalar the resolver resolves implicitly, read once per process (``_plain_value``)."""
    value = _VALUES.get(node.value, _NOT_READ)
    if value is _NOT_READ:
        value = _plain_value(node)
    if value.__class__ is str and "${" in value:
        references[0] += 1
    return value


def _build_plain(
    node: Node, depth: int, seen: set[int], shared: bool, references: list[int]
) -> Any:
    """``_plain``'s recursion (a function of its own: a nested one referring to itself made a
    garbage cycle, holding ``seen``, per document); ``references[0]`` counts strings with
    ``${``."""
    kind = node.id
    tag = node.tag
    if kind == "scalar":
        if shared:
            if id(node) in seen:
                raise _Unusual
            seen.add(id(node))
        if tag.__class__ is slice:
            tag = _resolve(tag.start, tag.stop, tag.step)
        return _plain_scalar(node, tag, references)
    if depth >= MAX_DEPTH:
        raise _Unusual
    if shared:
        if id(node) in seen:
            raise _Unusual
        seen.add(id(node))
    firsts = _FIRSTS
    if kind == "sequence" and (tag.__class__ is slice or tag == _SEQ):  # slice: default
        items: list[Any] = []
        for item in node.value:
            tag = item.tag
            if tag.__class__ is slice and item.id == "scalar" and not shared:
                value = item.value  # what _scalar would make of it, without the call
                if tag.step[0] if item.style else value[:1] in firsts:
                    items.append(_plain_implicit(item, references))
                else:
                    items.append(value)
                    if "${" in value:
                        references[0] += 1
                continue
            items.append(_build_plain(item, depth + 1, seen, shared, references))
        return items
    if kind != "mapping" or (tag.__class__ is not slice and tag != _MAP):
        raise _Unusual
    out: dict[str, Any] = {}
    entries = node.value
    for key_node, value_node in entries:
        key = key_node.value
        tag = key_node.tag
        if key.__class__ is not str:  # a collection as a key
            raise _Unusual
        if tag.__class__ is slice:
            if key == "<<":  # a merge key when plain; quoted, _Builder reads it as well
                raise _Unusual
        elif key_node.id != "scalar" or tag == _MERGE:
            raise _Unusual
        key = intern(key)  # one string per key name, not per use
        tag = value_node.tag
        if tag.__class__ is slice and value_node.id == "scalar" and not shared:
            value = value_node.value  # the commonest values: what _scalar does, without a call
            if tag.step[0] if value_node.style else value[:1] in firsts:
                out[key] = _plain_implicit(value_node, references)
            else:
                out[key] = value
                if "${" in value:
                    references[0] += 1
        else:
            out[key] = _build_plain(value_node, depth + 1, seen, shared, references)
    if len(out) != len(entries):  # a duplicate key
        raise _Unusual
    return out


def _last_line(node: Node) -> int:
    """The line of the last key or value of a document ``_plain`` read: the one written last,
    at the end of its last entries (an empty value counts at its key, as ``_Builder`` has it)."""
    while node.value and node.id != "scalar":
        if node.id == "sequence":
            node = node.value[-1]
            continue
        key_node, value_node = node.value[-1]
        if _is_empty_scalar(value_node):
            node = key_node
            break
        node = value_node
    line: int = node.start_mark.line + 1
    return line


class _Later:
    """The positions of the documents of one file, read again by ``_Builder`` when one of
    them is first asked (by index, as ``_parse`` counts documents)."""

    def __init__(self, text: str, display: str) -> None:
        self.text: str | None = text
        self.display = display
        self.found: dict[int, Positions] = {}

    def positions(self, index: int) -> Positions:
        if self.text is not None:
            text, self.text = self.text, None
            for number, node in enumerate(_nodes(text, False), start=1):
                builder = _Builder(self.display)
                try:
                    builder.build(node, (), 0)
                except _Refused:
                    continue
                self.found[number] = (builder.keys, builder.values)
        return self.found.pop(index, ({}, {}))


def _merge_sources(node: Node) -> list[Node]:
    if node.id == "mapping":
        return [node]
    if node.id == "sequence" and all(n.id == "mapping" for n in node.value):
        return list(node.value)
    raise _Refused(_mark(node), "`<<` must merge a mapping or a list of mappings", "yaml-merge")


def _is_empty_scalar(node: Node) -> bool:
    return bool(node.id == "scalar" and node.value == "" and _tag_of(node) == _NULL)


def _tag_of(node: Node) -> Any:
    """The node's tag, resolved if the composer left it to be (``_CLoaderTagsLater``)."""
    tag = node.tag
    return _resolve(tag.start, tag.stop, tag.step) if tag.__class__ is slice else tag


def _resolve_tags(root: Node) -> None:
    """Resolve in place every tag the composer left unresolved in the document at ``root``,
    so that ``_Builder`` reads the nodes a resolving composer makes. Iterative (the C composer
    takes documents up to ``C_COMPOSER_MAX_DEPTH`` deep) and once per node (aliases share them)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        tag = node.tag
        if tag.__class__ is slice:
            node.tag = _resolve(tag.start, tag.stop, tag.step)
        if node.id == "sequence":
            stack.extend(node.value)
        elif node.id == "mapping":
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)


def _unsupported(node: Node, loc: Loc) -> _Refused:
    tag = str(node.tag)
    shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
    return _Refused(_mark(node), f"unsupported YAML tag `{shown}`", "yaml-tag", loc)


_TRUE = frozenset({"true", "yes", "on", "y"})


_STR, _TIMESTAMP, _BOOL = _CORE + "str", _CORE + "timestamp", _CORE + "bool"
_INT, _FLOAT = _CORE + "int", _CORE + "float"


def _scalar(node: Node, loc: Loc, tag: str | None = None) -> Any:
    """The value of a scalar node; ``tag``: its resolved tag, when the node's is not."""
    if tag is None:
        tag = node.tag
    text = str(node.value)
    if tag in (_STR, _TIMESTAMP):
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() in _TRUE  # YAML 1.1 (after a ``%YAML 1.1``) has yes/on/y too
    if tag == _INT:
        return _int(node, text)
    if tag == _FLOAT:
        return _float(node, text)
    raise _unsupported(node, loc)


def _int(node: Node, text: str) -> int:
    cleaned = text.replace("_", "")
    try:
        return int(cleaned, 0)
    except ValueError:
        pass
    try:
        return int(cleaned, 10)
    except ValueError:
        raise _Refused(_mark(node), "not a valid integer", "yaml-scalar") from None


def _float(node: Node, text: str) -> float:
    lowered = text.lower().replace("_", "")
    if lowered.lstrip("+-") == ".inf":
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    try:
        return float(lowered)
    except ValueError:
        raise _Refused(_mark(node), "not a valid number", "yaml-scalar") from None


# --- files --------------------------------------------------------------------------------------


@dataclass
class ReadResult:
    """The documents of one file (null documents left out) and the problems found reading it."""

    docs: list[SourceDoc] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""


def read_text(path: Path, display: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or why it cannot be used (too large, unreadable, not UTF-8)."""

    def problem(message: str, code: str, line: int = 0, col: int = 0) -> Diagnostic:
        return Diagnostic(file=display, line=line, col=col, message=message, code=code)

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, problem(_too_large(size), "file-too-large")
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, problem(f"cannot read file: {exc.strerror or exc}", "file-unreadable")
    if len(raw) > MAX_FILE_BYTES:
        return None, problem(_too_large(len(raw)), "file-too-large")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, problem(
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            "file-encoding",
            line,
            col,
        )


def _too_large(size: int) -> str:
    return f"file is {size} bytes; manifests may be at most {MAX_FILE_BYTES} bytes"


def parse_text(text: str, display: str) -> ReadResult:
    """Every document of ``text``; a syntax error ends the file but keeps earlier documents.

    Large or possibly deep files are checked first (``_precheck``). The fast C composer is
    then tried (see ``C_COMPOSER_MAX_DEPTH``); a file it finds broken is read again by the
    pure composer, so messages about broken YAML are the same whichever composer ran.
    """
    checked = len(text) > PRECHECK_CHARS or _depth_bound(text) > C_COMPOSER_MAX_DEPTH
    if checked:
        refused = _precheck(text, display)
        if refused is not None:
            return ReadResult(diagnostics=[refused], text=text)
    if not _pure_only(text):
        result, broken = _parse(text, display, pure=False)
        if not broken:
            return result
    if not checked:  # the pure composer recurses too: bound it before it runs
        refused = _precheck(text, display)
        if refused is not None:
            return ReadResult(diagnostics=[refused], text=text)
    return _parse(text, display, pure=True)[0]


def _precheck(text: str, display: str) -> Diagnostic | None:
    """Refuse a file that nests too deeply or holds too many values, before composing it.

    Both parsers take time that grows much faster than the file on deeply nested input (a
    few megabytes of ``[`` took minutes), libyaml's composer recurses in C, and composing
    keeps every node in memory (about 600 bytes each: 10 MB of ``[x],`` would take gigabytes).
    Parser events come one at a time, so walking them stops at the first value too deep or
    too many, whatever the size of the file. Events come from libyaml first; where it finds
    the YAML broken, the pure parser walks it again, as the pure composer is what reads such a
    file next (only up to its error: what comes before is bounded by this walk). Broken YAML
    is otherwise left to the real parse, which reports it.
    """
    for pure in (False, True):
        try:
            return _refusal(text, display, pure)
        except YAMLError:
            continue
    return None


def _refusal(text: str, display: str, pure: bool) -> Diagnostic | None:
    """The first value of ``text`` too deep or past the limit; raises on broken YAML."""
    depth = 0
    values = 0
    for event in _yaml(pure).parse(text):
        if isinstance(event, DocumentStartEvent):
            depth = 0
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, NodeEvent):
            values += 1
            if isinstance(event, CollectionStartEvent):
                depth += 1
            if depth > MAX_DEPTH + 1:  # a collection with more than MAX_DEPTH ancestors
                message, code = f"nesting deeper than {MAX_DEPTH} levels; refused", "deep"
            elif values > MAX_VALUES:
                message, code = f"more than {MAX_VALUES} values in one file; refused", "big"
            else:
                continue
            mark = event.start_mark
            return Diagnostic(
                file=display,
                line=mark.line + 1,
                col=mark.column + 1,
                message=message,
                code="yaml-too-deep" if code == "deep" else "yaml-too-many-values",
            )
    return None


def _parse(text: str, display: str, *, pure: bool) -> tuple[ReadResult, bool]:
    """The documents and diagnostics of ``text``, and whether the YAML itself was broken."""
    result = ReadResult(text=text)
    index = 0
    later = None if pure else _Later(text, display)
    shared = "&" in text and "*" in text
    try:
        for node in _nodes(text, pure, tags_later=True):
            index += 1
            if _is_empty_scalar(node):
                continue
            if later is not None:
                try:
                    data, references = _plain(node, shared)
                except (_Unusual, _Refused):
                    pass
                else:
                    marks = Marks.later(
                        partial(later.positions, index), _packed(node), _last_line(node)
                    )
                    plain = SourceDoc(display, index, data, marks)
                    plain.references = references
                    result.docs.append(plain)
                    continue
            _resolve_tags(node)
            builder = _Builder(display)
            doc = SourceDoc(display, index, None, Marks(builder.keys, builder.values))
            try:
                doc.data = builder.build(node, (), 0)
            except _Refused as refused:
                mark, path = refused.mark, format_loc(refused.loc)
                result.diagnostics.append(
                    Diagnostic(
                        file=display,
                        line=mark.line,
                        col=mark.col,
                        path=path,
                        message=refused.message,
                        code=refused.code,
                    )
                )
                continue
            result.diagnostics.extend(builder.duplicates)
            result.docs.append(doc)
    except _FAST_ERRORS:  # broken YAML: the pure composer reads it again and says why
        return result, True
    except MarkedYAMLError as exc:
        result.diagnostics.append(_syntax_diagnostic(exc, text, display))
        return result, True
    except YAMLError as exc:
        result.diagnostics.append(
            Diagnostic(file=display, message=f"YAML error: {exc}", code="yaml")
        )
        return result, True
    except RecursionError:
        result.diagnostics.append(
            Diagnostic(
                file=display, message="YAML nesting is too deep to read", code="yaml-too-deep"
            )
        )
        return result, True
    return result, False


C_COMPOSER_MAX_DEPTH = 1_000
"""Nesting the C (libyaml) composer is trusted with; deeper files are checked first.

libyaml (``ruamel.yaml.clib``) composes about eight times faster than the pure-Python composer,
which is most of the time of loading a large repository, but its composer recurses in C: tens of
thousands of nested brackets crash the process instead of raising. When ``_depth_bound`` cannot
prove a file stays under this (a thousand levels is far inside the C stack), ``_precheck`` walks
its parser events and refuses it at the first collection deeper than ``MAX_DEPTH``; a file that
passes nests at most ``MAX_DEPTH`` levels. Both composers resolve tags with the same resolver
and build the same nodes; files with a ``%YAML`` directive use the pure one (see ``_PURE_ONLY``).
"""

_PURE_ONLY = re.compile(r"(?:\A|[\r\n])%|[\x85\u2028\u2029]")
"""What only the pure composer reads as it always has: ``%YAML``/``%TAG`` directives (a
``%YAML 1.1`` changes booleans and octals), and the characters libyaml counts as line breaks
but YAML 1.2 does not (NEL, LS, PS), which would shift the line numbers of diagnostics."""


def _nodes(text: str, pure: bool, *, tags_later: bool = False) -> Iterator[Node]:
    """The root node of every document of ``text``: the pure composer, or the fastest C one.
    ``tags_later``: the C composer may leave tags unresolved (``_CLoaderTagsLater``)."""
    if pure or _CLoader is None:
        yield from _yaml(pure).compose_all(text)
        return
    loader = (_CLoaderTagsLater if tags_later else _CLoader)(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


try:  # PyYAML's libyaml binding composes nodes in C, resolving each plain scalar once
    import yaml as _pyyaml
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML without libyaml: ruamel's C composer
    _CLoader: Any = None
    _CLoaderTagsLater: Any = None
    _FAST_ERRORS: tuple[type[Exception], ...] = ()
    _SCALAR: Any = None
    _FIRSTS: frozenset[str] = frozenset()

    def _resolve(kind: Any, value: Any, implicit: Any) -> str:
        raise AssertionError("ruamel's composer resolves every tag itself")
else:

    class _Resolver12(_pyyaml.resolver.BaseResolver):
        """ruamel's YAML 1.2 implicit resolvers, in its order: the table ``_resolve`` reads.

        PyYAML's own resolver follows YAML 1.1 (``yes``/``on`` are booleans, ``017`` is octal,
        ``1:30`` is sexagesimal). Taking ruamel's table for 1.2 makes every plain scalar
        resolve to the tag the pure composer gives it (``tests/proof/test_yaml_parity.py``);
        a ``%YAML 1.1`` file goes to the pure composer (``_PURE_ONLY``).
        """

        yaml_implicit_resolvers: dict[Any, list[tuple[str, Any]]] = {}  # noqa: RUF012

    for _versions, _tag, _regexp, _first in implicit_resolvers:
        if (1, 2) in _versions:  # the pattern itself: ruamel's lazy wrapper costs a call a match
            _pattern = re.compile(_regexp.pattern, _regexp.flags)
            _Resolver12.add_implicit_resolver(_tag, _pattern, _first)

    _BY_FIRST = dict(_Resolver12.yaml_implicit_resolvers)
    _SCALAR = _pyyaml.nodes.ScalarNode
    _SEQUENCE = _pyyaml.nodes.SequenceNode

    _FIRSTS = frozenset(_BY_FIRST)
    """First characters some resolver's pattern may match (``""``: the empty scalar, null)."""

    def _resolve(kind: Any, value: Any, implicit: Any) -> str:
        """``BaseResolver.resolve`` without path resolvers (none are registered) and without
        building a list per scalar."""
        if kind is _SCALAR:
            if implicit[0]:
                for tag, regexp in _BY_FIRST.get(value[:1], ()):
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is _SEQUENCE else _MAP

    class _CLoader(_CParser):  # type: ignore[no-redef]
        """libyaml's parser and composer with the YAML 1.2 resolver; nodes only, no data.

        The composer calls three hooks for every node: ``resolve`` and the path-resolver
        hooks around it. With no path resolvers registered those do nothing, so C callables
        that do nothing stand in for them (a Python method call each was a tenth of
        composing); and no ``__dict__`` (``__slots__``): each hook is looked up on the
        instance first.
        """

        __slots__ = ()
        descend_resolver = operator.is_  # (parent, index)
        ascend_resolver = tuple  # () -> ()
        resolve = staticmethod(_resolve)

    class _CLoaderTagsLater(_CLoader):  # type: ignore[no-redef,misc]
        """``_CLoader`` leaving each tag as ``slice(kind, value, implicit)``, the resolver's
        arguments, made in C: calling the Python resolver for each of a file's nodes was a
        quarter of reading YAML, and most need no resolving (keys are only ever strings, and
        a quoted scalar or one like ``Book a service`` matches no pattern). ``_plain`` resolves
        what it must (``_resolve``); a document it leaves to ``_Builder`` has its tags resolved
        first (``_resolve_tags``), so ``_Builder`` reads what ``_CLoader`` composes."""

        __slots__ = ()
        resolve = slice

    _FAST_ERRORS = (_pyyaml.YAMLError,)


_VALUES: dict[str, Any] = {}
"""The value of each implicitly resolved scalar ``_plain_value`` read, by its text (``true``,
``2``, ``0.7`` recur in every file): immutable values, so one object can stand for all."""

_VALUES_KEPT = 4_096
"""Most values ``_VALUES`` holds (it is emptied when full: a bound on memory, not a policy)."""

_NOT_READ = object()
"""What ``_VALUES.get`` gives for a text not read yet."""


def _plain_value(node: Node) -> Any:
    """The value of a scalar the resolver resolves implicitly (``implicit[0]``), remembered in
    ``_VALUES``; ``_Refused`` for a malformed number. NaN is not remembered: it is not equal
    to itself, so one object would compare otherwise than fresh ones in containers."""
    text = node.value
    value = _scalar(node, (), _resolve(_SCALAR, text, (True, False)))
    if value == value:
        if len(_VALUES) >= _VALUES_KEPT:
            _VALUES.clear()
        _VALUES[text] = value
    return value


def _pure_only(text: str) -> bool:
    """``_PURE_ONLY.search(text)``, with cheap substring tests first (the search alone was a
    twentieth of load time)."""
    if "%" not in text and "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return False
    return _PURE_ONLY.search(text) is not None


class _FixedVersionResolver(VersionedResolver):
    """ruamel's resolver, computing the YAML version once per document stream.

    Its ``processing_version`` looks for a ``%YAML`` directive through attributes the C loader
    lacks, raising and catching two exceptions for every scalar: a fifth of load time. The C
    path only reads files without directives (``_PURE_ONLY``), so the version cannot change
    within a stream.
    """

    @property
    def processing_version(self) -> Any:
        cached = self.__dict__.get("_fixed_version")
        if cached is None:
            cached = super().processing_version
            self.__dict__["_fixed_version"] = cached
        return cached


def _yaml(pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    if not pure:
        yaml.Resolver = _FixedVersionResolver
    return yaml


_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def _depth_bound(text: str) -> int:
    """An upper bound on how deeply the nodes of ``text`` can nest, cheap to compute.

    Flow collections nest at most once per ``[`` or ``{`` in the text. Block collections that
    enclose a line start at or before its indentation, at most two per column (a mapping and
    the sequence written at its keys' indentation), and on the line itself only a ``- `` or
    ``? `` entry (or one key, or a final ``-``) opens another.
    """
    flow = text.count("[") + text.count("{")
    if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
        text = text.translate(_BREAKS)
    # The deepest line is at most the deepest indentation plus the most entries opened on one
    # line. No line opens more entries than the whole text holds openers, which is counted in
    # C and almost always small enough: only a text it does not bound looks at its lines.
    base = 2 * (_max_indent(text) + 1) + 2 + flow
    openers = _openers(text)
    if base + max(openers, 1) <= C_COMPOSER_MAX_DEPTH:
        return base + max(openers, 1)
    opened = 1  # a line without two openers opens at most one entry
    for match in _TWO_OPENERS.finditer(text):
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        line = text[start : end if end >= 0 else len(text)]
        opened = max(opened, _openers(line))
    return base + opened


def _openers(text: str) -> int:
    """How many ``- ``, ``? ``, ``-\\t`` and ``?\\t`` entry openers ``text`` holds: a count
    over the text for each, skipped when a quick search finds no ``?`` (or no tab) at all."""
    count = text.count("- ")
    tabs = "\t" in text
    if tabs:
        count += text.count("-\t")
    if "?" in text:
        count += text.count("? ") + (text.count("?\t") if tabs else 0)
    return count


def _max_indent(text: str) -> int:
    """The deepest indentation of a line of ``text`` (line breaks already ``\\n``).

    "Some line is indented at least ``k``" is a substring test done in C, true up to the
    answer and false above it, so a doubling then a bisection find the answer in a few dozen
    tests instead of a match per line. A byte order mark, which libyaml skips within an
    indentation and counts on, takes the line by line scan.
    """
    if "\ufeff" in text:
        return max(map(len, _INDENT.findall(text)), default=0)
    first = len(text) - len(text.lstrip(" "))
    low, high = 0, 1  # a line indented ``low`` exists (``0``: any line), ``high`` unknown
    while "\n" + " " * high in text:
        low, high = high, 2 * high
    while high - low > 1:  # indented ``low`` exists, ``high`` does not
        middle = (low + high) // 2
        if "\n" + " " * middle in text:
            low = middle
        else:
            high = middle
    return max(first, low)


_INDENT = re.compile(r"^[ \ufeff]*", re.MULTILINE)
"""The indentation of each line (libyaml skips a byte order mark and counts on)."""
_TWO_OPENERS = re.compile(r"[-?][ \t][^\n]*?[-?][ \t]")
"""Two ``- ``/``? `` entry openers on one line (rare: most lines open one entry or none)."""


def _syntax_diagnostic(exc: MarkedYAMLError, text: str, display: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 0
    col = mark.column + 1 if mark is not None else 0
    if mark is not None and _is_tab_at(text, mark.line, mark.column):
        return Diagnostic(
            file=display,
            line=line,
            col=col,
            message="tab character in indentation; YAML indents with spaces only",
            code="yaml-tab",
        )
    problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
    context = f" {exc.context}" if exc.context and exc.problem else ""
    return Diagnostic(
        file=display,
        line=line,
        col=col,
        message=f"YAML syntax error: {problem}{context}",
        code="yaml",
    )


def _is_tab_at(text: str, line: int, col: int) -> bool:
    lines = text.split("\n")
    return 0 <= line < len(lines) and "\t" in lines[line][: col + 1]


def read_documents(path: Path, display: str) -> ReadResult:
    """Read, decode and parse one file, within the size and expansion bounds."""
    text, problem = read_text(path, display)
    if problem is not None or text is None:
        return ReadResult(diagnostics=[problem] if problem else [])
    return parse_text(text, display)
