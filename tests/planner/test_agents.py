"""Whole agents: create (what rides in POST /agents and what follows), rename, order, depends_on."""

from __future__ import annotations

import pytest

from mhsync.errors import PlanError
from mhsync.plan import Action, CallKind, FieldChange
from mhsync.planner import plan
from mhsync.state import fingerprint

from .factories import (
    call_lines,
    desired_agent,
    have,
    live_agent,
    notes,
    want,
    workspace,
)

NEW = "/agents/{agent:sales}"


def sales_agent() -> object:
    return desired_agent(
        "sales",
        "Volvo Sales",
        objects={
            "settings": {"voice": {"interaction": {"silence_message": "Hello?"}}},
            "appointments": {"enabled": True},
        },
        guidelines=notes("guidelines", ["Greet", "Confirm"]),
        guard_rules=[
            want(
                "guard_rules", name="Legal", when_condition="lawyer", then_action="end_conversation"
            )
        ],
        intents=[want("intents", name="Book"), want("intents", name="Cancel")],
        webhooks=[
            want("webhooks", url="https://h/1", events=["intent_call"], secret_key="${env:HOOK}")
        ],
        procedures=[
            want("procedures", name="Booking", steps=[{"description": "ask", "intent": "book"}]),
            want("procedures", name="Cancelling", steps=[{"intent": "cancel"}]),
        ],
    )


def test_new_agent_is_created_first_then_its_separately_written_sections() -> None:
    made = plan(workspace(sales_agent()), workspace(), target="t")  # type: ignore[arg-type]
    (agent,) = made.agents
    assert (agent.action, agent.uuid, agent.fingerprint) == (Action.CREATE, None, None)
    assert call_lines(agent.changes) == [
        "POST /agents",
        f"POST {NEW}/intents",
        f"POST {NEW}/intents",
        f"POST {NEW}/webhooks",
        f"PUT {NEW}/appointments",
        f"PUT {NEW}/procedures",
    ]


def test_agent_create_embeds_core_settings_and_resolvable_collections() -> None:
    made = plan(workspace(sales_agent()), workspace(), target="t")  # type: ignore[arg-type]
    create = made.agents[0].changes[0]
    assert create.address == "agent[sales]"
    assert create.calls[0].kind is CallKind.AGENT_CREATE
    assert sorted(create.after) == ["core", "guard_rules", "guidelines", "settings"]
    assert create.after["guidelines"] == [{"content": "Greet"}, {"content": "Confirm"}]
    assert create.after["core"]["name"] == "Volvo Sales"


def test_new_agent_procedures_without_intent_steps_ride_in_the_create() -> None:
    agent = desired_agent(
        "x", procedures=[want("procedures", name="P", steps=[{"description": "a"}])]
    )
    made = plan(workspace(agent), workspace(), target="t")
    assert call_lines(made.agents[0].changes) == ["POST /agents"]
    assert made.agents[0].changes[0].after["procedures"][0]["name"] == "P"


def test_new_agent_pointing_at_itself_writes_that_rule_after_the_create() -> None:
    rule = want(
        "routing_rules", department_name="Self", destination_type="agent", destination_agent="x"
    )
    made = plan(workspace(desired_agent("x", routing_rules=[rule])), workspace(), target="t")
    assert call_lines(made.agents[0].changes) == [
        "POST /agents",
        "POST /agents/{agent:x}/routing-rules",
    ]
    assert made.agents[0].depends_on == ()


def test_secrets_of_separately_written_items_are_references_only() -> None:
    made = plan(workspace(sales_agent()), workspace(), target="t")  # type: ignore[arg-type]
    webhook = next(c for c in made.agents[0].changes if c.section == "webhooks")
    assert webhook.secrets == {"secret_key": "${env:HOOK}"}
    assert webhook.sensitive == ("secret_key",)
    assert webhook.after["secret_key"] == "(sensitive value)"


def test_agent_pointing_at_a_new_agent_depends_on_it_and_comes_after_it() -> None:
    rule = want(
        "routing_rules", department_name="Sales", destination_type="agent", destination_agent="zeta"
    )
    desired = workspace(desired_agent("alpha", routing_rules=[rule]), desired_agent("zeta"))
    live = workspace(live_agent("alpha", "u-a"))
    made = plan(desired, live, target="t")
    assert [a.handle for a in made.agents] == ["zeta", "alpha"]
    assert made.agents[1].depends_on == ("zeta",)
    assert made.agents[0].depends_on == ()


def test_new_agents_pointing_at_each_other_cannot_be_planned() -> None:
    def pointing(handle: str, other: str) -> object:
        rule = want(
            "routing_rules", department_name="R", destination_type="agent", destination_agent=other
        )
        return desired_agent(handle, routing_rules=[rule])

    with pytest.raises(PlanError, match=r"agent\[a\], agent\[b\]"):
        plan(workspace(pointing("a", "b"), pointing("b", "a")), workspace(), target="t")  # type: ignore[arg-type]


def test_rename_is_a_core_update() -> None:
    made = plan(
        workspace(desired_agent("volvo", "Volvo Service EU")),
        workspace(live_agent("volvo", "u-1", "Volvo Service")),
        target="t",
    )
    (change,) = made.changes
    assert (change.address, change.calls[0].method, change.calls[0].path) == (
        "agent[volvo].core",
        "PATCH",
        "/agents/u-1",
    )
    assert change.fields == (
        FieldChange(path="name", before="Volvo Service", after="Volvo Service EU"),
    )


def test_every_live_agent_carries_its_fingerprint_even_without_changes() -> None:
    live = live_agent("a", "u-1")
    made = plan(workspace(desired_agent("a")), workspace(live), target="t")
    (agent,) = made.agents
    assert (agent.action, agent.changes, agent.fingerprint) == (None, (), fingerprint(live))
    assert not made.has_changes


def test_changes_run_core_then_sections_by_level_and_referenced_deletes_last() -> None:
    desired = desired_agent(
        "a",
        "New name",
        objects={"settings": {"voice": {"interaction": {"silence_message": "Hi?"}}}},
        intents=[want("intents", name="Keep"), want("intents", name="Fresh")],
        procedures=[want("procedures", name="P", steps=[{"intent": "fresh"}])],
        notes=notes("notes", ["n"]),
    )
    live = live_agent(
        "a",
        "u-1",
        intents=[have("intents", "i-1", name="Keep"), have("intents", "i-2", name="Old")],
        procedures=[have("procedures", "p-1", name="P", steps=[{"intent": "old"}])],
    )
    made = plan(workspace(desired), workspace(live), target="t")
    assert [(c.action.value, c.address) for c in made.changes] == [
        ("update", "agent[a].core"),
        ("update", "agent[a].settings"),
        ("create", "agent[a].notes[0]"),
        ("create", 'agent[a].intents["fresh"]'),
        ("update", 'agent[a].procedures["P"]'),
        ("delete", 'agent[a].intents["old"]'),
    ]


def test_deleting_an_intent_an_unmanaged_section_names_is_warned_about() -> None:
    desired = desired_agent("a", intents=[])
    live = live_agent(
        "a",
        "u-1",
        intents=[have("intents", "i-1", name="Book")],
        procedures=[have("procedures", "p-1", name="P", steps=[{"intent": "book"}])],
    )
    made = plan(workspace(desired), workspace(live), target="t")
    assert made.warnings == (
        "agent[a]: intents 'book' is deleted but procedures (not in the manifest) still names it",
    )
