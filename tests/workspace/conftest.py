"""Two real sandbox servers (A and B, different ports) and projects that can talk to either.

Which server a command talked to is read from each server's own request log, never guessed
from an exit code. The manifests use no ``${var:...}`` so that they also load without a
project file; one webhook secret comes from ``${env:HOOK_SECRET}``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mhsync.cli.main import run
from mhsync.sandbox import Sandbox

TOKEN = "tok-WORKSPACE-MARKER-91c2"
SECRET = "sec-HOOK-MARKER-5d1e"

SERVICE = """\
apiVersion: mhsync/v1
kind: Agent
metadata:
  name: front-desk
spec:
  name: Front desk
  role: Receptionist
  objective: Greet callers
  tone: Warm
  behavior_guidelines: Be brief.
  language: en
  notes:
    - Open 9-17.
  webhooks:
    - url: https://hooks.example.com/calls
      events: [intent_call]
      secret_key: ${env:HOOK_SECRET}
"""

PARTS = """\
apiVersion: mhsync/v1
kind: Agent
metadata:
  name: parts-desk
spec:
  name: Parts desk
  role: Parts advisor
  objective: Find parts
  tone: Precise
  behavior_guidelines: Ask for the part number.
  language: en
"""


@dataclass
class Server:
    name: str
    sandbox: Sandbox
    url: str

    def requests(self) -> list[tuple[str, str]]:
        return [(e.method, e.path) for e in self.sandbox.request_log()]

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests() if m != "GET"]

    def clear(self) -> None:
        self.sandbox.clear_request_log()


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def first_line(self) -> str:
        return self.err.splitlines()[0] if self.err else ""


Mh = Callable[..., Result]


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    a = Sandbox(db_path=str(tmp_path / "server-a.db"), tokens=[TOKEN])
    b = Sandbox(db_path=str(tmp_path / "server-b.db"), tokens=[TOKEN])
    with a.serve_in_thread() as url_a, b.serve_in_thread() as url_b:
        assert url_a != url_b
        yield Server("A", a, url_a), Server("B", b, url_b)
    a.close()
    b.close()


def write_manifests(directory: Path) -> Path:
    agents = directory / "agents"
    agents.mkdir(parents=True, exist_ok=True)
    (agents / "front-desk.yaml").write_text(SERVICE, encoding="utf-8")
    (agents / "parts-desk.yaml").write_text(PARTS, encoding="utf-8")
    return agents


def write_project(root: Path, url_a: str, url_b: str, *, default: str | None = "a") -> Path:
    """A project with targets ``a`` and ``b`` (and ``ci`` without a base_url)."""
    write_manifests(root)
    default_line = f"default_target: {default}\n" if default else ""
    (root / "mhsync.yaml").write_text(
        "manifests: [agents]\n"
        + default_line
        + textwrap.dedent(
            f"""\
            targets:
              a:
                base_url: {url_a}
                token_env: MHSYNC_A_TOKEN
              b:
                base_url: {url_b}
                token_env: MHSYNC_B_TOKEN
              ci:
                token_env: MHSYNC_A_TOKEN
            """
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("MHSYNC_A_TOKEN", "MHSYNC_B_TOKEN", "MHSYNC_TOKEN"):
        monkeypatch.setenv(name, TOKEN)
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    for name in ("MHSYNC_BASE_URL", "CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def mh(capsys: pytest.CaptureFixture[str], env: pytest.MonkeyPatch) -> Mh:
    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(int(code), captured.out, captured.err)

    return invoke
