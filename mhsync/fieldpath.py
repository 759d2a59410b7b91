"""``FieldPath``: the one type of a path to a value inside canonical data.

Plans, states and descriptors name places inside item and object fields by path:
``webhook.auth_token`` (a sensitive field), ``voice.normalizers.Dr\\.`` (a changed settings
leaf whose key holds a dot), ``0.secret_key`` (an item of a replaced list), ``intents.0.webhook``
(an embedded section of an agent create). Before this type each user split and joined the text
itself, slightly differently, so a key holding a dot became two keys on the way to the API.

The text form is the plan file's: parts joined by ``.``, where a part's own ``.`` and ``\\`` are
written ``\\.`` and ``\\\\``. Paths whose parts hold neither (every path mhsync wrote before this
type) read and write exactly as they always did, so plan files keep their format. A list index is
a part of decimal digits; whether it indexes a list or names a key is for the data to say.

``FieldPath`` is a ``str`` (its text), so it is a plan file's JSON string, a dict key, and
compares and sorts as that text; ``parts`` is the decoded tuple. Build one with
``FieldPath(text)`` (the parse) or ``FieldPath.of(*parts)`` (the format); never split or join the
text by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

SEPARATOR = "."
ESCAPE = "\\"


def _format(parts: tuple[str, ...]) -> str:
    text = SEPARATOR.join(parts)
    if ESCAPE not in text and text.count(SEPARATOR) == len(parts) - 1:
        return text  # no part holds a separator or an escape: the common case
    return SEPARATOR.join(
        part.replace(ESCAPE, ESCAPE * 2).replace(SEPARATOR, ESCAPE + SEPARATOR) for part in parts
    )


def _parse(text: str) -> tuple[str, ...]:
    """Parts of ``text``. A ``\\`` before anything but ``.`` or ``\\`` is a plain character (as
    it was before escapes existed), so any text reads; the empty text is one empty part."""
    if ESCAPE not in text:
        return tuple(text.split(SEPARATOR))
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1 : index + 2]
        if char == ESCAPE and following in (SEPARATOR, ESCAPE):
            current.append(following)
            index += 2
            continue
        if char == SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return tuple(parts)


class FieldPath(str):
    """A path of one or more parts into JSON-like data; immutable, hashable, its text a ``str``.

    Equal paths have equal text and equal parts (the text is always the canonical format of
    the parts). Sorting is by text, as plan files always sorted their paths.
    """

    def __new__(cls, text: str) -> FieldPath:
        if type(text) is cls:
            return text
        parts = _parse(str(text))
        made = super().__new__(cls, _format(parts))
        made.__dict__["parts"] = parts
        return made

    @classmethod
    def of(cls, *parts: str | int) -> FieldPath:
        """The path of these parts (ints are list indexes); the one format."""
        if not parts:
            raise ValueError("a field path has at least one part")
        names = tuple(str(part) for part in parts)
        made = super().__new__(cls, _format(names))
        made.__dict__["parts"] = names
        return made

    @cached_property
    def parts(self) -> tuple[str, ...]:
        """The decoded parts: ``FieldPath.of(*p.parts) == p``."""
        return _parse(str(self))

    @property
    def head(self) -> str:
        """The first part: the top-level field a path lies in."""
        return self.parts[0]

    def under(self, *prefix: str | int) -> FieldPath:
        """This path inside ``prefix`` (a section key, a list index)."""
        return FieldPath.of(*prefix, *self.parts)

    def child(self, *parts: str | int) -> FieldPath:
        """A path inside this one."""
        return FieldPath.of(*self.parts, *parts)

    def within(self, *prefix: str | int) -> FieldPath | None:
        """This path relative to ``prefix`` when it lies strictly inside it, else None."""
        names = tuple(str(part) for part in prefix)
        own = self.parts
        if len(own) <= len(names) or own[: len(names)] != names:
            return None
        return FieldPath.of(*own[len(names) :])

    def is_inside(self, other: FieldPath) -> bool:
        """This path equals ``other`` or lies inside it."""
        theirs = other.parts
        return self.parts[: len(theirs)] == theirs

    def __repr__(self) -> str:
        return f"FieldPath({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FieldPath, (str(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> FieldPath:
        return self

    def __copy__(self) -> FieldPath:
        return self

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """A JSON string in plan files (the schema says ``string``), a ``FieldPath`` in memory;
        a ``FieldPath`` given in Python is kept as it is (no second parse)."""
        from_text = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_text,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_text]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, when_used="json"
            ),
        )


def list_index(part: str) -> int | None:
    """The list index a part spells (``str(index)``: ASCII digits, no leading zero), else None."""
    if not (part.isascii() and part.isdigit()) or (part != "0" and part.startswith("0")):
        return None
    return int(part)


def field_paths(texts: Iterable[str]) -> frozenset[FieldPath]:
    """Paths from their texts (descriptor tables write paths as text)."""
    return frozenset(FieldPath(text) for text in texts)
