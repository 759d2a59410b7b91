"""SQLite persistence of the sandbox workspace and its request log.

One row per agent holds the whole agent as a JSON document (sections, appointments, intents and
webhooks included), so every request is one load-modify-save inside one transaction. The database
may be ``:memory:`` (private to one :class:`Store`) or a file shared by several processes, e.g. a
``serve`` process and a test; a file runs in WAL mode and every transaction starts with
``BEGIN IMMEDIATE`` so writers from different processes queue instead of failing. Within a process
one lock serialises use of the single connection, which is shared by all handler threads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL UNIQUE,
    deleted_at TEXT,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER NOT NULL,
    dropped INTEGER NOT NULL,
    fault TEXT
);
"""


@dataclass(frozen=True)
class RequestLogEntry:
    """One request as the sandbox saw it.

    ``path`` is the full request path without the query string (e.g. ``/api/v1/agents``), ``query``
    the raw query string. ``status`` is the status the sandbox produced, also for a
    ``drop_after_commit`` whose answer the client never saw; it is 0 for ``drop_before``.
    ``fault`` names the injected fault, if any (``"429"``, ``"drop_before"``, ``"latency:50"``...).
    """

    method: str
    path: str
    status: int
    dropped: bool
    query: str = ""
    fault: str | None = None


class Tx:
    """Operations valid inside one transaction; only the handler's resources use it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def load_agent(self, agent_uuid: str) -> Doc | None:
        """The live (not soft-deleted) agent document, or None."""
        row = self._conn.execute(
            "SELECT doc FROM agents WHERE uuid = ? AND deleted_at IS NULL", (agent_uuid,)
        ).fetchone()
        return None if row is None else _decode(row[0])

    def agent_is_live(self, agent_uuid: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM agents WHERE uuid = ? AND deleted_at IS NULL", (agent_uuid,)
        ).fetchone()
        return row is not None

    def insert_agent(self, doc: Doc) -> None:
        self._conn.execute(
            "INSERT INTO agents (uuid, doc) VALUES (?, ?)", (doc["agent_uuid"], _encode(doc))
        )

    def save_agent(self, doc: Doc) -> None:
        self._conn.execute(
            "UPDATE agents SET doc = ? WHERE uuid = ?", (_encode(doc), doc["agent_uuid"])
        )

    def soft_delete_agent(self, agent_uuid: str, deleted_at: str) -> None:
        self._conn.execute(
            "UPDATE agents SET deleted_at = ? WHERE uuid = ?", (deleted_at, agent_uuid)
        )

    def list_agents(self, offset: int, limit: int) -> tuple[list[Doc], int]:
        """One page of live agents in creation order, and the total count."""
        total = self._conn.execute(
            "SELECT COUNT(*) FROM agents WHERE deleted_at IS NULL"
        ).fetchone()[0]
        rows = self._conn.execute(
            "SELECT doc FROM agents WHERE deleted_at IS NULL ORDER BY seq LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [_decode(row[0]) for row in rows], int(total)


_JOURNALS = ("", "-wal", "-shm", "-journal")


def _make_private(db_file: Path) -> None:
    """The database holds webhook secrets: owner-only (0600), created so and never wider.

    The file is created before SQLite opens it, so it is never readable by others for a moment;
    SQLite gives its journals the database file's mode. A file left by an older version (or a
    journal of it) is tightened.
    """
    os.close(os.open(db_file, os.O_CREAT | os.O_RDWR, 0o600))
    for suffix in _JOURNALS:
        journal = db_file.with_name(db_file.name + suffix)
        if journal.exists() and journal.stat().st_mode & 0o077:
            journal.chmod(0o600)


def _encode(doc: Doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def _decode(text: str) -> Doc:
    doc: Doc = json.loads(text)
    return doc


class Store:
    """The connection, its lock, the transactions and the request log."""

    def __init__(self, db_path: str) -> None:
        memory = db_path == ":memory:"
        if not memory:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            _make_private(Path(db_path))
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            db_path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout = 30000")
            if not memory:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Everything in the block commits together, or nothing does (on any exception)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def log_request(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO request_log (method, path, query, status, dropped, fault)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    entry.method,
                    entry.path,
                    entry.query,
                    entry.status,
                    int(entry.dropped),
                    entry.fault,
                ),
            )

    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT method, path, status, dropped, query, fault FROM request_log ORDER BY id"
            ).fetchall()
        return [
            RequestLogEntry(method, path, int(status), bool(dropped), query, fault)
            for method, path, status, dropped, query, fault in rows
        ]

    def clear_request_log(self) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM request_log")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
