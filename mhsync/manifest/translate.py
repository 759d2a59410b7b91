"""Pydantic validation errors turned into diagnostics a manifest author can act on.

Pydantic speaks of Python ("Input should be a valid string"); authors think in YAML keys. Each
error becomes a short message (``must be one of forward, end_conversation``), a position (the key
for unknown keys, the mapping for missing ones, the value otherwise) and, for misspellings, a
"did you mean" hint drawn from the keys or values valid at that place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mhsync.manifest.diagnostics import Diagnostic, did_you_mean
from mhsync.manifest.document import PATTERN_NAMES, UNION_TAGS, AgentDocument, model_at
from mhsync.manifest.yamlio import Anchor, Loc, SourceDoc

_SIMPLE = {
    "missing": "is required",
    "extra_forbidden": "unknown field",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "string_too_short": "must not be empty",
}

_ANCHORS: dict[str, Anchor] = {"extra_forbidden": "key", "missing": "container"}
_CODES = {"missing": "required", "extra_forbidden": "unknown-field", "literal_error": "enum"}


def close_match(word: str, candidates: Iterable[str]) -> str | None:
    """The nearest candidate, if one is near enough to be a likely misspelling."""
    options = list(candidates)
    found = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if found:
        return found[0]
    prefixed = [o for o in options if len(word) >= 3 and o.startswith(word)]
    return prefixed[0] if prefixed else None


def diagnostics_from(
    error: ValidationError,
    doc: SourceDoc,
    prefix: Loc,
    root: type[BaseModel] = AgentDocument,
) -> list[Diagnostic]:
    """Every error of ``error``, for data validated at ``prefix`` of ``doc``.

    ``root`` is the model of the whole document, where hints look up the valid keys.
    """
    return [_one(detail, doc, prefix, root) for detail in error.errors(include_url=False)]


def _one(detail: ErrorDetails, doc: SourceDoc, prefix: Loc, root: type[BaseModel]) -> Diagnostic:
    loc: Loc = (*prefix, *(part for part in detail["loc"] if part not in UNION_TAGS))
    kind = detail["type"]
    message, hint = _message(detail, loc, root)
    at = _ANCHORS.get(kind, "value")
    return doc.diagnostic(loc, message, code=_CODES.get(kind, "type"), at=at, hint=hint)


def _message(detail: ErrorDetails, loc: Loc, root: type[BaseModel]) -> tuple[str, str | None]:
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    value = detail.get("input")
    if kind == "extra_forbidden":
        return "unknown field", _key_hint(loc, root)
    if kind == "literal_error":
        return _literal(str(ctx.get("expected", "")), value)
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return "must be a string", "write it in quotes"
    if kind in ("string_type", "model_type", "dict_type", "list_type") and value is None:
        return f"{_SIMPLE[kind]}, not empty", None
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"must be {PATTERN_NAMES.get(pattern, f'a string matching {pattern}')}", None
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        return ("must not be empty" if least == 1 else f"must have at least {least} items"), None
    if kind in ("too_long", "string_too_long"):
        return f"must have at most {ctx.get('max_length')} characters or items", None
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "less_than_equal": ("at most", "le"),
        "greater_than": ("greater than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {_number(ctx.get(key))}", None
    if kind in _SIMPLE:
        return _SIMPLE[kind], None
    return _lower_first(detail["msg"]), None


def _literal(expected: str, value: Any) -> tuple[str, str | None]:
    choices = re.findall(r"'((?:[^'\\]|\\.)*)'", expected) or [expected]
    message = (
        f"must be {choices[0]}" if len(choices) == 1 else "must be one of " + ", ".join(choices)
    )
    near = close_match(value, choices) if isinstance(value, str) and len(choices) > 1 else None
    return message, did_you_mean(near) if near else None


def _key_hint(loc: Loc, root: type[BaseModel]) -> str | None:
    model = model_at(loc[:-1], root)
    key = loc[-1]
    if model is None or not isinstance(key, str):
        return None
    near = close_match(key, model.model_fields)
    return did_you_mean(near) if near else None


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
