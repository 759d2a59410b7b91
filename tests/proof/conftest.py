"""Shared machinery of the proof suites: projects, sandboxes, the CLI, and an independent count.

``inventory`` reads the workspace with plain httpx, not through mhsync, and ``expected``
reads the manifests through the loader: comparing the two says whether every desired agent and
item exists exactly once (nothing duplicated, nothing lost) without trusting the reader that
plan itself uses.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from mhsync.cli.main import run
from mhsync.config import load_project_config
from mhsync.manifest import load_manifests
from tests.e2e.conftest import LOCAL_STATE, Result

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-PROOF-MARKER-5d1e"
SECRETS = {
    "VOLVO_DMS_WEBHOOK_SECRET": "sec-PROOF-DMS-91",
    "VOLVO_CRM_WEBHOOK_SECRET": "sec-PROOF-CRM-92",
    "VOLVO_BOOKING_API_TOKEN": "sec-PROOF-BOOK-93",
    "SUPPORT_WEBHOOK_SECRET": "sec-PROOF-SUP-94",
    "PROOF_HOOK_SECRET": "sec-PROOF-HOOK-95",
    "PROOF_INTENT_TOKEN": "sec-PROOF-INTENT-96",
}
MARKERS = (TOKEN, *SECRETS.values())
TOKEN_ENV = "MHSYNC_PROOF_TOKEN"

IDENTITY = {
    "guidelines": "content",
    "notes": "content",
    "training": "content",
    "routing_rules": "department_name",
    "guard_rules": "name",
    "procedures": "name",
    "intents": "key",
    "webhooks": "url",
}
"""How to tell items apart in raw API data (written here, not taken from mhsync)."""
POSITIONAL = frozenset({"guidelines", "notes"})
SEPARATE = ("intents", "webhooks")


def mh(*args: str) -> Result:
    """One mhsync command in-process, exactly as the console script runs it."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(list(args))
    return Result(int(code), out.getvalue(), err.getvalue())


def environment() -> dict[str, str]:
    return {**SECRETS, TOKEN_ENV: TOKEN}


@pytest.fixture
def proof_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("MHSYNC_BASE_URL", raising=False)


def make_project(root: Path, base_url: str, manifests: list[dict[str, Any]] | None = None) -> Path:
    """A project: the examples (or ``manifests``) and a default target ``local`` at ``base_url``."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(REPO / "examples", root, ignore=LOCAL_STATE)
    yaml = YAML()
    config = yaml.load((root / "mhsync.yaml").read_text(encoding="utf-8"))
    config["targets"]["local"] = {
        "base_url": base_url,
        "token_env": TOKEN_ENV,
        "vars": dict(config["targets"]["sandbox"]["vars"]),
    }
    config["default_target"] = "local"
    with (root / "mhsync.yaml").open("w", encoding="utf-8") as out:
        yaml.dump(config, out)
    if manifests is not None:
        write_manifests(root, manifests)
    return root


def write_manifests(root: Path, manifests: list[dict[str, Any]]) -> None:
    """Replace the project's manifests by ``manifests`` (one file per agent)."""
    agents = root / "agents"
    shutil.rmtree(agents)
    agents.mkdir()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    for document in manifests:
        with (agents / f"{document['metadata']['name']}.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(document, out)


@contextmanager
def in_directory(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


# --- the independent count ----------------------------------------------------------------------

Inventory = dict[str, dict[str, list[str]]]
"""Agent name -> section -> identities (positional sections in order, others sorted)."""


def inventory(base_url: str, token: str = TOKEN) -> tuple[Inventory, Counter[str]]:
    """What the workspace holds, read with plain httpx; and how many live agents bear each name."""
    names: Counter[str] = Counter()
    found: Inventory = {}
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as api:
        page = 1
        while True:
            body = api.get("/agents", params={"page": page, "per_page": 100}).json()["data"]
            for agent in body["items"]:
                names[agent["name"]] += 1
                sections = {key: agent.get(key) or [] for key in IDENTITY if key not in SEPARATE}
                for key in SEPARATE:
                    sections[key] = api.get(f"/agents/{agent['agent_uuid']}/{key}").json()["data"]
                found[agent["name"]] = {
                    key: _identities(key, [i for i in items if not i.get("is_system")])
                    for key, items in sections.items()
                }
            if page >= body["last_page"]:
                break
            page += 1
    return found, names


def _identities(section: str, items: list[Mapping[str, Any]]) -> list[str]:
    if section in POSITIONAL:
        ranked = sorted(enumerate(items), key=lambda p: (p[1].get("order", 1e9), p[0]))
        return [str(item.get("content")) for _, item in ranked]
    return sorted(str(item.get(IDENTITY[section])) for item in items)


def expected(root: Path) -> Inventory:
    """What the manifests of ``root`` say, per agent name and managed section."""
    config = load_project_config(root, ())
    target = config.target(None)
    result = load_manifests(config.manifest_paths(()), variables=target.vars)
    assert not result.errors, result.errors
    out: Inventory = {}
    for agent in result.workspace.agents.values():
        out[agent.name] = {
            key: items_keys(key, [item.key for item in items])
            for key, items in agent.collections.items()
        }
    return out


def items_keys(section: str, keys: list[str]) -> list[str]:
    return keys if section in POSITIONAL else sorted(keys)


def check_no_duplicates(root: Path, base_url: str) -> None:
    """Every desired agent at most once by name; no desired item twice; nothing unasked-for."""
    want = expected(root)
    have, names = inventory(base_url)
    for name in want:
        assert names[name] <= 1, f"agent {name!r} exists {names[name]} times"
        if name not in have:
            continue
        for section, keys in want[name].items():
            wanted = Counter(keys)
            live = Counter(have[name][section])
            extra = {k: n for k, n in live.items() if n > max(1, wanted[k])}
            assert not extra, f"{name} {section}: duplicated {extra}"


def check_converged(root: Path, base_url: str) -> None:
    """Exactly once: every desired agent once, every section exactly as the manifests list it."""
    want = expected(root)
    have, names = inventory(base_url)
    for name, sections in want.items():
        assert names[name] == 1, f"agent {name!r} exists {names[name]} times"
        for section, keys in sections.items():
            assert have[name][section] == keys, f"{name} {section}: {have[name][section]} != {keys}"
    plan = mh("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text


# --- a sandbox server process -------------------------------------------------------------------


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    base_url: str
    db: Path

    def requests(self) -> int:
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as db:
            return int(db.execute("SELECT COUNT(*) FROM request_log").fetchone()[0])


@contextmanager
def sandbox_process(db: Path, *, latency_ms: float = 0) -> Iterator[ServerProcess]:
    """``python -m mhsync.sandbox`` on a free port, sharing nothing with the test but HTTP."""
    env = {**os.environ, "MHSYNC_SANDBOX_TOKEN": TOKEN}
    command = [sys.executable, "-m", "mhsync.sandbox", "--port", "0", "--db", str(db)]
    command += ["--latency-ms", str(latency_ms)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on" in line, line
        yield ServerProcess(process, line.rsplit(" ", 1)[1].strip(), db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
