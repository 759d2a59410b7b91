"""Hostile and broken manifest files: a located error, no traceback, no network, bounded cost.

Each case is run through ``mhsync validate FILE`` and ``mhsync plan FILE`` (in-process, as the
console script runs them) in a project whose target is a real-looking URL. Every socket connect
is intercepted: a manifest error must stop everything before the network is touched. Each run
must finish in under 5 s, and a second run under ``tracemalloc`` must peak under 128 MiB.
"""

from __future__ import annotations

import re
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.proof.conftest import TOKEN_ENV, make_project, mh

HEAD = "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: bad-agent\nspec:\n  name: Bad\n"
TIME_LIMIT_S = 5.0
MEMORY_LIMIT_MIB = 128


@dataclass(frozen=True)
class Case:
    write: Callable[[Path], None]
    expect: str
    """A regular expression the error output must match right after the file name: the line
    and column (a file too large to read has none), then the message."""


def _text(content: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(content, encoding="utf-8")


def _bytes(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def _fifty_mb(path: Path) -> None:
    with path.open("wb") as out:
        out.write(HEAD.encode())
        out.write(b"  role: " + b"x" * (50 * 1024 * 1024) + b"\n")


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)

CASES = {
    "unclosed-flow": Case(
        _text(HEAD + "  guidelines: [Be nice, Be brief\n"),
        r":8:1: YAML syntax error: expected ',' or ']'",
    ),
    "bad-indentation": Case(
        _text(HEAD + "  role: a\n   tone: b\n"), r":8:8: YAML syntax error: mapping values"
    ),
    "tab-indentation": Case(_text(HEAD + "  notes:\n\t- a\n"), r":8:1: tab character"),
    "wrong-types": Case(
        _text(HEAD + "  role: [a, b]\n  speed: 5\n  guidelines: Be nice\n"),
        r":7:9: spec\.role: .*string",
    ),
    "unknown-keys": Case(_text(HEAD + "  rol: Tester\n"), r":7:3: spec\.rol: .*role"),
    "not-a-mapping": Case(_text("- a\n- b\n"), r":1:1: a manifest document must be a mapping"),
    "duplicate-keys": Case(_text(HEAD + "  role: a\n  role: b\n"), r":8:3: .*duplicate key"),
    "python-tag": Case(
        _text(HEAD + "  role: !!python/object:os.system ls\n"), r":7:9: .*unsupported YAML tag"
    ),
    "binary": Case(
        _bytes(b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 64),
        r":2:118: file is not valid UTF-8 \(byte 0x80\)",
    ),
    "invalid-utf8": Case(_bytes((HEAD + "  role: caf").encode() + b"\xe9\n"), r":7:\d+: .*UTF-8"),
    "fifty-megabytes": Case(_fifty_mb, r": file is \d+ bytes; manifests may be at most \d+ bytes"),
    "deep-flow-nesting": Case(
        _text("a: " + "[" * 4_000_000 + "]" * 4_000_000), r":1:\d+: nesting deeper than 64"
    ),
    "deep-block-nesting": Case(
        _text("".join(" " * i + "k:\n" for i in range(3000))), r":\d+:\d+: nesting deeper than 64"
    ),
    "billion-laughs": Case(_text(BOMB), r":\d+:\d+: .*aliases expand to more than"),
    "a-million-values": Case(
        _text(HEAD + "  guidelines:\n" + "  - x\n" * 1_000_000), r":\d+:\d+: more than \d+ values"
    ),
}


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every attempt to open a connection is recorded and refused."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access in a bad-input test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield attempts


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project", "https://bad-input.example.com/api/v1")
    monkeypatch.setenv(TOKEN_ENV, "tok-bad-input")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("command", ["validate", "plan"])
@pytest.mark.parametrize("name", list(CASES))
def test_bad_file_gives_a_located_error_and_touches_nothing(
    project: Path, offline: list[Any], name: str, command: str
) -> None:
    path = project / "agents" / "bad.yaml"
    CASES[name].write(path)
    started = time.perf_counter()
    result = mh(command, str(path.relative_to(project)))
    elapsed = time.perf_counter() - started
    tracemalloc.start()  # a second run for memory: tracing slows Python down several times
    try:
        traced = mh(command, str(path.relative_to(project)))
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert traced == result
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    assert re.search(r"agents/bad\.yaml" + CASES[name].expect, result.text), result.text[:2000]
    assert offline == []
    assert elapsed < TIME_LIMIT_S, f"{elapsed:.1f} s"
    assert peak < MEMORY_LIMIT_MIB, f"{peak:.0f} MiB"
