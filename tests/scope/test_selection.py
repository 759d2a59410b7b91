"""``--agent`` and ``--selector`` on plan and apply: only the selected agents are read and written.

The request log of the sandbox is the witness: after the selection's command, no request path
holds the uuid of an agent outside the selection (the paginated agent list, which matching needs,
holds no uuid).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Project
from tests.scope.helpers import (
    Mh,
    apply_all,
    dashboard,
    edit,
    live_agents,
    touch_every_agent,
    touched,
    uuids,
)

EVERY = ("volvo-parts", "volvo-service", "whatsapp-support")


def planned_handles(mh: Mh, *args: str) -> list[str]:
    result = mh("plan", "--json", *args)
    assert result.code == 0, result.text
    return sorted(a["handle"] for a in json.loads(result.out)["agents"] if a["changes"])


@pytest.mark.parametrize(
    ("args", "selected"),
    [
        pytest.param(("--selector", "team=support"), {"whatsapp-support"}, id="selector"),
        pytest.param(("--agent", "volvo-parts"), {"volvo-parts"}, id="one-agent"),
        pytest.param(
            ("-a", "volvo-parts", "-a", "volvo-service"), {"volvo-parts", "volvo-service"},
            id="two-agents",
        ),
        pytest.param(("--selector", "channel=voice,team!=parts"), {"volvo-service"}, id="and"),
        pytest.param(("--agent", "volvo-parts", "-l", "team=service"), set(), id="agent-and-label"),
    ],
)
def test_apply_of_a_selection_never_touches_another_agent(
    project: Project, mh: Mh, args: tuple[str, ...], selected: set[str]
) -> None:
    apply_all(mh)
    touch_every_agent(project)
    live = uuids(project)
    project.sandbox.clear_request_log()

    assert planned_handles(mh, *args) == sorted(selected)
    result = mh("apply", "--auto-approve", *args)
    assert result.code == 0, result.text

    for handle in set(EVERY) - selected:
        assert touched(project, live[handle]) == [], handle
    for handle in selected:
        assert ("PATCH", f"/api/v1/agents/{live[handle]}") in touched(project, live[handle])
    assert planned_handles(mh) == sorted(set(EVERY) - selected)


def test_plan_header_names_the_selection(project: Project, mh: Mh) -> None:
    apply_all(mh)
    text = mh("plan", "--selector", "team=support")
    assert "Selection: team=support (other agents not read)" in text.out
    markdown = mh("plan", "--selector", "team=support", "--markdown")
    assert "Selection: `team=support`" in markdown.out
    assert json.loads(mh("plan", "-l", "team=support", "--json").out)["selection"] == "team=support"
    assert json.loads(mh("plan", "--json").out)["selection"] is None


def test_unknown_agent_is_an_error_before_any_request(project: Project, mh: Mh) -> None:
    for command in (("plan",), ("apply", "--auto-approve"), ("validate",)):
        result = mh(*command, "--agent", "volvo-partz")
        assert result.code == 1, command
        assert "--agent names no agent in the manifests: volvo-partz" in result.err
    assert project.sandbox.request_log() == []


def test_bad_selector_is_an_error(project: Project, mh: Mh) -> None:
    result = mh("plan", "--selector", "team")
    assert result.code == 1
    assert "invalid selector 'team'" in result.err


def test_selector_matching_nothing_warns_and_plans_nothing(project: Project, mh: Mh) -> None:
    result = mh("plan", "--selector", "team=sales", "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "the selection team=sales matches no agent" in result.out


def test_reference_to_an_unselected_agent_sends_its_live_uuid(project: Project, mh: Mh) -> None:
    apply_all(mh)
    edit(
        project.root / "agents" / "whatsapp-support.yaml",
        "\n  intents:\n",
        "    - name: Spare parts order\n"
        "      when_condition: The customer wants to order a spare part.\n"
        "      example_phrases: [\"I need a part\", \"Order a filter\", \"Any brake pads?\"]\n"
        "      then_action: forward\n"
        "      selected_channels: [whatsapp]\n"
        "      destination_type: agent\n"
        "      destination_agent: volvo-parts\n"
        "\n"
        "  intents:\n",
    )
    parts = uuids(project)["volvo-parts"]
    project.sandbox.clear_request_log()
    result = mh("apply", "--auto-approve", "--selector", "team=support")
    assert result.code == 0, result.text
    assert touched(project, parts) == []
    support = uuids(project)["whatsapp-support"]
    with dashboard(project) as api:
        rules = api.get(f"/agents/{support}").json()["data"]["guard_rules"]
    rule = next(r for r in rules if r["name"] == "Spare parts order")
    assert rule["destination_agent_uuid"] == parts
    assert mh("plan", "--detailed-exitcode").code == 0


def test_reference_to_an_unselected_agent_not_yet_created_is_refused(
    project: Project, mh: Mh
) -> None:
    result = mh("apply", "--auto-approve", "--selector", "team=support")
    assert result.code == 1
    assert (
        "agent[whatsapp-support] points to agent[volvo-parts], which is outside the selection "
        "and it does not exist in the workspace yet" in result.err
    )
    assert project.writes() == []
    assert mh("apply", "--auto-approve", "--agent", "volvo-parts").code == 0
    assert mh("apply", "--auto-approve", "--selector", "team=support").code == 0
    assert sorted(live_agents(project)) == ["Nordstaden Chat Support", "Volvo Parts Desk"]


def test_saved_plan_of_a_selection_applies_without_false_staleness(
    project: Project, mh: Mh, tmp_path: Path
) -> None:
    apply_all(mh)
    touch_every_agent(project)
    plan_file = tmp_path / "support.json"
    assert mh("plan", "--selector", "team=support", "--out", str(plan_file)).code == 0
    saved = json.loads(plan_file.read_text(encoding="utf-8"))
    assert saved["selection"] == "team=support"
    assert set(saved["agent_handles"].values()) == set(EVERY)
    live = uuids(project)
    project.sandbox.clear_request_log()

    result = mh("apply", str(plan_file), "--auto-approve")
    assert result.code == 0, result.text
    assert "stale" not in result.text
    for handle in ("volvo-parts", "volvo-service"):
        assert touched(project, live[handle]) == []
    assert planned_handles(mh) == ["volvo-parts", "volvo-service"]


def test_saved_plan_with_a_selection_flag_is_refused(
    project: Project, mh: Mh, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    assert mh("plan", "--out", str(plan_file)).code == 0
    result = mh("apply", str(plan_file), "--auto-approve", "--agent", "volvo-parts")
    assert result.code == 1
    assert "--agent and --selector belong to plan" in result.err
