"""``mhsync compare staging production``: differences the manifests explain are expected (issue 15).

Both servers get the same manifests; the targets' ``vars`` give the front desk different opening
hours, which is expected. An edit made in production's dashboard only is unexpected, and so is
an agent that exists in production only. Compare never writes to either workspace.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import HOURS, SECRET, TOKEN, Mh, Server


def dashboard(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"})


def edit_in_dashboard(server: Server, name: str, body: dict[str, Any]) -> None:
    with dashboard(server) as api:
        items = api.get("/agents", params={"per_page": 100}).json()["data"]["items"]
        uuid = next(a["agent_uuid"] for a in items if a["name"] == name)
        api.patch(f"/agents/{uuid}", json=body).raise_for_status()


def applied_to_both(mh: Mh) -> None:
    for target in ("staging", "production"):
        result = mh("apply", "--target", target, "--auto-approve")
        assert result.code == 0, result.text


def compared(mh: Mh, *args: str) -> tuple[int, dict[str, Any]]:
    result = mh("compare", "staging", "production", "--json", *args)
    assert result.code in (0, 2), result.text
    assert SECRET not in result.text
    return result.code, json.loads(result.out)


def differences(report: dict[str, Any]) -> list[tuple[str, str | None, Any, Any, bool]]:
    return [
        (d["address"], d["path"], d["a"], d["b"], d["expected"])
        for agent in report["agents"]
        for d in agent["differences"]
    ]


VARS_DIFFERENCE = (
    "agent[front-desk].notes[0]", "content", HOURS["staging"], HOURS["production"], True
)


def test_a_vars_difference_is_expected(
    envs: tuple[Path, Server, Server], mh: Mh
) -> None:
    _, staging, production = envs
    applied_to_both(mh)
    staging.clear()
    production.clear()
    code, report = compared(mh)
    assert code == 0
    assert differences(report) == [VARS_DIFFERENCE]
    assert report["identical"] == ["parts-desk"]
    assert report["summary"]["unexpected"] == 0
    assert staging.writes() == [] and production.writes() == []
    text = mh("compare", "staging", "production")
    assert text.code == 0, text.text
    assert "agent[front-desk].notes[0].content  [expected]" in text.out
    assert "1 expected, 0 unexpected" in text.out
    first_lines = text.err.splitlines()[:2]
    assert first_lines == [
        f"Workspace: staging ({staging.url})", f"Workspace: production ({production.url})"
    ]


def test_a_production_only_edit_is_unexpected(
    envs: tuple[Path, Server, Server], mh: Mh
) -> None:
    _, _, production = envs
    applied_to_both(mh)
    edit_in_dashboard(production, "Parts desk", {"tone": "Grumpy"})
    code, report = compared(mh)
    assert code == 2
    assert differences(report) == [
        VARS_DIFFERENCE,
        ("agent[parts-desk].core", "tone", "Precise", "Grumpy", False),
    ]
    markdown = mh("compare", "staging", "production", "--markdown")
    assert markdown.code == 2
    assert (
        '| `parts-desk` | `agent[parts-desk].core.tone` | `"Precise"` | `"Grumpy"` '
        "| **unexpected** |" in markdown.out
    )
    text = mh("compare", "staging", "production")
    assert text.code == 2
    assert "! agent[parts-desk].core.tone  [UNEXPECTED]" in text.out


def test_an_agent_in_one_workspace_only_and_raw_mode(
    envs: tuple[Path, Server, Server], mh: Mh
) -> None:
    _, _, production = envs
    applied_to_both(mh)
    with dashboard(production) as api:
        api.post("/agents", json={"name": "Night shift"}).raise_for_status()
    code, report = compared(mh)
    assert code == 2
    [night] = [a for a in report["agents"] if a["handle"] == "night-shift"]
    assert (night["in_a"], night["in_b"]) == (False, True)
    assert night["differences"][0]["expected"] is False

    raw_code, raw = compared(mh, "--raw")
    assert raw_code == 2 and raw["explained"] is False
    assert ("agent[front-desk].notes[0]", "content", HOURS["staging"], HOURS["production"],
            False) in differences(raw)
    assert all(not d[4] for d in differences(raw))


def test_compare_takes_the_selection(envs: tuple[Path, Server, Server], mh: Mh) -> None:
    _, _, production = envs
    applied_to_both(mh)
    edit_in_dashboard(production, "Parts desk", {"tone": "Grumpy"})
    code, report = compared(mh, "--exclude-agent", "parts-*")
    assert code == 0 and differences(report) == [VARS_DIFFERENCE]
    code, report = compared(mh, "--agent", "parts-desk")
    assert code == 2 and [a["handle"] for a in report["agents"]] == ["parts-desk"]


def test_compare_refuses_one_workspace_twice(
    envs: tuple[Path, Server, Server], mh: Mh, env: pytest.MonkeyPatch
) -> None:
    _, staging, production = envs
    result = mh("compare", "staging", "staging")
    assert result.code == 1
    assert "compare needs two workspaces" in result.err
    env.setenv("MHSYNC_BASE_URL", staging.url)  # replaces the URL of both targets
    production.clear()
    result = mh("compare", "staging", "production")
    assert result.code == 1
    assert "MHSYNC_BASE_URL replaces the URL of every --target" in result.err
    assert staging.requests() == [] and production.requests() == []
