"""Renames keep uuids: an agent through ``metadata.previous_names``, an item through
``previous_keys`` (guard rule, routing rule, procedure, intent), each one update in place."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, dashboard, edit, live_agents, uuids

PARTS = "agents/volvo-parts.yaml"
SERVICE = "agents/volvo-service.yaml"
SUPPORT = "agents/whatsapp-support.yaml"


def rename_parts_agent(project: Project, *, remember: bool) -> None:
    """New handle and display name; the other manifests follow the new handle."""
    previous = "  previous_names: [volvo-parts-desk]\n" if remember else ""
    edit(
        project.root / PARTS,
        "  name: volvo-parts\n",
        f"  name: parts-desk\n{previous}",
    )
    edit(project.root / PARTS, "  name: Volvo Parts Desk\n", "  name: Volvo Parts & Accessories\n")
    for manifest in (SERVICE, SUPPORT):
        edit(
            project.root / manifest,
            "destination_agent: volvo-parts\n",
            "destination_agent: parts-desk\n",
        )


def test_agent_rename_with_previous_names_keeps_the_uuid(project: Project, mh: Mh) -> None:
    apply_all(mh)
    before = uuids(project)
    rename_parts_agent(project, remember=True)

    plan = mh("plan", "--prune")
    assert plan.code == 0, plan.text
    assert '~ name: "Volvo Parts Desk" -> "Volvo Parts & Accessories"' in plan.out
    assert "Plan: 0 agents to create, 1 to update (1 change), 0 to delete." in plan.out
    assert mh("apply", "--auto-approve", "--prune").code == 0

    live = live_agents(project)
    assert live["Volvo Parts & Accessories"]["agent_uuid"] == before["volvo-parts"]
    assert "Volvo Parts Desk" not in live
    assert mh("plan", "--detailed-exitcode").code == 0


def test_agent_rename_without_previous_names_is_create_and_delete(
    project: Project, mh: Mh
) -> None:
    apply_all(mh)
    rename_parts_agent(project, remember=False)
    plan = mh("plan", "--prune", "--agent", "parts-desk", "--agent", "volvo-parts-desk")
    assert plan.code == 0, plan.text
    assert "# agent[parts-desk] \"Volvo Parts & Accessories\" will be created" in plan.out
    assert "# agent[volvo-parts-desk] \"Volvo Parts Desk\" will be deleted" in plan.out


def _items(project: Project, agent_uuid: str, section: str) -> list[dict[str, Any]]:
    with dashboard(project) as api:
        if section == "intents":
            data = api.get(f"/agents/{agent_uuid}/intents").json()["data"]
            return list(data["items"] if isinstance(data, dict) else data)
        return list(api.get(f"/agents/{agent_uuid}").json()["data"][section])


ITEM_RENAMES = [
    pytest.param(
        SERVICE,
        "procedures",
        "name",
        ("    - name: Answer a repair status question\n",
         "    - name: Repair status question\n"
         "      previous_keys: [Answer a repair status question]\n"),
        "Answer a repair status question",
        "Repair status question",
        id="procedure",
    ),
    pytest.param(
        SERVICE,
        "guard_rules",
        "name",
        ("    - name: Abusive caller\n",
         "    - name: Abusive or threatening caller\n      previous_keys: [Abusive caller]\n"),
        "Abusive caller",
        "Abusive or threatening caller",
        id="guard-rule",
    ),
    pytest.param(
        SERVICE,
        "routing_rules",
        "department_name",
        ("    - department_name: Service desk\n",
         "    - department_name: Service advisors\n      previous_keys: [Service desk]\n"),
        "Service desk",
        "Service advisors",
        id="routing-rule",
    ),
    pytest.param(
        SUPPORT,
        "intents",
        "name",
        ("    - name: Order status\n",
         "    - name: Order tracking\n      previous_keys: [order_status]\n"),
        "Order status",
        "Order tracking",
        id="intent",
    ),
]


@pytest.mark.parametrize(
    ("manifest", "section", "field", "change", "old", "new"), ITEM_RENAMES
)
def test_item_rename_with_previous_keys_keeps_the_uuid(
    project: Project,
    mh: Mh,
    manifest: str,
    section: str,
    field: str,
    change: tuple[str, str],
    old: str,
    new: str,
) -> None:
    apply_all(mh)
    handle = "volvo-service" if manifest == SERVICE else "whatsapp-support"
    agent_uuid = uuids(project)[handle]
    uuid_field = "intent_uuid" if section == "intents" else "uuid"
    before = {i[field]: i[uuid_field] for i in _items(project, agent_uuid, section)}
    edit(project.root / manifest, *change)
    if section == "intents":
        edit(project.root / manifest, "          intent: order_status\n",
             "          intent: order_tracking\n")

    plan = mh("plan")
    assert plan.code == 0, plan.text
    assert f"~ agent[{handle}].{section}[" in plan.out
    assert "Plan: 0 agents to create, 1 to update (" in plan.out
    assert "0 to delete" in plan.out
    result = mh("apply", "--auto-approve")
    assert result.code == 0, result.text

    after = {i[field]: i[uuid_field] for i in _items(project, agent_uuid, section)}
    assert old not in after
    assert after[new] == before[old]
    assert mh("plan", "--detailed-exitcode").code == 0
