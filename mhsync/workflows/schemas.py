"""The published JSON Schemas (``schemas/<kind>.schema.json``): their text, and the one way to
write or check a schema file.

``mhsync schema KIND`` prints, writes (``write_schema``) or checks (``is_fresh``) them;
``export`` and ``snapshot`` write the schema their modelines point at with ``write_schema``; the
tests check the committed copies with ``is_fresh``. What a schema says is drawn from the models
that validate (``manifest/schema.py`` for manifests and fragments, ``plan.plan_json_schema`` for
plan files); this module only decides the file, the text and the write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mhsync import atomic
from mhsync.manifest.schema import agent_schema, fragment_schema
from mhsync.plan import plan_json_schema

_SCHEMAS: Mapping[str, Callable[[], dict[str, Any]]] = {
    "agent": agent_schema,
    "fragment": fragment_schema,
    "plan": plan_json_schema,
}
SCHEMA_FILES: Mapping[str, Path] = {
    kind: Path("schemas") / f"{kind}.schema.json" for kind in _SCHEMAS
}
"""Kind -> the file it is published as, relative to a project's root."""


def schema_text(kind: str) -> str:
    """The schema as the committed file holds it: two-space indent, sorted keys, final newline."""
    return json.dumps(_SCHEMAS[kind](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def is_fresh(kind: str, path: Path) -> bool:
    """True when ``path`` holds exactly the schema the models generate now."""
    return _holds(path, schema_text(kind))


def write_schema(kind: str, path: Path) -> bool:
    """Write the schema to ``path`` (atomically) unless it is fresh; True when the file changed."""
    text = schema_text(kind)
    if _holds(path, text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, text)
    return True


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):  # missing, a folder, not text: stale
        return False
