"""The project lock: one ``apply`` at a time per project directory.

An OS lock (``fcntl.flock``) on ``<project root>/.mhsync/apply.lock``: the kernel drops it when
the process ends, however it ends (a killed run leaves no stale lock), and a second run in the
same project is refused at once with a clear message. The file only carries the holder's pid
and start time for that message; its existence means nothing. Runs from other directories or
machines are not seen here: they are settled by the executor (``executor.concurrent``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mhsync.config import STATE_DIR
from mhsync.errors import ConfigError

LOCK_FILE = "apply.lock"


class LockHeldError(ConfigError):
    """Another apply holds the project lock."""


@contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Hold the apply lock of the project at ``root`` for the block; refuse when it is held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no local lock, the executor still settles
        yield
        return
    directory = root / STATE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise LockHeldError(
                f"another mhsync apply is running in this project ({holder or 'pid unknown'}; "
                f"lock {path}); wait for it to finish and run apply again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%H:%M:%S')}".encode(), 0)
        yield
    finally:
        os.close(fd)
