"""A terminal for mhsync: the command runs on a pseudo-terminal, as a person would see it.

``Terminal`` starts ``python -m mhsync ...`` with stdin, stdout and stderr on one pty, reads
what it prints (bounded in time) and types answers, so prompts, colours and Ctrl-C are tested
as they behave on a real terminal, not through click's test runner.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import LOCAL_STATE, REPO

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self._master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mhsync", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, pattern: str, timeout: float = 30.0) -> str:
        """Everything printed until ``pattern`` (a regex) appears; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, ANSI.sub("", self.screen)):
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} never appeared in:\n{self.screen[-3000:]}"
            ready, _, _ = select.select([self._master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self._master, 65536)
                except OSError:  # the child closed the pty
                    chunk = b""
                if not chunk and self.process.poll() is not None:
                    raise AssertionError(f"exited before {pattern!r}:\n{self.screen[-3000:]}")
                self.screen += chunk.decode("utf-8", "replace")
        return self.screen

    def type(self, text: str) -> None:
        os.write(self._master, text.encode())

    def interrupt(self) -> None:
        """Ctrl-C as the terminal sends it: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self._master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self._master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        code = self.process.wait(timeout=max(deadline - time.monotonic(), 1))
        try:
            while select.select([self._master], [], [], 0.1)[0]:
                chunk = os.read(self._master, 65536)
                if not chunk:
                    break
                self.screen += chunk.decode("utf-8", "replace")
        except OSError:
            pass
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self._master)

    @property
    def text(self) -> str:
        return ANSI.sub("", self.screen)


def sandbox_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR", "GITHUB_ACTIONS")}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    env_file = REPO / "examples" / "sandbox.env"  # older checkouts: throwaway secret values
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.is_file() else []
    for line in lines:
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    return env


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A copy of the examples in which the README's quickstart commands run (sandbox target)."""
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "examples", root / "examples", ignore=LOCAL_STATE)
    return root


@pytest.fixture
def terminal(quickstart: Path) -> Iterator[object]:
    opened: list[Terminal] = []

    def start(*args: str) -> Terminal:
        term = Terminal(list(args), quickstart, sandbox_env())
        opened.append(term)
        return term

    yield start
    for term in opened:
        term.close()


from tests.e2e.conftest import mh, project, secrets_env  # noqa: E402, F401  (fixtures)
