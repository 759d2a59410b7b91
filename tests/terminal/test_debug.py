"""``--debug``: mhsync's own request lines (method, path, status, time), nothing of httpx or
httpcore (whose debug output includes every header), before or after the subcommand."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from tests.e2e.conftest import TOKEN, Project, Result

Mh = Callable[..., Result]
REQUEST_LINE = re.compile(r"^mhsync: (GET|POST|PUT|PATCH|DELETE) /\S* -> \d{3} in \d+\.\d{3}s")


def mhsync(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """A real process against the sandbox on a real socket (httpcore at work, as for a user)."""
    return subprocess.run(
        [sys.executable, "-m", "mhsync", *args],
        cwd=project.root,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args", [("--debug", "plan"), ("plan", "--debug")], ids=["before", "after"]
)
def test_debug_shows_mhsyncs_request_lines_only(project: Project, args: tuple[str, ...]) -> None:
    done = mhsync(project, *args)
    assert done.returncode == 0, done.stderr
    requests = [line for line in done.stderr.splitlines() if REQUEST_LINE.match(line)]
    assert requests and requests[0].startswith("mhsync: GET /agents"), done.stderr
    for word in ("httpcore", "httpx", "HTTP Request", "headers", "Bearer", TOKEN, "/api/v1/agents"):
        assert word not in done.stderr, word  # the last: httpx's own line with the whole URL


def test_debug_is_off_again_for_the_next_command_in_the_same_process(
    project: Project, mh: Mh
) -> None:
    debug = mh("plan", "--debug")
    assert any(REQUEST_LINE.match(line) for line in debug.err.splitlines()), debug.err
    quiet = mh("plan")
    assert not any(REQUEST_LINE.match(line) for line in quiet.err.splitlines()), quiet.err


def test_debug_is_accepted_after_every_subcommand() -> None:
    from mhsync.cli.main import cli

    def commands(group: object, prefix: str) -> list[tuple[str, object]]:
        found = []
        for name, command in getattr(group, "commands", {}).items():
            if hasattr(command, "commands"):
                found += commands(command, f"{prefix}{name} ")
            else:
                found.append((f"{prefix}{name}", command))
        return found

    for name, command in commands(cli, ""):
        options = {opt for p in command.params for opt in getattr(p, "opts", [])}  # type: ignore[attr-defined]
        assert "--debug" in options, name
