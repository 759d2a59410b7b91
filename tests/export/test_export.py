"""``mhsync export`` end to end: the law "export, then plan shows no changes", for every example
and for agents made by hand in the dashboard, plus what an exported file looks like."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.e2e.conftest import Project, Result
from tests.export.helpers import (
    PLACEHOLDER,
    agent_named,
    assert_no_secret_values,
    dashboard,
    data,
    set_placeholders,
)

Mh = Callable[..., Result]

EXAMPLES = {
    "volvo-service": "Volvo Service Line",
    "whatsapp-support": "Nordstaden Chat Support",
    "volvo-parts": "Volvo Parts Desk",
}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def applied(mh: Mh) -> None:
    result = mh("apply", "agents", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text


def assert_plan_empty(mh: Mh, *paths: str) -> None:
    result = mh("plan", *paths, "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "No changes." in result.out


@pytest.mark.parametrize("handle", sorted(EXAMPLES))
def test_export_of_each_example_plans_no_changes(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch, handle: str
) -> None:
    applied(mh)
    result = mh("export", "--agent", EXAMPLES[handle], "-o", "exported")
    assert result.code == 0, result.text
    files = sorted((project.root / "exported").glob("*.yaml"))
    assert len(files) == 1
    set_placeholders(monkeypatch, files[0])
    assert_plan_empty(mh, str(files[0]))


def test_export_all_then_plan_is_empty_and_files_read_like_manifests(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(mh)
    result = mh("export", "--all", "-o", "exported")
    assert result.code == 0, result.text
    out = project.root / "exported"
    names = sorted(p.name for p in out.glob("*.yaml"))
    assert names == [
        "nordstaden-chat-support.yaml",
        "volvo-parts-desk.yaml",
        "volvo-service-line.yaml",
    ]
    assert_no_secret_values(out)
    variables = set_placeholders(monkeypatch, out)
    assert len(variables) == 4  # three webhook secrets and one intent token
    assert "set these variables" in result.err and variables[0] in result.err
    assert_plan_empty(mh, "exported")
    assert mh("fmt", "--check", "exported").code == 0  # export writes the canonical layout

    service_file = out / "volvo-service-line.yaml"
    text = service_file.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/agent.schema.json\n")
    document = load(service_file)
    assert list(document) == ["apiVersion", "kind", "metadata", "spec"]
    assert list(document["metadata"]) == ["name", "uuid"]
    spec = document["spec"]
    sections = [k for k in spec if isinstance(spec[k], list | dict)]
    assert sections == [
        "settings", "guidelines", "notes", "training", "routing_rules", "guard_rules",
        "intents", "procedures", "webhooks", "appointments",
    ]
    assert list(spec)[:3] == ["name", "description", "company_name"]
    assert "speed" not in spec  # "normal" is the default
    parts_rule = next(r for r in spec["routing_rules"] if r["department_name"].startswith("Parts"))
    assert parts_rule["destination_agent"] == "volvo-parts-desk"
    assert "is_active" not in parts_rule and "detection_mode" not in parts_rule
    first = spec["guidelines"][0]
    assert first == {"content": "Ask for the registration number before anything else."}
    booking = next(i for i in spec["intents"] if i["name"] == "Book appointment")
    assert "key" not in booking  # the key the server derives from the name
    assert PLACEHOLDER.fullmatch(booking["webhook"]["auth_token"])
    booking_flow = next(p for p in spec["procedures"] if p["name"].startswith("Book a"))
    assert booking_flow["steps"][1]["intent"] == "book_appointment"
    secret_lines = [line for line in text.splitlines() if "${env:MHSYNC_SECRET_" in line]
    assert len(secret_lines) == 3
    assert all("# write-only secret" in line for line in secret_lines)


def test_export_of_agents_made_by_hand_plans_no_changes(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dashboard(project) as api:
        target = data(api.post("/agents", json={"name": "Billing Desk"}))["agent_uuid"]
        created = data(
            api.post(
                "/agents",
                json={
                    "name": "Front Door",
                    "role": "Receptionist",
                    "objective": "Line one\nLine two, with ${literal} braces\n",
                    "tone": "yes",
                    "custom_prompt": "  leading spaces and a # hash",
                    "speed": "fast",
                    "settings": {"voice": {"interaction": {"max_silence_prompts": 3}},
                                 "text": {"greeting": "Hej: välkommen"}},
                    "guidelines": [{"content": "Be brief", "order": 0},
                                   {"content": "Be brief", "order": 1}],
                    "notes": [{"content": "1234", "order": 0}],
                    "routing_rules": [
                        {"department_name": "Billing", "destination_type": "agent",
                         "destination_agent_uuid": target, "phrases": ["invoice"],
                         "ai_prompt": "Billing questions", "is_active": False},
                    ],
                    "guard_rules": [
                        {"name": "Spam", "when_condition": "spam", "then_action":
                         "end_conversation", "selected_channels": ["whatsapp", "phone"]},
                    ],
                },
            )
        )
        uuid = created["agent_uuid"]
        data(api.post(f"/agents/{uuid}/intents", json={
            "name": "Pay invoice", "description": "Pays",
            "webhook": {"url": "https://pay.example/hook", "auth_token": "sec-HAND-1"},
            "parameters": [{"key": "amount", "type": "number", "required": True}],
        }))
        data(api.post(f"/agents/{uuid}/webhooks", json={
            "url": "https://hooks.example/a", "events": ["intent_call"], "secret_key": "sec-HAND-2",
        }))
        data(api.post(f"/agents/{uuid}/webhooks", json={
            "url": "https://hooks.example/b", "events": ["conversation_status"], "is_active": False,
        }))
    result = mh("export", "--agent", "front-door", "-o", "exported")
    assert result.code == 0, result.text
    out = project.root / "exported"
    file = out / "front-door.yaml"
    text = file.read_text(encoding="utf-8")
    assert "sec-HAND" not in text
    assert "$${literal}" in text  # would otherwise be read as a variable reference
    spec = load(file)["spec"]
    # the rule points at an agent that was not exported: the raw uuid form, unchecked
    assert spec["routing_rules"][0]["destination_agent_uuid"] == target
    assert spec["objective"] == "Line one\nLine two, with $${literal} braces\n"
    assert "objective: |" in text
    set_placeholders(monkeypatch, out)
    assert_plan_empty(mh, str(file))

    # exported together, the reference becomes a name
    result = mh("export", "--all", "-o", "both")
    assert result.code == 0, result.text
    both = project.root / "both"
    assert load(both / "front-door.yaml")["spec"]["routing_rules"][0]["destination_agent"] == (
        "billing-desk"
    )
    set_placeholders(monkeypatch, both)
    assert_plan_empty(mh, "both")


def test_export_again_keeps_handles_files_and_metadata(project: Project, mh: Mh) -> None:
    applied(mh)
    assert mh("export", "--all", "-o", "exported").code == 0
    out = project.root / "exported"
    renamed = out / "parts.yaml"
    text = (out / "volvo-parts-desk.yaml").read_text(encoding="utf-8")
    (out / "volvo-parts-desk.yaml").unlink()
    text = text.replace("  name: volvo-parts-desk\n", "  name: parts\n")
    text = text.replace("\nspec:\n", "\n  labels:\n    team: x\nspec:\n")
    renamed.write_text(text, encoding="utf-8")

    again = mh("export", "--all", "-o", "exported")
    assert again.code == 0, again.text
    assert "unchanged exported/parts.yaml  agent[parts]" in again.out
    assert not (out / "volvo-parts-desk.yaml").exists()
    assert renamed.read_text(encoding="utf-8") == text
    service = load(out / "volvo-service-line.yaml")["spec"]
    rule = next(r for r in service["routing_rules"] if r.get("destination_type") == "agent")
    assert rule["destination_agent"] == "parts"

    selected = mh("export", "--selector", "team=x", "-o", "exported")
    assert selected.code == 0, selected.text
    assert "parts.yaml" in selected.out and "volvo-service" not in selected.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say which agents to export"),
        (("--all", "--agent", "x"), "--all exports every agent"),
        (("--agent", "nobody"), "--agent names no live agent: nobody"),
    ],
    ids=["no-choice", "all-and-agent", "unknown-agent"],
)
def test_export_refuses_unclear_requests(
    project: Project, mh: Mh, args: tuple[str, ...], message: str
) -> None:
    applied(mh)
    result = mh("export", *args, "-o", "exported")
    assert result.code == 1
    assert message in result.err


def test_export_finds_agents_by_uuid_and_display_name(project: Project, mh: Mh) -> None:
    applied(mh)
    with dashboard(project) as api:
        uuid = agent_named(api, "Volvo Parts Desk")["agent_uuid"]
    result = mh("export", "--agent", uuid, "--agent", "Nordstaden Chat Support", "-o", "out")
    assert result.code == 0, result.text
    assert sorted(p.name for p in (project.root / "out").glob("*.yaml")) == [
        "nordstaden-chat-support.yaml",
        "volvo-parts-desk.yaml",
    ]


def test_export_extract_common_factors_shared_values_into_a_fragment(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(mh)
    result = mh("export", "--all", "-o", "exported", "--extract-common", "shared")
    assert result.code == 0, result.text
    out = project.root / "exported"
    fragment = load(out / "shared.yaml")
    assert fragment["kind"] == "Fragment" and fragment["metadata"]["name"] == "shared"
    assert fragment["spec"]["company_name"] == "Volvo Cars Nordstaden"  # in every example agent
    assert "fragment[shared]" in result.out
    text = (out / "shared.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/fragment.schema.json\n")
    for path in sorted(out.glob("*.yaml")):
        if path.name == "shared.yaml":
            continue
        document = load(path)
        assert document["metadata"]["uses"] == ["shared"]
        assert "company_name" not in document["spec"]
    set_placeholders(monkeypatch, out)
    assert mh("validate", "exported", "--strict").code == 0
    assert_plan_empty(mh, "exported")
    assert mh("fmt", "--check", "exported").code == 0


def test_extract_common_needs_a_handle(project: Project, mh: Mh) -> None:
    result = mh("export", "--all", "-o", "exported", "--extract-common", "Not A Handle")
    assert result.code != 0 and "lowercase handle" in result.text
