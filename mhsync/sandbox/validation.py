"""Generic field checks: the sandbox's reading of Laravel-style validation rules.

Each resource declares its fields as a tuple of :class:`Field`; :func:`build` checks a request
object against them in declaration order and returns the complete stored form, with defaults filled
in. The first failure raises a 422 naming the field with its full dotted path (``guard_rules.1.
then_action``), which is what clients show to users. Unknown keys are ignored silently, as Laravel
does. A JSON ``null`` counts as absent: it fails ``required`` and otherwise means "the default".
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from .wire import validation_error

Kind = Literal[
    "string",  # a string; when required it must not be blank
    "int",
    "number",
    "bool",
    "url",  # an absolute http(s) URL with a host
    "enum",  # one string out of ``choices``
    "enum_list",  # a list of strings out of ``choices``
    "string_list",
    "object",
    "list",  # a list of anything (nested items are checked by the caller)
    "any",
]


@dataclass(frozen=True)
class Field:
    """One request field: its kind, whether it is required, and its server default."""

    name: str
    kind: Kind = "string"
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def label(name: str) -> str:
    return name.replace("_", " ")


def required_error(path: str, name: str) -> Exception:
    return validation_error(path, f"The {label(name)} field is required.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_value(spec: Field, value: Any, path: str) -> Any:
    """Check one present, non-null value; return it (copied) or raise a 422 for ``path``."""
    name = label(spec.name)
    kind = spec.kind
    if kind == "string":
        if not isinstance(value, str):
            raise validation_error(path, f"The {name} field must be a string.")
        if spec.required and not value.strip():
            raise required_error(path, spec.name)
    elif kind == "url":
        if not is_url(value, ("http", "https")):
            raise validation_error(path, f"The {name} field must be a valid URL.")
    elif kind == "int":
        if not _is_int(value):
            raise validation_error(path, f"The {name} field must be an integer.")
    elif kind == "number":
        if not _is_number(value):
            raise validation_error(path, f"The {name} field must be a number.")
        if spec.minimum is not None and value < spec.minimum:
            raise validation_error(path, f"The {name} field must be at least {spec.minimum}.")
        if spec.maximum is not None and value > spec.maximum:
            raise validation_error(path, f"The {name} field must not exceed {spec.maximum}.")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise validation_error(path, f"The {name} field must be true or false.")
    elif kind == "enum":
        if value not in spec.choices:
            allowed = ", ".join(spec.choices)
            raise validation_error(path, f"The selected {name} is invalid (one of: {allowed}).")
    elif kind in ("enum_list", "string_list"):
        value = _check_string_list(spec, value, path)
    elif kind == "object":
        if not isinstance(value, dict):
            raise validation_error(path, f"The {name} field must be an object.")
    elif kind == "list" and not isinstance(value, list):
        raise validation_error(path, f"The {name} field must be an array.")
    return copy.deepcopy(value)


def is_url(value: Any, schemes: tuple[str, ...]) -> bool:
    """An absolute URL with one of ``schemes`` and a host (Laravel's ``url`` rule, roughly)."""
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in schemes and bool(parts.hostname)


def _check_string_list(spec: Field, value: Any, path: str) -> list[str]:
    name = label(spec.name)
    if not isinstance(value, list):
        raise validation_error(path, f"The {name} field must be an array.")
    if spec.required and not value:
        raise required_error(path, spec.name)
    for index, element in enumerate(value):
        if not isinstance(element, str):
            raise validation_error(path, f"The {name}.{index} field must be a string.")
        if spec.kind == "enum_list" and element not in spec.choices:
            allowed = ", ".join(spec.choices)
            raise validation_error(
                path, f"The selected {name}.{index} is invalid (one of: {allowed})."
            )
    if spec.kind == "enum_list":
        return list(dict.fromkeys(value))
    return list(value)


def build(fields: tuple[Field, ...], data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Validate ``data`` against ``fields``; return every field, defaults filled in, in order."""
    result: dict[str, Any] = {}
    for spec in fields:
        path = prefix + spec.name
        value = data.get(spec.name)
        if value is None:
            if spec.required:
                raise required_error(path, spec.name)
            result[spec.name] = copy.deepcopy(spec.default)
        else:
            result[spec.name] = check_value(spec, value, path)
    return result


def require_present(data: Mapping[str, Any], names: Iterable[str], prefix: str = "") -> None:
    """Fields a request must carry even where the rest may be left out (a PATCH body)."""
    for name in names:
        if data.get(name) is None:
            raise required_error(prefix + name, name)


def require_object(value: Any, path: str) -> dict[str, Any]:
    """The body (or a nested item) must be a JSON object."""
    if not isinstance(value, dict):
        where = path or "body"
        raise validation_error(path or "body", f"The {label(where)} must be an object.")
    return value


def require_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise validation_error(path, f"The {label(path)} field must be an array.")
    return value


def pick(fields: tuple[Field, ...], data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the keys of ``data`` that ``fields`` know, so PATCH merges ignore unknown fields."""
    known = {spec.name for spec in fields}
    return {key: value for key, value in data.items() if key in known}
