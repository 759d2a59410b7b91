"""Progress events, counted and delivered one at a time.

Workers settle changes concurrently; this counter numbers them under a lock and calls
``on_event`` while holding it, so a callback sees ``done`` strictly increase and is never
entered by two threads at once. It is still called from worker threads: it must not rely on
running in the caller's thread, and must be quick and must not raise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from mhsync.executor.report import EventKind, ProgressEvent

OnEvent = Callable[[ProgressEvent], None]


class Progress:
    def __init__(self, total: int, on_event: OnEvent | None) -> None:
        self.total = total
        self._on_event = on_event
        self._done = 0
        self._lock = threading.Lock()

    def start(self, message: str) -> None:
        self._emit("start", None, 0, message)

    def settled(self, kind: EventKind, address: str, message: str) -> None:
        """One change done, adopted or failed."""
        self._emit(kind, address, 1, message)

    def skipped(self, count: int) -> None:
        """Changes that will not be attempted: counted, not announced (``finish`` tells)."""
        with self._lock:
            self._done += count

    def finish(self, message: str) -> None:
        self._emit("finish", None, 0, message)

    def _emit(self, kind: EventKind, address: str | None, step: int, message: str) -> None:
        with self._lock:
            self._done += step
            if self._on_event is not None:
                self._on_event(ProgressEvent(kind, address, self._done, self.total, message))
