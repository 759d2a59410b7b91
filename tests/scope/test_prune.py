"""``--prune`` inside a selection: only live-only agents the selection names can be deleted.

A label selector never selects a live agent no manifest describes (it has no labels); naming its
derived handle with ``--agent`` does. The live twin of an unselected manifest is never a candidate,
because matching runs against every manifest before the selection narrows anything.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, dashboard, live_agents, touched, uuids


def add_live_only(project: Project, *names: str) -> None:
    with dashboard(project) as api:
        for name in names:
            api.post("/agents", json={"name": name}).raise_for_status()


def deletes(mh: Mh, *args: str) -> list[str]:
    result = mh("plan", "--json", "--prune", *args)
    assert result.code == 0, result.text
    return sorted(
        a["handle"] for a in json.loads(result.out)["agents"] if a["action"] == "delete"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param((), ["legacy-desk", "old-bot"], id="no-selection-prunes-all-unmanaged"),
        pytest.param(("--selector", "team=support"), [], id="label-selector-prunes-nothing"),
        pytest.param(("--selector", "team!=nobody"), [], id="negative-selector-prunes-nothing"),
        pytest.param(("--agent", "old-bot"), ["old-bot"], id="named-live-only-agent"),
        pytest.param(
            ("--agent", "whatsapp-support", "--agent", "old-bot"), ["old-bot"], id="mixed"
        ),
    ],
)
def test_prune_considers_only_the_selection(
    project: Project, mh: Mh, args: tuple[str, ...], expected: list[str]
) -> None:
    apply_all(mh)
    add_live_only(project, "Old Bot", "Legacy Desk")
    assert deletes(mh, *args) == expected


def test_apply_prune_in_a_selection_never_deletes_outside_it(project: Project, mh: Mh) -> None:
    apply_all(mh)
    add_live_only(project, "Old Bot", "Legacy Desk")
    live = uuids(project)
    project.sandbox.clear_request_log()

    result = mh("apply", "--auto-approve", "--prune", "--agent", "old-bot")
    assert result.code == 0, result.text
    assert sorted(live_agents(project)) == [
        "Legacy Desk",
        "Nordstaden Chat Support",
        "Volvo Parts Desk",
        "Volvo Service Line",
    ]
    for name in ("Legacy Desk", "volvo-parts", "volvo-service", "whatsapp-support"):
        assert touched(project, live[name]) == [], name


def test_an_unselected_agents_live_twin_cannot_be_named_for_prune(
    project: Project, mh: Mh
) -> None:
    apply_all(mh)
    result = mh("plan", "--prune", "--agent", "volvo-parts-desk")
    assert result.code == 1
    assert "--agent names no agent in the manifests: volvo-parts-desk" in result.err
    assert deletes(mh, "--agent", "whatsapp-support") == []


def test_manifest_with_errors_outside_the_selection_still_matches_its_live_twin(
    project: Project, mh: Mh
) -> None:
    apply_all(mh)
    parts = project.root / "agents" / "volvo-parts.yaml"
    text = parts.read_text(encoding="utf-8")
    assert text.count("  role:") == 1
    parts.write_text(text.replace("  role:", "  rol:"), "utf-8")
    assert deletes(mh, "--selector", "team=service") == []
    named = mh("plan", "--prune", "--agent", "volvo-service", "--agent", "volvo-parts-desk")
    assert named.code == 1
    assert "--agent names no agent in the manifests: volvo-parts-desk" in named.err
    assert mh("plan", "--agent", "volvo-parts").code == 1
