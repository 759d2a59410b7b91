"""Every file mhsync writes is written atomically: the old content or the new, never half.

``Path.write_text`` truncates the file before it writes: a process killed in between leaves a
manifest of 0 bytes, which loads as "no agents" and makes ``plan --prune`` delete them. Here the
new content goes to a temporary file in the same directory (same file system, so the rename is
atomic), is flushed and fsynced, takes the mode of the file it replaces (or the mode a new file
would get under the umask), and is renamed over the target; the directory is fsynced so the
rename survives a power cut. A kill at any moment leaves the target as it was or as it is meant
to be, plus at worst a hidden ``.<name>.*.tmp`` file that discovery never reads.

A symbolic link is written through (its target is replaced, the link stays).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` by ``text`` atomically (creating it when absent)."""
    write_bytes(path, text.encode(encoding))


def write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically, keeping its mode (see the module docstring)."""
    target = Path(os.path.realpath(path))
    mode = _mode_for(target)
    fd, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable (a no-op where unsupported)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def created_mode(base: int = 0o666) -> int:
    """The mode ``open`` (``base`` 0o666) or ``mkdir`` (0o777) gives under the current umask."""
    return base & ~_umask()


def _mode_for(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return created_mode()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
