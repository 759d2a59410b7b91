"""Which paths of a change hold secrets, and where their ``${env:NAME}`` references go.

Values are already the ``SECRET_SET`` marker in canonical state; these lists tell renderers
which paths to mask whatever they hold, and tell the executor which references to resolve.
Paths are relative to ``after`` (and ``before``); lists of items prefix ``INDEX.``, agent
creates prefix ``SECTION.`` (objects) or ``SECTION.INDEX.`` (collections).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mhsync.fieldpath import FieldPath
from mhsync.sections import SectionDescriptor
from mhsync.state import get_path, is_empty


def sensitive_paths(descriptor: SectionDescriptor, *values: Any) -> tuple[FieldPath, ...]:
    """Sensitive paths of ``descriptor`` that hold something in any of ``values``."""
    return tuple(
        sorted(
            path
            for path in descriptor.sensitive
            if any(
                isinstance(value, Mapping) and not is_empty(get_path(value, path))
                for value in values
            )
        )
    )


def prefixed(prefix: str | int, paths: Iterable[FieldPath]) -> tuple[FieldPath, ...]:
    return tuple(path.under(prefix) for path in paths)


def prefixed_map(*prefix: str | int, mapping: Mapping[FieldPath, str]) -> dict[FieldPath, str]:
    return {path.under(*prefix): reference for path, reference in mapping.items()}


def list_sensitive(descriptor: SectionDescriptor, items: Iterable[Any]) -> tuple[FieldPath, ...]:
    """Sensitive ``INDEX.path`` entries of a list of item fields."""
    out: list[FieldPath] = []
    for index, fields in enumerate(items):
        out.extend(prefixed(index, sensitive_paths(descriptor, fields)))
    return tuple(out)
