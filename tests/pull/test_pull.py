"""``mhsync pull`` end to end: dashboard edits written back into the files in place.

After a pull, plan shows no changes; every line pull had no reason to touch is byte for byte
what the author wrote (comments, quoting, flow lists, ``${var:...}`` references, blank lines).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Project, Result
from tests.export.helpers import agent_named, dashboard, data, set_placeholders

Mh = Callable[..., Result]
SERVICE = Path("agents/volvo-service.yaml")
NEW_SECRET = "MHSYNC_SECRET_VOLVO_SERVICE_WEBHOOKS_NEW_EXAMPLE_DEALER_SE_HOOK_SECRET_KEY"


def removed_and_added(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    removed = [line[2:] for line in diff if line.startswith("- ")]
    added = [line[2:] for line in diff if line.startswith("+ ")]
    return removed, added


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return project


def edit_in_dashboard(project: Project) -> None:
    with dashboard(project) as api:
        agent = agent_named(api, "Volvo Service Line")
        uuid = agent["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={
            "tone": "Warm and cheerful",
            "topic": None,
            "settings": {"voice": {"interaction": {"silence_message": "Hello? Still with me?"}}},
        }))
        guideline = agent["guidelines"][1]
        data(api.patch(f"/agents/{uuid}/guidelines/{guideline['uuid']}",
                       json={"content": "Offer the two first free slots."}))
        data(api.post(f"/agents/{uuid}/notes",
                      json={"content": "Loan cars are electric.", "order": 2}))
        abusive = next(r for r in agent["guard_rules"] if r["name"] == "Abusive caller")
        data(api.delete(f"/agents/{uuid}/guard-rules/{abusive['uuid']}"))
        desk = next(r for r in agent["routing_rules"] if r["department_name"] == "Service desk")
        data(api.patch(f"/agents/{uuid}/routing-rules/{desk['uuid']}", json={"priority": 5}))
        data(api.post(f"/agents/{uuid}/webhooks", json={
            "url": "https://new.example-dealer.se/hook", "events": ["conversation_update"],
            "secret_key": "sec-NEW-MARKER",
        }))


def edit_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def author_style(path: Path) -> None:
    """Quoting and a flow list the canonical examples do not have, as an author might write."""
    text = path.read_text(encoding="utf-8")
    text = edit_once(
        text,
        "      destination: ${var:service_desk_extension}\n",
        '      destination: "${var:service_desk_extension}"\n',
    )
    text = edit_once(
        text,
        "      events:\n        - conversation_status\n        - conversation_end_report\n",
        "      events: [conversation_status, conversation_end_report]\n",
    )
    path.write_text(text, encoding="utf-8")


def test_pull_writes_dashboard_edits_and_keeps_everything_else(
    applied: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = applied.root / SERVICE
    author_style(path)
    assert mh("plan", "--detailed-exitcode").code == 0  # style only: nothing to apply
    before = path.read_text(encoding="utf-8")
    others = {p: p.read_bytes() for p in (applied.root / "agents").glob("*.yaml") if p != path}
    edit_in_dashboard(applied)
    assert mh("plan", "--detailed-exitcode").code == 2

    result = mh("pull")
    assert result.code == 0, result.text
    assert f"updated {SERVICE}  agent[volvo-service]" in result.out
    assert NEW_SECRET in result.err
    after = path.read_text(encoding="utf-8")
    assert "sec-NEW-MARKER" not in after
    assert all(p.read_bytes() == content for p, content in others.items())

    removed, added = removed_and_added(before, after)
    assert removed == [
        "  tone: Calm, friendly and precise",
        "  topic: Workshop appointments",
        "        silence_message: Are you still there?",
        "    - content: Offer the first free slot, then one alternative.",
        "      priority: 1",
        "    - name: Abusive caller",
        "      when_condition: The caller is abusive or threatening.",
        "      example_phrases:",
        "        - I'm going to hurt someone",
        "        - You are useless idiots",
        "        - I'll come there and smash the place",
        "      then_action: end_conversation",
        "      say_before_end: I'm ending this call now. Goodbye.",
        "      is_default: false",
    ]
    assert added == [
        "  tone: Warm and cheerful",
        "        silence_message: Hello? Still with me?",
        "    - content: Offer the two first free slots.",
        "    - content: Loan cars are electric.",
        "      priority: 5",
        "    - url: https://new.example-dealer.se/hook",
        "      events:",
        "        - conversation_update",
        f"      secret_key: ${{env:{NEW_SECRET}}}"
        "  # write-only secret: the API never returns it; set this variable before apply",
    ]
    # what did not change keeps its references and quoting, even next to a change
    assert '      destination: "${var:service_desk_extension}"' in after
    assert "      events: [conversation_status, conversation_end_report]" in after
    set_placeholders(monkeypatch, path)
    assert mh("plan", "--detailed-exitcode").code == 0


def test_pull_without_drift_changes_nothing(applied: Project, mh: Mh) -> None:
    files = {p: p.read_bytes() for p in (applied.root / "agents").glob("*.yaml")}
    result = mh("pull")
    assert result.code == 0, result.text
    assert "Nothing to pull" in result.err
    assert all(p.read_bytes() == content for p, content in files.items())


def test_pull_keeps_comments_on_edited_items_and_reorders_positional_sections(
    applied: Project, mh: Mh
) -> None:
    path = applied.root / SERVICE
    text = path.read_text(encoding="utf-8")
    text = edit_once(
        text,
        "    - content: Courtesy cars must be requested at least two days ahead.\n",
        "    - content: Courtesy cars must be requested at least two days ahead.  # courtesy\n",
    )
    text = edit_once(
        text,
        "    - department_name: Service desk\n",
        "    # the human desk\n    - department_name: Service desk  # desk\n",
    )
    path.write_text(text, encoding="utf-8")
    with dashboard(applied) as api:
        agent = agent_named(api, "Volvo Service Line")
        uuid = agent["agent_uuid"]
        notes = agent["notes"]
        data(api.put(f"/agents/{uuid}/notes", json={"notes": [
            {"content": notes[1]["content"], "order": 0},
            {"content": notes[0]["content"], "order": 1},
        ]}))
        desk = next(r for r in agent["routing_rules"] if r["department_name"] == "Service desk")
        data(api.patch(f"/agents/{uuid}/routing-rules/{desk['uuid']}",
                       json={"ai_prompt": "The caller wants a person."}))
    result = mh("pull", "--agent", "volvo-service")
    assert result.code == 0, result.text
    after = path.read_text(encoding="utf-8")
    assert (
        "  notes:\n"
        "    - content: Courtesy cars must be requested at least two days ahead.  # courtesy\n"
        "    - The workshop is open 07:00-17:00 on weekdays and closed on weekends.\n"
        "\n"
        "  training:\n"
    ) in after
    assert "    # the human desk\n    - department_name: Service desk  # desk\n" in after
    assert "      ai_prompt: The caller wants a person.\n" in after
    assert mh("plan", "--detailed-exitcode").code == 0


def test_pull_with_a_selection_touches_only_the_selected_agents(
    applied: Project, mh: Mh
) -> None:
    with dashboard(applied) as api:
        for name in ("Volvo Parts Desk", "Nordstaden Chat Support"):
            uuid = agent_named(api, name)["agent_uuid"]
            data(api.patch(f"/agents/{uuid}", json={"tone": "Brisk"}))
    support = applied.root / "agents/whatsapp-support.yaml"
    untouched = support.read_bytes()
    result = mh("pull", "--agent", "volvo-parts")
    assert result.code == 0, result.text
    assert "agents/volvo-parts.yaml" in result.out
    assert support.read_bytes() == untouched
    assert "  tone: Brisk\n" in (applied.root / "agents/volvo-parts.yaml").read_text()
    assert mh("plan", "--agent", "volvo-parts", "--detailed-exitcode").code == 0
    assert mh("plan", "--agent", "whatsapp-support", "--detailed-exitcode").code == 2


def test_pull_keeps_a_files_own_indentation_and_document_markers(
    applied: Project, mh: Mh
) -> None:
    path = applied.root / "agents/volvo-parts.yaml"
    text = (
        "# Parts desk, indented by four.\n---\napiVersion: mhsync/v1\nkind: Agent\n"
        "metadata:\n    name: volvo-parts\n    labels:\n        team: parts\n"
        "    uses: [nordstaden-defaults]\n    drop: [timezone]\n"
        "spec:\n    name: Volvo Parts Desk\n    role: 'Parts and accessories specialist'\n"
        "    objective: Help customers find and order genuine Volvo parts and accessories.\n"
        "    tone: Knowledgeable and helpful\n"
        "    behavior_guidelines: Ask for the car model and year before suggesting a part.\n"
        "    language: en  # English only\n"
    )
    path.write_text(text, encoding="utf-8")
    with dashboard(applied) as api:
        uuid = agent_named(api, "Volvo Parts Desk")["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={"tone": "Brisk", "description": "Parts"}))
    result = mh("pull")
    assert result.code == 0, result.text
    removed, added = removed_and_added(text, path.read_text(encoding="utf-8"))
    assert removed == ["    tone: Knowledgeable and helpful"]
    assert added == ["    description: Parts", "    tone: Brisk"]
    assert mh("plan", "--detailed-exitcode").code == 0


def test_pull_never_copies_an_inherited_value_into_the_agent(applied: Project, mh: Mh) -> None:
    """A dashboard edit of a value a fragment writes is reported; every file stays as it is."""
    files = sorted((applied.root / "agents").rglob("*.*"))
    before = {p: p.read_bytes() for p in files}
    with dashboard(applied) as api:
        uuid = agent_named(api, "Volvo Parts Desk")["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={"company_name": "Renamed Motors"}))
    result = mh("pull")
    assert result.code == 0, result.text
    assert {p: p.read_bytes() for p in files} == before
    assert "agent[volvo-parts]: not pulled: spec.company_name" in result.err
    assert "(from fragment `nordstaden-defaults`)" in result.err


def test_pull_writes_own_edits_and_reports_inherited_ones(applied: Project, mh: Mh) -> None:
    fragment = applied.root / "agents/nordstaden-defaults.yaml"
    kept = fragment.read_bytes()
    with dashboard(applied) as api:
        uuid = agent_named(api, "Volvo Parts Desk")["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={"tone": "Brisk", "company_name": "Other"}))
    result = mh("pull")
    assert result.code == 0, result.text
    text = (applied.root / "agents/volvo-parts.yaml").read_text(encoding="utf-8")
    assert "  tone: Brisk\n" in text and "company_name" not in text
    assert fragment.read_bytes() == kept
    assert "spec.company_name (from fragment `nordstaden-defaults`)" in result.err
    plan = mh("plan", "--detailed-exitcode")
    assert plan.code == 2 and "company_name" in plan.out and "tone" not in plan.out


def test_pull_writes_a_prompt_edit_into_its_file(applied: Project, mh: Mh) -> None:
    manifest = applied.root / "agents/volvo-service.yaml"
    kept = manifest.read_bytes()
    with dashboard(applied) as api:
        uuid = agent_named(api, "Volvo Service Line")["agent_uuid"]
        data(api.patch(f"/agents/{uuid}", json={"custom_prompt": "Say hi.\nThen listen."}))
    result = mh("pull")
    assert result.code == 0, result.text
    prompt = applied.root / "agents/prompts/volvo-service.md"
    assert prompt.read_text(encoding="utf-8") == "Say hi.\nThen listen.\n"
    assert manifest.read_bytes() == kept  # the ${file:} reference stays
    assert "prompts/volvo-service.md" in result.out
    assert mh("plan", "--detailed-exitcode").code == 0
