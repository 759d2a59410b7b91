"""What the loader builds: the desired WorkspaceState, variables, secrets, discovery, ordering."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.manifest import Diagnostic, load_manifests
from mhsync.state import SECRET_SET, SourceLocation

from .conftest import AGENT, Writer, agent, lines


def test_minimal_agent_manages_core_only(write: Writer) -> None:
    path = write("a.yaml", AGENT)
    result = load_manifests([path])
    assert result.diagnostics == [] and result.ok(strict=True)
    assert result.files == [path]
    state = result.workspace.agents["test-agent"]
    assert state.uuid is None
    assert list(state.objects) == ["core"]
    assert state.collections == {}
    assert state.objects["core"] == {
        "name": "Test agent",
        "role": "Tester",
        "objective": "Find bugs",
        "tone": "Dry",
        "behavior_guidelines": "Be brief.",
        "language": "en",
        "speed": "normal",
        "appointment_scheduling_enabled": False,
        "appointment_scheduling_randomly": False,
    }
    assert state.source == SourceLocation(str(path), 1)


def test_present_sections_are_managed_even_when_empty(write: Writer) -> None:
    path = write("a.yaml", agent("notes: []\nwebhooks: []\nsettings: {}\n"))
    state = load_manifests([path]).workspace.agents["test-agent"]
    assert state.collections == {"notes": [], "webhooks": []}
    assert state.objects["settings"] == {}
    assert "appointments" not in state.objects


def test_metadata_is_carried(write: Writer) -> None:
    text = AGENT.replace(
        "  name: test-agent\n",
        "  name: test-agent\n"
        "  uuid: 3F2C8A4E-1B7D-4C3E-9A1F-2B6D8E0C4A51\n"
        "  protected: true\n"
        "  labels: {team: care}\n"
        "  ignore: [spec.settings.voice.voice_profile, spec.notes]\n"
        "  previous_names: [old-name]\n",
    )
    state = load_manifests([write("a.yaml", text)]).workspace.agents["test-agent"]
    assert state.uuid == "3F2C8A4E-1B7D-4C3E-9A1F-2B6D8E0C4A51"
    assert state.protected is True
    assert state.labels == {"team": "care"}
    assert state.ignore == ("spec.settings.voice.voice_profile", "spec.notes")
    assert state.previous_names == ("old-name",)


def test_positional_sections_keep_order_and_accept_shorthand(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent("guidelines:\n  - Zebra first\n  - content: Apple second\n  - Mango third\n"),
    )
    items = load_manifests([path]).workspace.agents["test-agent"].collections["guidelines"]
    assert [i.key for i in items] == ["Zebra first", "Apple second", "Mango third"]
    assert items[1].fields == {"content": "Apple second"}


def test_identity_sections_are_sorted_and_intent_keys_derived(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            intents:
              - name: Repair status
              - name: Book appointment
                key: book
            training:
              - content: b
              - content: a
            """
        ),
    )
    state = load_manifests([path]).workspace.agents["test-agent"]
    assert [i.key for i in state.collections["intents"]] == ["book", "repair_status"]
    assert state.collections["intents"][1].fields["key"] == "repair_status"
    assert [i.key for i in state.collections["training"]] == ["a", "b"]


def test_variables_are_substituted_whole_and_embedded(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            custom_prompt: Call ${var:desk} or mention ${env:CAMPAIGN}; literal $${var:desk}.
            settings:
              voice:
                interaction:
                  max_silence_prompts: ${var:prompts}
            routing_rules:
              - department_name: Desk
                phrases: [desk please]
                ai_prompt: Wants the desk.
                destination_type: extension
                destination: ${var:desk}
            """
        ),
    )
    result = load_manifests(
        [path], variables={"desk": "201", "prompts": "3"}, env={"CAMPAIGN": "Spring"}
    )
    assert result.diagnostics == []
    state = result.workspace.agents["test-agent"]
    assert (
        state.objects["core"]["custom_prompt"] == "Call 201 or mention Spring; literal ${var:desk}."
    )
    assert state.objects["settings"]["voice"]["interaction"]["max_silence_prompts"] == 3
    assert state.collections["routing_rules"][0].fields["destination"] == "201"


def test_secrets_stay_references(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            webhooks:
              - url: https://hooks.example/a
                events: [intent_call]
                secret_key: ${env:HOOK_SECRET}
            intents:
              - name: Book
                webhook: {url: "https://book.example", auth_token: "${env:BOOK_TOKEN}"}
            """
        ),
    )
    env = {"HOOK_SECRET": "super-secret-value", "BOOK_TOKEN": "token-value"}
    state = load_manifests([path], env=env).workspace.agents["test-agent"]
    [hook] = state.collections["webhooks"]
    assert hook.fields["secret_key"] == SECRET_SET
    assert hook.secrets == {"secret_key": "${env:HOOK_SECRET}"}
    [intent] = state.collections["intents"]
    assert intent.fields["webhook"]["auth_token"] == SECRET_SET
    assert intent.secrets == {"webhook.auth_token": "${env:BOOK_TOKEN}"}
    assert "super-secret-value" not in repr(state) and "token-value" not in repr(state)


def test_check_env_false_leaves_env_references_alone(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            custom_prompt: Mention ${env:CAMPAIGN}.
            webhooks:
              - {url: "https://h.example", events: [intent_call], secret_key: "${env:NOPE}"}
            """
        ),
    )
    result = load_manifests([path], env={}, check_env=False)
    assert result.diagnostics == []
    state = result.workspace.agents["test-agent"]
    assert state.objects["core"]["custom_prompt"] == "Mention ${env:CAMPAIGN}."
    # without check_env the embedded reference fails; the secret never needs its variable
    assert [d.code for d in load_manifests([path], env={}).diagnostics] == ["env-unset"]


def test_references_by_name_and_pinned_uuid(write: Writer) -> None:
    uuid = "3f2c8a4e-1b7d-4c3e-9a1f-2b6d8e0c4a51"
    target = agent(name="desk").replace("  name: desk\n", f"  name: desk\n  uuid: {uuid}\n")
    source = agent(
        f"""\
        routing_rules:
          - department_name: Desk
            phrases: [desk]
            ai_prompt: Desk.
            destination_type: agent
            destination_agent: desk
          - department_name: Desk by uuid
            phrases: [desk]
            ai_prompt: Desk.
            destination_type: agent
            destination_agent_uuid: {uuid}
          - department_name: Elsewhere
            phrases: [far]
            ai_prompt: Far.
            destination_type: agent
            destination_agent_uuid: 00000000-0000-4000-8000-000000000000
        """
    )
    result = load_manifests([write("a.yaml", source + "---\n" + target)])
    assert result.diagnostics == []
    rules = result.workspace.agents["test-agent"].collections["routing_rules"]
    by_key = {r.key: r.fields for r in rules}
    assert by_key["Desk"]["destination_agent"] == "desk"
    assert by_key["Desk by uuid"]["destination_agent"] == "desk"
    assert "destination_agent_uuid" not in by_key["Desk by uuid"]
    assert by_key["Elsewhere"]["destination_agent_uuid"] == "00000000-0000-4000-8000-000000000000"


def test_steps_reference_intents_by_derived_key(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            intents:
              - name: Book appointment
            procedures:
              - name: Booking
                steps:
                  - intent: book_appointment
                  - description: Confirm.
            """
        ),
    )
    result = load_manifests([path])
    assert result.diagnostics == []
    [procedure] = result.workspace.agents["test-agent"].collections["procedures"]
    assert procedure.fields["steps"] == [
        {"intent": "book_appointment"},
        {"description": "Confirm."},
    ]


def test_invalid_agents_are_left_out_but_others_are_kept(write: Writer) -> None:
    path = write("a.yaml", agent("speed: slow\n") + "---\n" + agent(name="good"))
    result = load_manifests([path])
    assert [d.path for d in result.errors] == ["spec.speed"]
    assert list(result.workspace.agents) == ["good"]


def test_every_problem_of_one_item_and_its_siblings_is_reported(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            guard_rules:
              - name: Broken
                when_conditon: typo
                then_action: forward
              - name: Good but incomplete
                when_condition: Something.
                example_phrases: [x]
                then_action: forward
            """
        ),
    )
    assert lines(load_manifests([path])) == [
        "13:7: spec.guard_rules[0].when_condition: is required",
        "14:7: spec.guard_rules[0].when_conditon: unknown field (did you mean `when_condition`?)",
        "16:7: spec.guard_rules[1].destination: is required when then_action is forward"
        " (or destination_agent for an agent)",
        "16:7: spec.guard_rules[1].destination_type: is required when then_action is forward",
    ]


def test_directories_are_searched_for_manifests_only(write: Writer, tmp_path: Path) -> None:
    write("agents/b.yml", agent(name="b"))
    write("agents/nested/a.yaml", agent(name="a"))
    write("agents/mhsync.yaml", "targets: {}\n")
    write("agents/.hidden/c.yaml", agent(name="c"))
    write("agents/ci.yaml", "on: push\njobs: {}\n")
    write("agents/notes.txt", agent(name="d"))
    broken = write("agents/broken.yaml", "apiVersion: mhsync/v1\nkind: Agent\nmetadata: [\n")
    result = load_manifests([tmp_path / "agents"])
    assert sorted(p.name for p in result.files) == ["a.yaml", "b.yml", "broken.yaml"]
    assert [(d.file, d.severity) for d in result.diagnostics] == [
        (str(broken), "error"),
        (str(tmp_path / "agents/ci.yaml"), "warning"),  # other YAML is named, never skipped
    ]
    assert result.diagnostics[1].code == "not-a-manifest"
    assert sorted(result.workspace.agents) == ["a", "b"]


def test_wrong_api_version_in_a_directory_is_reported(write: Writer, tmp_path: Path) -> None:
    write("agents/old.yaml", AGENT.replace("mhsync/v1", "mhsync/v0"))
    write("agents/k8s.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
    result = load_manifests([tmp_path / "agents"])
    assert [(Path(d.file).name, d.path, d.message) for d in result.diagnostics] == [
        ("k8s.yaml", "", "not recognised as a manifest (no `apiVersion: mhsync/...` or "
         "`kind: Agent`); skipped"),
        ("old.yaml", "apiVersion", "must be mhsync/v1"),
    ]


def test_missing_paths_and_empty_directories(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = load_manifests([tmp_path / "nope.yaml", tmp_path / "empty"])
    assert [(d.severity, d.message) for d in result.diagnostics] == [
        ("warning", "no manifests found here"),
        ("error", "no such file or directory"),
    ]


def test_the_same_file_twice_is_loaded_once(write: Writer, tmp_path: Path) -> None:
    path = write("a.yaml", AGENT)
    result = load_manifests([path, tmp_path, tmp_path / "." / "a.yaml"])
    assert result.diagnostics == [] and len(result.files) == 1


def test_diagnostics_are_sorted_by_file_line_col(write: Writer) -> None:
    second = write("b.yaml", agent("speed: slow\ntone: 5\n", name="b"))
    first = write("a.yaml", agent("status: x\n", name="a"))
    result = load_manifests([second, first])
    assert [(Path(d.file).name, d.line) for d in result.diagnostics] == [
        ("a.yaml", 12),
        ("b.yaml", 12),
        ("b.yaml", 13),
    ]


def test_diagnostic_text_and_json_forms() -> None:
    error = Diagnostic(
        file="x.yaml",
        line=12,
        col=7,
        path="spec.guard_rules[1].when_conditon",
        message="unknown field",
        hint="did you mean `when_condition`?",
        code="unknown-field",
    )
    assert str(error) == (
        "x.yaml:12:7: spec.guard_rules[1].when_conditon: unknown field"
        " (did you mean `when_condition`?)"
    )
    warning = Diagnostic(
        file="x.yaml", line=3, col=1, path="spec.role", message="is not set", severity="warning"
    )
    assert str(warning) == "x.yaml:3:1: warning: spec.role: is not set"
    assert str(Diagnostic(file="x.yaml", message="no such file")) == "x.yaml: no such file"
    assert error.to_dict() == {
        "file": "x.yaml",
        "line": 12,
        "col": 7,
        "path": "spec.guard_rules[1].when_conditon",
        "message": "unknown field",
        "severity": "error",
        "hint": "did you mean `when_condition`?",
        "code": "unknown-field",
    }


def test_a_diagnostic_is_built_by_keyword_only() -> None:
    """Eight positional fields are read wrongly at a glance (which string is the hint?)."""
    with pytest.raises(TypeError):
        Diagnostic("x.yaml", 3, 1, "spec.role", "is not set")  # type: ignore[misc]
    whole_file = Diagnostic(file="x.yaml", message="no such file")
    assert (whole_file.line, whole_file.col, whole_file.path) == (0, 0, "")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("exact", ["trigger_keyword"]),
        ("both", ["trigger_keyword", "ai_prompt", "phrases"]),
        ("intent", ["ai_prompt", "phrases"]),
    ],
)
def test_detection_modes(write: Writer, mode: str, expected: list[str]) -> None:
    path = write(
        "a.yaml",
        agent(
            f"""\
            routing_rules:
              - department_name: Desk
                detection_mode: {mode}
                destination_type: extension
                destination: "200"
            """
        ),
    )
    found = load_manifests([path]).diagnostics
    assert sorted(d.path.rsplit(".", 1)[1] for d in found) == sorted(expected)


@pytest.mark.parametrize("literal", ["s3cr3t-value", "987654321", "0x5eC2E7"], ids=str)
def test_literal_secrets_never_appear_in_diagnostics(write: Writer, literal: str) -> None:
    path = write(
        "a.yaml",
        agent(
            f"""\
            webhooks:
              - {{url: "https://h.example", events: [intent_call], secret_key: {literal}}}
            intents:
              - name: Book
                webhook: {{url: "https://b.example", auth_token: {literal}}}
            """
        ),
    )
    result = load_manifests([path])
    assert {d.code for d in result.errors} >= {"literal-secret"}
    assert [d.path for d in result.errors if d.code == "literal-secret"] == [
        "spec.webhooks[0].secret_key",
        "spec.intents[0].webhook.auth_token",
    ]
    rendered = "\n".join(str(d) for d in result.diagnostics) + repr(result)
    assert literal not in rendered and literal.lower() not in rendered.lower()
