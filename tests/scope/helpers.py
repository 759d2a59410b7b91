"""Small helpers for scope tests: a stand-in for the dashboard, the request log, manifest edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import TOKEN, Project, Result

Mh = Callable[..., Result]

HANDLE_OF_NAME = {
    "Volvo Service Line": "volvo-service",
    "Nordstaden Chat Support": "whatsapp-support",
    "Volvo Parts Desk": "volvo-parts",
}


def dashboard(project: Project) -> httpx.Client:
    """A client standing in for someone editing agents in the Mindhunters dashboard."""
    return httpx.Client(
        base_url=project.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )


def live_agents(project: Project) -> dict[str, dict[str, Any]]:
    """Live agents by display name."""
    with dashboard(project) as api:
        items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
    return {a["name"]: a for a in items}


def uuids(project: Project) -> dict[str, str]:
    """Handle -> live uuid of the example agents (and display name -> uuid of any other)."""
    agents = live_agents(project)
    return {HANDLE_OF_NAME.get(name, name): a["agent_uuid"] for name, a in agents.items()}


def touched(project: Project, uuid: str) -> list[tuple[str, str]]:
    """Every logged request about one agent: any path that holds its uuid."""
    return [(e.method, e.path) for e in project.sandbox.request_log() if uuid in e.path]


def patch_agent(project: Project, uuid: str, body: dict[str, Any]) -> None:
    with dashboard(project) as api:
        api.patch(f"/agents/{uuid}", json=body).raise_for_status()


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact, unique piece of a manifest."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def apply_all(mh: Mh) -> None:
    result = mh("apply", "--auto-approve")
    assert result.code == 0, result.text


def touch_every_agent(project: Project) -> None:
    """The dashboard changes the topic of every example agent, so each has a change to plan."""
    for uuid in uuids(project).values():
        patch_agent(project, uuid, {"topic": "edited in the dashboard"})
