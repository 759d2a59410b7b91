"""Directory discovery never silently skips a manifest, nor lets ``--prune`` delete its agent.

Before: files under a manifests path that did not start like ours (JSON style, flow style,
``apiVersion :``, a header longer than the sniffed 64 KiB) were skipped without a word, as were
empty files; ``validate`` said valid and ``plan --prune`` deleted their agents. And each file
was read twice (sniffed, then parsed): a rewrite in between made the agent vanish.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]
SERVICE = Path("agents/volvo-service.yaml")


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return project


def _data(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _flow(path: Path) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = True
    yaml.width = 100_000
    out = io.StringIO()
    yaml.dump(_data(path), out)
    return out.getvalue()


REWRITES: dict[str, Callable[[Path, str], str]] = {
    "json-style": lambda path, text: json.dumps(_data(path), indent=2),
    "flow-style": lambda path, text: _flow(path),
    "space-before-colon": lambda path, text: text.replace("apiVersion:", "apiVersion :", 1).replace(
        "\nkind:", "\nkind :", 1
    ),
    "long-header": lambda path, text: "# header line, long enough to push the start away\n"
    * 2000
    + text,
}


@pytest.mark.parametrize("rewrite", list(REWRITES), ids=list(REWRITES))
def test_manifest_written_unusually_is_still_read(
    applied: Project, mh: Mh, rewrite: str
) -> None:
    path = applied.root / SERVICE
    path.write_text(REWRITES[rewrite](path, path.read_text(encoding="utf-8")), encoding="utf-8")
    result = mh("plan", "--prune", "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "delete" not in result.out.lower()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("", "empty-file"),
        ("# only a comment\n", "empty-file"),
        ("services: {}\n", "not-a-manifest"),
    ],
    ids=["empty", "comment-only", "other-yaml"],
)
def test_unrecognised_file_warns_and_blocks_prune(
    applied: Project, mh: Mh, content: str, code: str
) -> None:
    path = applied.root / SERVICE
    path.write_text(content, encoding="utf-8")
    validated = mh("validate", "--format", "json")
    assert validated.code == 0, validated.text
    found = [d for d in json.loads(validated.out) if d["code"] == code]
    assert [d["severity"] for d in found] == ["warning"], validated.out
    assert found[0]["file"].endswith("volvo-service.yaml")
    plain = mh("plan")
    assert plain.code == 0, plain.text
    assert "volvo-service.yaml" in plain.err
    pruned = mh("plan", "--prune")
    assert pruned.code != 0, pruned.text
    assert "volvo-service.yaml" in pruned.text
    assert "delete" not in pruned.out.lower()
    assert not applied.writes()[-1:] or applied.writes()[-1][0] != "DELETE"


def test_file_is_read_once(
    applied: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rewrite between two reads of one file: the second read sees the file truncated."""
    path = (applied.root / SERVICE).resolve()
    reads: list[str] = []
    real_open = Path.open

    def truncating_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.resolve() == path and "r" in mode:
            reads.append(mode)
            if len(reads) > 1:
                return io.BytesIO(b"") if "b" in mode else io.StringIO("")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", truncating_open)
    result = mh("plan", "--prune", "--detailed-exitcode")
    assert result.code == 0, result.text
    assert len(reads) == 1


def test_file_rewritten_while_plans_read_it_is_never_pruned(applied: Project, mh: Mh) -> None:
    """A writer truncating and rewriting a manifest (as editors and ``> file`` do) beside 30
    ``plan --prune`` runs: each plan sees the agent, or stops with an error; none deletes it."""
    path = applied.root / SERVICE
    content = path.read_bytes()
    stop = threading.Event()

    def rewrite() -> None:
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            with path.open("wb") as out:  # truncates, then writes: not atomic on purpose
                time.sleep(0.0005)
                out.write(content)
            time.sleep(0.001)

    writer = threading.Thread(target=rewrite, daemon=True)
    writer.start()
    outcomes = []
    try:
        for _ in range(30):
            result = mh("plan", "--prune", "--json")
            assert "Traceback" not in result.text
            if result.code == 0:
                planned = json.loads(result.out)
                deleted = [a["handle"] for a in planned["agents"] if a["action"] == "delete"]
                assert deleted == [], deleted
            outcomes.append(result.code)
    finally:
        stop.set()
        writer.join(timeout=10)
    assert outcomes.count(0) + outcomes.count(1) == 30
