"""Issue 4's acceptance scenario, as a user would run it against the sandbox over HTTP.

Apply the examples; plan says no changes; edit one guideline, reorder notes, add a guard rule,
drop a webhook, point a routing rule at another agent; plan shows exactly those changes (text,
JSON, Markdown); apply makes only the calls the plan listed; plan is empty again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]

NEW_GUARD_RULE = """
    - name: Legal escalation
      when_condition: The caller mentions a lawyer, a lawsuit or consumer protection.
      example_phrases:
        - I will talk to my lawyer
        - I'm reporting you to the consumer agency
        - This is going to court
      then_action: forward
      say_before_forwarding: Let me connect you with our customer relations manager.
      destination_type: extension
      destination: "210"
"""


def edit_manifest(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    edits = [
        (
            "    - content: Offer the first free slot, then one alternative.\n",
            "    - content: Offer the first two free slots.\n",
        ),
        (
            "    - The workshop is open 07:00-17:00 on weekdays and closed on weekends.\n"
            "    - content: Courtesy cars must be requested at least two days ahead.\n",
            "    - content: Courtesy cars must be requested at least two days ahead.\n"
            "    - The workshop is open 07:00-17:00 on weekdays and closed on weekends.\n",
        ),
        ("      is_default: false\n", "      is_default: false\n" + NEW_GUARD_RULE),
        (
            "    - url: https://crm.example-dealer.se/webhooks/ai\n"
            "      events:\n"
            "        - intent_call\n"
            "        - voice_evaluation\n"
            "      secret_key: ${env:VOLVO_CRM_WEBHOOK_SECRET}\n"
            "      is_active: true\n",
            "",
        ),
        ("      destination_agent: volvo-parts\n", "      destination_agent: whatsapp-support\n"),
    ]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


EXPECTED = {
    ("agent[volvo-service].guidelines[1]", "update"),
    ("agent[volvo-service].notes", "replace"),
    ('agent[volvo-service].guard_rules["Legal escalation"]', "create"),
    ('agent[volvo-service].webhooks["https://crm.example-dealer.se/webhooks/ai"]', "delete"),
    ('agent[volvo-service].routing_rules["Parts and accessories"]', "update"),
}


def test_edit_scenario_plans_exactly_the_edits_and_applies_only_planned_calls(
    project: Project, mh: Mh, tmp_path: Path
) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    assert mh("plan", "agents", "--detailed-exitcode").code == 0

    edit_manifest(project.root / "agents" / "volvo-service.yaml")

    text = mh("plan", "agents", "--detailed-exitcode")
    assert text.code == 2, text.text
    assert "Plan: 0 agents to create, 1 to update (5 changes), 0 to delete." in text.out
    assert "Legal escalation" in text.out
    assert "whatsapp-support" in text.out

    markdown = mh("plan", "agents", "--markdown")
    assert "<details>" in markdown.out and "volvo-service" in markdown.out

    plan_file = tmp_path / "plan.json"
    as_json = mh("plan", "agents", "--json", "--out", str(plan_file))
    document = json.loads(as_json.out)
    changes = [c for a in document["agents"] for c in a["changes"]]
    assert {(c["address"], c["action"]) for c in changes} == EXPECTED
    planned_calls = [(call["method"], call["path"]) for c in changes for call in c["calls"]]
    assert len(planned_calls) == 5

    project.sandbox.clear_request_log()
    applied = mh("apply", str(plan_file), "--auto-approve")
    assert applied.code == 0, applied.text
    assert sorted(project.writes()) == sorted(planned_calls)

    assert mh("plan", "agents", "--detailed-exitcode").code == 0
