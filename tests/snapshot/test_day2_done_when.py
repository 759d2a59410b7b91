"""Issue 5's "done when", as a new user would go through it against the sandbox over HTTP.

Agents made by hand in the workspace; export them into the repository; someone edits one agent
in the dashboard; drift (or plan) notices; pull writes the edit into the files, keeping the
comments the team added; plan is empty; a bad apply breaks something; rollback repairs it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from mhsync.cli.main import cli
from tests.e2e.conftest import Project, Result
from tests.export.helpers import (
    agent_named,
    canonical_workspace,
    dashboard,
    data,
    set_placeholders,
)

Mh = Callable[..., Result]


def make_agents_by_hand(project: Project) -> None:
    with dashboard(project) as api:
        billing = data(api.post("/agents", json={
            "name": "Billing", "role": "Invoices", "language": "en",
        }))["agent_uuid"]
        front = data(api.post("/agents", json={
            "name": "Front Desk",
            "role": "Receptionist",
            "tone": "Friendly",
            "language": "en",
            "guidelines": [{"content": "Greet the caller.", "order": 0}],
            "routing_rules": [{
                "department_name": "Billing", "destination_type": "agent",
                "destination_agent_uuid": billing, "phrases": ["invoice", "bill", "pay"],
                "ai_prompt": "Billing questions",
            }],
        }))["agent_uuid"]
        data(api.post(f"/agents/{front}/webhooks", json={
            "url": "https://hooks.example/front", "events": ["conversation_end_report"],
            "secret_key": "sec-DONE-MARKER",
        }))


def test_adopt_edit_pull_break_and_roll_back(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    agents = project.root / "agents"
    shutil.rmtree(agents)
    make_agents_by_hand(project)

    exported = mh("export", "--all", "-o", "agents")
    assert exported.code == 0, exported.text
    front_file = agents / "front-desk.yaml"
    set_placeholders(monkeypatch, agents)
    assert mh("plan", "--detailed-exitcode").code == 0

    # the team commits the files with a comment of its own
    text = front_file.read_text(encoding="utf-8")
    text = text.replace("  tone: Friendly\n", "  tone: Friendly  # agreed with marketing\n")
    text = text.replace("  guidelines:\n", "  # keep these short\n  guidelines:\n")
    front_file.write_text(text, encoding="utf-8")

    with dashboard(project) as api:
        uuid = agent_named(api, "Front Desk")["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={"objective": "Route every caller quickly."}))
        data(api.post(f"/agents/{uuid}/guidelines",
                      json={"content": "Ask for the customer number.", "order": 1}))

    drift_command = "drift" if "drift" in cli.list_commands(click.Context(cli)) else "plan"
    drifted = mh(drift_command, "--detailed-exitcode") if drift_command == "plan" else mh("drift")
    assert drifted.code == 2, drifted.text
    assert "objective" in drifted.text

    pulled = mh("pull")
    assert pulled.code == 0, pulled.text
    assert "front-desk.yaml" in pulled.out and "billing.yaml" not in pulled.out
    after = front_file.read_text(encoding="utf-8")
    assert "  tone: Friendly  # agreed with marketing\n" in after
    assert "  # keep these short\n  guidelines:\n" in after
    assert "  objective: Route every caller quickly.\n" in after
    assert "    - content: Ask for the customer number.\n" in after
    assert mh("plan", "--detailed-exitcode").code == 0
    good = canonical_workspace(project)

    # a bad change goes out...
    broken = after.replace("  tone: Friendly  # agreed with marketing\n", "  tone: Rude\n")
    broken = re.sub(r"  webhooks:\n(    .*\n|      .*\n)+", "", broken)
    front_file.write_text(broken, encoding="utf-8")
    applied = mh("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert canonical_workspace(project) != good
    snapshot = re.search(r"Snapshot saved: (\S+)", applied.err)
    assert snapshot, applied.text
    assert "sec-DONE-MARKER" not in "".join(
        p.read_text(encoding="utf-8") for p in Path(snapshot.group(1)).glob("*.yaml")
    )

    # ...and is rolled back (the webhook's secret comes from the placeholder variable)
    rolled = mh("rollback", snapshot.group(1), "--auto-approve")
    assert rolled.code == 0, rolled.text
    assert canonical_workspace(project) == good
