"""Run mhsync, SIGKILLing itself right after it opens a watched file for writing.

``python tests/files/killhook.py <mhsync arguments>`` with ``MHSYNC_KILL_DIR`` (files under it
are watched) and optionally ``MHSYNC_KILL_MATCH`` (only paths containing this text). Both ways a
file is opened are caught: ``open``/``io.open``/``Path.open`` with a writing mode, and
``os.open`` with a writing flag (``tempfile`` uses it). The kill lands after the open has
truncated (or created) the file and before a byte is written: the worst moment for a writer.
"""

from __future__ import annotations

import builtins
import io
import os
import signal
import sys
from typing import Any

WATCHED = os.path.realpath(os.environ["MHSYNC_KILL_DIR"])
MATCH = os.environ.get("MHSYNC_KILL_MATCH", "")
_WRITING_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC


def _watched(file: Any) -> bool:
    if not isinstance(file, (str, bytes, os.PathLike)):
        return False
    path = os.path.realpath(os.fsdecode(file))
    return path.startswith(WATCHED + os.sep) and MATCH in path


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


_os_open = os.open
_io_open = io.open


def _patched_os_open(path: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
    fd = _os_open(path, flags, mode, **kwargs)
    if flags & _WRITING_FLAGS and _watched(path):
        _die()
    return fd


def _patched_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
    stream = _io_open(file, mode, *args, **kwargs)
    if any(flag in mode for flag in "wax+") and _watched(file):
        _die()
    return stream


os.open = _patched_os_open  # type: ignore[assignment]
io.open = _patched_open  # type: ignore[assignment]
builtins.open = _patched_open

if __name__ == "__main__":
    from mhsync.cli.main import run

    sys.exit(run(sys.argv[1:]))
