"""How one value is shown: inline when short, as a block of lines when long.

Secrets show as ``(sensitive value)`` (never quoted, never a value); an absent side as
``(none)``. Paths read like the manifest: ``guidelines[0].content``, ``webhook.auth_token``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from mhsync.state import SECRET_SET

LONG = 60
"""Strings longer than this (or on several lines) are shown as blocks and word-diffed."""

Path = tuple[str, ...]


def inline(value: Any, *, sensitive: bool = False) -> str:
    if value is None:
        return "(none)"
    if sensitive or value == SECRET_SET:
        return SECRET_SET
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def is_long(value: Any) -> bool:
    if isinstance(value, str) and "\n" in value:
        return True
    return len(inline(value)) > LONG


def block(value: Any) -> list[str]:
    """A long value as lines: prose as written, data as indented JSON."""
    if isinstance(value, str):
        return value.split("\n")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).split("\n")


def flatten(value: Any, prefix: Path = ()) -> list[tuple[Path, Any]]:
    """Leaves of a value: objects and lists of objects are walked, everything else is a leaf."""
    if isinstance(value, dict) and value:
        return [leaf for key in sorted(value) for leaf in flatten(value[key], (*prefix, key))]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in flatten(v, (*prefix, str(i)))]
    return [(prefix, value)]


def display(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def under(path: Path, sensitive: Iterable[Path]) -> bool:
    """Is ``path`` a sensitive path or inside one?"""
    return any(path[: len(s)] == s for s in sensitive)
