"""New agents: everything in the manifest lands, in an order the server accepts, in few requests."""

from __future__ import annotations

from typing import Any

from mhsync.executor import ChangeStatus

from .conftest import SECRET_VALUE
from .harness import Harness, Sent
from .scenarios import two_agents


def _one(sent: list[Sent], method: str, suffix: str) -> Sent:
    found = [s for s in sent if s.method == method and s.path.endswith(suffix)]
    assert len(found) == 1, (method, suffix, [(s.method, s.path) for s in sent])
    return found[0]


def _agent_posts(harness: Harness) -> dict[str, dict[str, Any]]:
    return {s.body["name"]: s.body for s in harness.recorder.writes() if s.path == "/agents"}


def test_two_new_agents_land_whole_and_a_second_plan_is_empty(
    harness: Harness, hook_secret: str
) -> None:
    desired = two_agents(hook_secret)
    made, report = harness.apply(desired)
    assert report.ok, report.lines()
    assert [o.status for o in report.outcomes] == [ChangeStatus.DONE] * len(made.changes)
    # plus the re-reads that settle concurrent creations: one right after the create of
    # support (sales points at it), one for the other created agents at the end, and one per
    # separately listed section that got item creates (sales: intents, webhooks; procedures
    # are settled from the create's answer, the whole agent)
    assert report.requests == len([c for ch in made.changes for c in ch.calls]) + 2 + 2
    assert harness.remaining(desired) == []


def test_agent_create_body_embeds_sections_with_positions_and_resolved_agent_refs(
    harness: Harness, hook_secret: str
) -> None:
    harness.apply(two_agents(hook_secret))
    bodies = _agent_posts(harness)
    support_uuid = harness.agent_json("Support")["agent_uuid"]
    sales = bodies["Sales"]
    assert sales["guidelines"] == [
        {"content": "Be kind", "order": 0},
        {"content": "Be brief", "order": 1},
        {"content": "Be exact", "order": 2},
    ]
    assert [n["order"] for n in sales["notes"]] == [0, 1, 2]
    assert "order" not in sales["training"][0]
    rule = sales["routing_rules"][0]
    assert rule["destination_agent_uuid"] == support_uuid
    assert "destination_agent" not in rule
    assert sales["settings"] == {
        "voice": {"interaction": {"max_silence_prompts": 3, "silence_message": "Hello?"}}
    }
    assert sales["role"] == "seller"
    # separately written sections, and procedures naming an intent, are not embedded
    assert not {"intents", "webhooks", "procedures", "appointments"} & set(sales)


def test_intent_uuid_from_its_answer_reaches_the_procedure_steps(
    harness: Harness, hook_secret: str
) -> None:
    harness.apply(two_agents(hook_secret))
    sent = harness.recorder.writes()
    intent_uuid = harness.client.get_list(
        f"/agents/{harness.agent_json('Sales')['agent_uuid']}/intents"
    )[0]["intent_uuid"]
    procedure = _one(sent, "POST", "/procedures").body
    assert procedure == {
        "name": "Booking",
        "description": "book a slot",
        "steps": [
            {"description": "ask a date", "order": 0},
            {"description": "book", "intent_uuid": intent_uuid, "order": 1},
        ],
    }
    order = [(s.method, s.path.rsplit("/", 1)[-1]) for s in sent]
    assert order.index(("POST", "intents")) < order.index(("POST", "procedures"))


def test_placeholders_in_paths_become_the_new_agent_uuid(
    harness: Harness, hook_secret: str
) -> None:
    made, _ = harness.apply(two_agents(hook_secret))
    planned = [c.path for ch in made.changes for c in ch.calls]
    assert "/agents/{agent:sales}/webhooks" in planned
    uuid = harness.agent_json("Sales")["agent_uuid"]
    sent_paths = {s.path for s in harness.recorder.writes()}
    assert f"/agents/{uuid}/webhooks" in sent_paths
    assert not [p for p in sent_paths if "{" in p]


def test_webhook_secret_is_sent_resolved_and_never_reported(
    harness: Harness, hook_secret: str
) -> None:
    made, report = harness.apply(two_agents(hook_secret))
    webhook = _one(harness.recorder.writes(), "POST", "/webhooks").body
    assert webhook["secret_key"] == SECRET_VALUE
    stored = harness.client.get_list(
        f"/agents/{harness.agent_json('Sales')['agent_uuid']}/webhooks"
    )
    assert stored[0]["has_secret"] is True
    assert "secret_key" not in stored[0]
    seen = [made.to_json(), *report.lines(), repr(report)]
    seen += [f"{e.address} {e.message}" for e in harness.events]
    assert not [text for text in seen if SECRET_VALUE in text]


def test_dependency_is_created_before_the_agent_routing_to_it(
    harness: Harness, hook_secret: str
) -> None:
    harness.apply(two_agents(hook_secret), parallelism=8)
    names = [s.body["name"] for s in harness.recorder.writes() if s.path == "/agents"]
    assert names == ["Support", "Sales"]
