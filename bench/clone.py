"""Seed a sandbox database with many agents quickly: apply a few, then copy them.

Applying 10,000 agents through mhsync takes 140,000 writes (half an hour on a shared 2-core
machine). Instead ``APPLIED`` agents are applied for real (``mhsync apply`` against the embedded
sandbox), and agent ``j`` is then written straight into the database as a copy of the stored
agent ``j % APPLIED``, with every string that differs between their manifests replaced
(names, tags, URLs: the workload's strings differ only by index) and every uuid renewed
(consistently within the agent, so procedures still name their intents). The benchmark then
checks that ``mhsync plan`` of all N finds no changes, so a bad copy cannot go unnoticed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.workload import manifest

APPLIED = 20
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _replacements(source: int, target: int) -> dict[str, str]:
    """Each string of agent ``source``'s manifest that differs in agent ``target``'s."""
    pairs = zip(_leaves(manifest(source)), _leaves(manifest(target)), strict=True)
    return {a: b for a, b in pairs if isinstance(a, str) and a != b}


def _rewrite(value: Any, strings: dict[str, str], uuids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _rewrite(v, strings, uuids) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, strings, uuids) for v in value]
    if isinstance(value, str):
        if _UUID.match(value):
            return uuids.setdefault(value, str(uuid.uuid4()))
        return strings.get(value, value)
    return value


def extend(db: Path, agents: int) -> None:
    """Grow the database of the first ``APPLIED`` applied agents to ``agents`` agents."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT doc FROM agents WHERE deleted_at IS NULL").fetchall()
        stored = {}
        for (text,) in rows:
            doc = json.loads(text)
            stored[int(str(doc["name"]).rsplit(" ", 1)[1])] = doc
        if sorted(stored) != list(range(min(APPLIED, agents))):
            raise RuntimeError(f"expected agents 0..{APPLIED - 1} applied, found {sorted(stored)}")
        batch = []
        for target in range(APPLIED, agents):
            source = target % APPLIED
            doc = _rewrite(stored[source], _replacements(source, target), {})
            batch.append((doc["agent_uuid"], json.dumps(doc, separators=(",", ":"))))
        with conn:
            conn.executemany("INSERT INTO agents (uuid, doc) VALUES (?, ?)", batch)
