"""Helpers shared by the day-2 tests (export, pull, fmt, snapshots): the "dashboard" (direct API
calls with the token, as a person editing agents by hand would make them), reading the live
workspace in canonical form for before/after comparisons, and secret placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mhsync.client import ApiClient, Token
from mhsync.live import list_agents, read_separate_sections
from mhsync.workflows.livestate import canonical_live
from tests.e2e.conftest import MARKERS, TOKEN, Project

PLACEHOLDER = re.compile(r"\$\{env:(MHSYNC_SECRET_[A-Z0-9_]+)\}")


@contextmanager
def dashboard(project: Project) -> Iterator[httpx.Client]:
    """A raw HTTP client on the workspace: edits made "in the dashboard"."""
    with httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


def data(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()["data"]


def agent_named(client: httpx.Client, name: str) -> dict[str, Any]:
    agents = data(client.get("/agents", params={"per_page": 100}))["items"]
    found = [a for a in agents if a["name"] == name]
    assert len(found) == 1, [a["name"] for a in agents]
    return dict(found[0])


def canonical_workspace(project: Project) -> dict[str, Any]:
    """Every live agent in canonical form, keyed by uuid, without item uuids or positions.

    Item uuids change when a section is replaced; what must come back after a rollback is the
    content, so that is what this compares.
    """
    client = ApiClient(project.base_url, Token(TOKEN))
    try:
        raws = list_agents(client)
        read_separate_sections(client, raws)
        by_uuid = {raw.uuid: raw for raw in raws}
        state = canonical_live(by_uuid, {uuid: uuid for uuid in by_uuid})
    finally:
        client.close()
    return {
        uuid: {
            "objects": agent.objects,
            "collections": {k: [i.fields for i in items] for k, items in agent.collections.items()},
        }
        for uuid, agent in state.agents.items()
    }


def set_placeholders(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> list[str]:
    """Give every ``${env:MHSYNC_SECRET_...}`` placeholder in ``paths`` a value."""
    names: set[str] = set()
    for path in paths:
        files = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            names.update(PLACEHOLDER.findall(file.read_text(encoding="utf-8")))
    for name in sorted(names):
        monkeypatch.setenv(name, f"placeholder-value-for-{name.lower()}")
    return sorted(names)


def assert_no_secret_values(directory: Path) -> None:
    for file in directory.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8")
            for marker in MARKERS:
                assert marker not in text, f"{marker} leaked into {file}"
