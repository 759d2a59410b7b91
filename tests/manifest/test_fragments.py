"""Fragments: every merge rule, drops, target-limited uses, nesting, cycles and diagnostics."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from mhsync.cli.main import cli
from mhsync.manifest import LoadResult, load_manifests
from mhsync.state import AgentState

from .conftest import Writer, agent

ENV = {"CRM_SECRET": "s3cret"}


def fragment(name: str, spec: str = "", *, metadata: str = "") -> str:
    text = f"apiVersion: mhsync/v1\nkind: Fragment\nmetadata:\n  name: {name}\n"
    if metadata:
        text += textwrap.indent(textwrap.dedent(metadata), "  ")
    text += "spec:\n" + textwrap.indent(textwrap.dedent(spec), "  ") if spec else ""
    return text


def using(uses: str, extra: str = "", *, name: str = "test-agent", more: str = "") -> str:
    """An agent (``agent()``) whose metadata has ``uses: <uses>`` and ``more``."""
    meta = f"  uses: {uses}\n" + textwrap.indent(textwrap.dedent(more), "  ")
    return agent(extra, name=name).replace(f"  name: {name}\n", f"  name: {name}\n{meta}", 1)


def load(tmp_path: Path, *, target: str | None = None, **kwargs: Any) -> LoadResult:
    return load_manifests([tmp_path], env=ENV, target=target, **kwargs)


def only(result: LoadResult, handle: str = "test-agent") -> AgentState:
    assert [str(d) for d in result.errors] == []
    return result.workspace.agents[handle]


def items(state: AgentState, section: str) -> list[dict[str, Any]]:
    return [dict(i.fields) for i in state.collections[section]]


# --- merge rules ----------------------------------------------------------------------------


def test_core_fields_merge_key_by_key_and_the_agent_wins(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("base", "tone: Warm\ncompany_name: Volvo\ntimezone: Europe/Oslo\n"))
    write("a.yaml", using("[base]").replace("tone: Dry", "tone: Crisp"))
    core = only(load(tmp_path)).objects["core"]
    assert (core["tone"], core["company_name"], core["timezone"]) == (
        "Crisp",
        "Volvo",
        "Europe/Oslo",
    )


def test_later_fragments_win_over_earlier_ones(write: Writer, tmp_path: Path) -> None:
    write(
        "f.yaml",
        fragment("one", "company_name: One\n") + "---\n" + fragment("two", "company_name: Two\n"),
    )
    write("a.yaml", using("[one, two]"))
    assert only(load(tmp_path)).objects["core"]["company_name"] == "Two"


def test_settings_merge_key_by_key_at_every_level(write: Writer, tmp_path: Path) -> None:
    write(
        "f.yaml",
        fragment(
            "voice",
            """\
            settings:
              voice:
                voice_profile: {language: en, voice_name: Ava}
                interaction: {silence_message: Still there?, max_silence_prompts: 2}
            """,
        ),
    )
    write(
        "a.yaml",
        using(
            "[voice]",
            """\
            settings:
              voice:
                interaction: {max_silence_prompts: 3, end_call_message: Bye}
            """,
        ),
    )
    voice = only(load(tmp_path)).objects["settings"]["voice"]
    assert voice["voice_profile"] == {"language": "en", "voice_name": "Ava"}
    assert voice["interaction"] == {
        "silence_message": "Still there?",
        "max_silence_prompts": 3,
        "end_call_message": "Bye",
    }


GUARDS = """\
guard_rules:
  - name: Legal
    when_condition: legal advice
    example_phrases: [a lawyer, sue, court]
    then_action: end_conversation
    say_before_end: I cannot give legal advice.
  - name: Abuse
    when_condition: abuse
    example_phrases: [idiot, stupid, shut up]
    then_action: end_conversation
"""


def test_identity_keyed_items_replace_whole_by_key(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("guards", GUARDS))
    own = """\
        guard_rules:
          - name: Legal
            when_condition: any legal question
            example_phrases: [law, lawyer, legal]
            then_action: end_conversation
          - name: Medical
            when_condition: medical advice
            example_phrases: [doctor, pills, pain]
            then_action: end_conversation
        """
    write("a.yaml", using("[guards]", own))
    rules = {r["name"]: r for r in items(only(load(tmp_path)), "guard_rules")}
    assert sorted(rules) == ["Abuse", "Legal", "Medical"]
    assert rules["Legal"]["when_condition"] == "any legal question"
    assert "say_before_end" not in rules["Legal"]  # replaced whole, not merged field by field


def test_derived_identity_keys_merge_too(write: Writer, tmp_path: Path) -> None:
    write(
        "f.yaml",
        fragment("intents", "intents:\n  - name: Book appointment\n    description: old\n"),
    )
    write("a.yaml", using("[intents]", "intents:\n  - key: book_appointment\n    name: Book it\n"))
    assert [(i["key"], i["name"]) for i in items(only(load(tmp_path)), "intents")] == [
        ("book_appointment", "Book it")
    ]


def test_ordered_sections_take_fragment_items_first_in_uses_order(
    write: Writer, tmp_path: Path
) -> None:
    write("one.yaml", fragment("one", "notes: [One a, One b]\nguidelines: [Be kind]\n"))
    write("two.yaml", fragment("two", "notes: [Two]\n"))
    write("a.yaml", using("[two, one]", "notes: [Own]\n"))
    state = only(load(tmp_path))
    assert [n["content"] for n in items(state, "notes")] == ["Two", "One a", "One b", "Own"]
    assert [g["content"] for g in items(state, "guidelines")] == ["Be kind"]


def test_an_empty_section_in_a_fragment_is_managed_and_empty(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("none", "webhooks: []\n"))
    write("a.yaml", using("[none]"))
    state = only(load(tmp_path))
    assert state.collections["webhooks"] == []
    assert "notes" not in state.collections


# --- dropping inherited values --------------------------------------------------------------


def test_drop_removes_fields_keys_sections_and_items(write: Writer, tmp_path: Path) -> None:
    spec = GUARDS + "notes: [Keep, Lose]\ncompany_name: Volvo\nwebhooks: []\n"
    spec += "settings:\n  voice:\n    voice_profile: {language: en}\n"
    spec += "    compliance: {hipaa_compliance: true}\n"
    write("f.yaml", fragment("base", spec))
    drop = """\
        drop:
          - company_name
          - settings.voice.compliance
          - webhooks
          - guard_rules: [Abuse]
            notes: [Lose]
        """
    write("a.yaml", using("[base]", more=drop))
    result = load(tmp_path)
    assert result.diagnostics == []
    state = only(result)
    assert "company_name" not in state.objects["core"]
    assert state.objects["settings"] == {"voice": {"voice_profile": {"language": "en"}}}
    assert "webhooks" not in state.collections
    assert [r["name"] for r in items(state, "guard_rules")] == ["Legal"]
    assert [n["content"] for n in items(state, "notes")] == ["Keep"]


def test_drop_then_the_agent_can_write_the_value_again(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("base", "notes: [Shared]\n"))
    write("a.yaml", using("[base]", "notes: [Mine]\n", more="drop: [notes]\n"))
    assert [n["content"] for n in items(only(load(tmp_path)), "notes")] == ["Mine"]


def test_dropping_what_nothing_inherits_is_a_warning_with_a_hint(
    write: Writer, tmp_path: Path
) -> None:
    write("f.yaml", fragment("base", GUARDS + "company_name: Volvo\n"))
    write("a.yaml", using("[base]", more="drop:\n  - company_nam\n  - guard_rules: [Abus]\n"))
    found = [(d.code, d.severity, d.path, d.hint) for d in load(tmp_path).diagnostics]
    assert found == [
        ("drop-nothing", "warning", "metadata.drop[0]", "did you mean `company_name`?"),
        ("drop-nothing", "warning", "metadata.drop[1].guard_rules[0]", "did you mean `Abuse`?"),
    ]


def test_a_bad_drop_entry_is_a_metadata_error(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("base", "tone: Warm\n"))
    write("a.yaml", using("[base]", more="drop:\n  - guard_rule: [Abuse]\n"))
    codes = [(d.code, d.path) for d in load(tmp_path).errors]
    assert ("unknown-field", "metadata.drop[0].guard_rule") in codes


# --- target-limited uses, variables, nesting -----------------------------------------------


def test_a_uses_entry_limited_to_targets(write: Writer, tmp_path: Path) -> None:
    hooks = (
        "webhooks:\n  - url: https://crm.example.com/hook\n    events: [conversation_end_report]\n"
    )
    write("f.yaml", fragment("prod-hooks", hooks))
    write("a.yaml", using("[{fragment: prod-hooks, targets: [production]}]"))
    assert "webhooks" in only(load(tmp_path, target="production")).collections
    staging = load(tmp_path, target="staging")
    assert "webhooks" not in only(staging).collections
    assert staging.diagnostics == []  # not unused: production uses it


def test_variables_in_fragments_are_the_target_s(write: Writer, tmp_path: Path) -> None:
    spec = """\
        company_name: ${var:company}
        settings: {voice: {interaction: {max_silence_prompts: "${var:prompts}"}}}
        webhooks:
          - url: https://crm.example.com/hook
            events: [conversation_end_report]
            secret_key: ${env:CRM_SECRET}
        """
    write("f.yaml", fragment("base", spec))
    write("a.yaml", using("[base]"))
    result = load(tmp_path, variables={"company": "Volvo", "prompts": "4"})
    state = only(result)
    assert state.objects["core"]["company_name"] == "Volvo"
    assert state.objects["settings"]["voice"]["interaction"]["max_silence_prompts"] == 4
    assert state.collections["webhooks"][0].secrets == {"secret_key": "${env:CRM_SECRET}"}


def test_fragments_use_fragments_and_the_nearest_wins(write: Writer, tmp_path: Path) -> None:
    write("base.yaml", fragment("base", "tone: Base\nnotes: [Base note]\ncompany_name: Base\n"))
    write(
        "mid.yaml",
        fragment(
            "mid", "tone: Mid\nnotes: [Mid note]\n", metadata="uses: [base]\ndrop: [company_name]\n"
        ),
    )
    write("a.yaml", using("[mid]", "notes: [Own]\n").replace("  tone: Dry\n", ""))
    state = only(load(tmp_path))
    assert state.objects["core"]["tone"] == "Mid"
    assert "company_name" not in state.objects["core"]
    assert [n["content"] for n in items(state, "notes")] == ["Base note", "Mid note", "Own"]


def test_a_cycle_is_an_error_naming_it(write: Writer, tmp_path: Path) -> None:
    write("a1.yaml", fragment("alpha", "tone: A\n", metadata="uses: [beta]\n"))
    write("b1.yaml", fragment("beta", "tone: B\n", metadata="uses: [alpha]\n"))
    write("a.yaml", using("[alpha]"))
    cycles = [d for d in load(tmp_path).errors if d.code == "fragment-cycle"]
    assert len(cycles) == 1
    assert "alpha -> beta -> alpha" in cycles[0].message
    assert cycles[0].file.endswith("b1.yaml") and cycles[0].path == "metadata.uses[0]"


def test_unknown_fragment_has_did_you_mean(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("shared-guards", GUARDS))
    write("a.yaml", using("[shared-guard]"))
    (error,) = load(tmp_path).errors
    assert (error.code, error.path, error.line) == ("unknown-fragment", "metadata.uses[0]", 5)
    assert error.hint == "did you mean `shared-guards`?"


def test_unused_and_duplicate_fragments(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", fragment("lonely", "tone: X\n") + "---\n" + fragment("lonely", "tone: Y\n"))
    write("a.yaml", agent())
    found = sorted((d.code, d.severity, d.line) for d in load(tmp_path).diagnostics)
    assert found == [("duplicate-fragment", "error", 11), ("unused-fragment", "warning", 4)]


def test_a_fragment_envelope_is_checked(write: Writer, tmp_path: Path) -> None:
    write("f.yaml", "apiVersion: mhsync/v1\nkind: Fragment\nmetadata:\n  nam: x\nspec: {}\n")
    found = [(d.code, d.path, d.hint) for d in load(tmp_path).errors]
    assert ("unknown-field", "metadata.nam", "did you mean `name`?") in found


# --- diagnostics point at the source --------------------------------------------------------


BAD_FRAGMENT = """\
apiVersion: mhsync/v1
kind: Fragment
metadata:
  name: guards
spec:
  guard_rules:
    - name: Legal
      when_condition: legal advice
      example_phrases: [a, b, c]
      then_action: hang_up
  tonee: Warm
"""


def test_an_error_in_a_fragment_value_names_fragment_and_agent(
    write: Writer, tmp_path: Path
) -> None:
    write("frag/guards.yaml", BAD_FRAGMENT)
    write("a.yaml", using("[guards]", "notes: [x]\n", name="alpha"))
    write("b.yaml", using("[guards]", name="beta"))
    errors = load(tmp_path).errors
    got = sorted(
        (Path(d.file).name, d.line, d.col, d.path, d.used_by.agent if d.used_by else None)
        for d in errors
    )
    assert got == [
        ("guards.yaml", 10, 20, "spec.guard_rules[0].then_action", "alpha"),
        ("guards.yaml", 10, 20, "spec.guard_rules[0].then_action", "beta"),
        ("guards.yaml", 11, 3, "spec.tonee", "alpha"),
        ("guards.yaml", 11, 3, "spec.tonee", "beta"),
    ]
    first = next(d for d in errors if d.used_by and d.used_by.agent == "alpha")
    assert first.used_by is not None
    assert (Path(first.used_by.file).name, first.used_by.line) == ("a.yaml", 5)
    assert "in fragment `guards`, used by agent `alpha` at" in str(first)


def test_own_values_after_inherited_items_point_at_the_agent_s_lines(
    write: Writer, tmp_path: Path
) -> None:
    write("f.yaml", fragment("base", "notes: [One, Two]\n"))
    write("a.yaml", using("[base]", "notes:\n  - content: Mine\n    extra: 1\n"))
    (error,) = load(tmp_path).errors
    assert (Path(error.file).name, error.line, error.path) == ("a.yaml", 15, "spec.notes[0].extra")
    assert error.used_by is None


def test_validate_json_carries_fragment_and_agent(
    write: Writer, tmp_path: Path, monkeypatch: Any
) -> None:
    write("guards.yaml", BAD_FRAGMENT.replace("  tonee: Warm\n", ""))
    write("a.yaml", using("[guards]", name="alpha"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", "."], env={})
    assert result.exit_code == 1
    (entry,) = json.loads(result.stdout)
    assert (entry["file"], entry["line"], entry["col"]) == ("guards.yaml", 10, 20)
    assert entry["used_by"] == {
        "agent": "alpha",
        "fragment": "guards",
        "file": "a.yaml",
        "line": 5,
        "col": 10,
    }


def test_agents_without_uses_are_untouched(write: Writer, tmp_path: Path) -> None:
    write("a.yaml", agent("notes: [x]\n"))
    result = load(tmp_path)
    assert result.diagnostics == []
    assert type(result.agents[0].doc).__name__ == "SourceDoc"


def test_a_missing_key_in_an_inherited_item_points_at_the_fragment_s_item(
    write: Writer, tmp_path: Path
) -> None:
    bad = "guard_rules:\n  - name: Legal\n    when_condition: legal\n"
    bad += "    example_phrases: [a, b, c]\n"
    write("f.yaml", fragment("guards", bad))
    write("a.yaml", using("[guards]", "notes: [x]\n"))
    (error,) = load(tmp_path).errors
    assert (Path(error.file).name, error.line, error.path) == (
        "f.yaml",
        7,
        "spec.guard_rules[0].then_action",
    )
    assert error.code == "required" and error.used_by is not None


def test_an_unused_fragment_is_still_validated(write: Writer, tmp_path: Path) -> None:
    spec = "speed: quick\nsettings: {voice: {interaction: {max_silence_prompts: '${var:n}'}}}\n"
    write("f.yaml", fragment("lonely", spec))
    write("a.yaml", agent())
    found = sorted((d.code, d.path) for d in load(tmp_path, variables={"n": "2"}).diagnostics)
    assert found == [("enum", "spec.speed"), ("unused-fragment", "metadata.name")]
