"""YAML itself: anchors, aliases and merges work; hostile or broken files give located errors."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mhsync.manifest import load_manifests, yamlio

from .conftest import AGENT, Writer, agent, lines


def test_anchors_aliases_and_merge_keys_work(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            guard_rules:
              - &spam
                name: Spam
                when_condition: The message is spam.
                example_phrases: &phrases [buy now, cheap watches, click here]
                then_action: end_conversation
              - <<: *spam
                name: Ads
                example_phrases: *phrases
            """
        ),
    )
    result = load_manifests([path])
    assert result.diagnostics == []
    rules = result.workspace.agents["test-agent"].collections["guard_rules"]
    assert [r.key for r in rules] == ["Ads", "Spam"]
    assert rules[0].fields["when_condition"] == "The message is spam."
    assert rules[0].fields["example_phrases"] == ["buy now", "cheap watches", "click here"]


def test_error_inside_a_merged_mapping_points_at_the_anchor(write: Writer) -> None:
    path = write(
        "a.yaml",
        agent(
            """\
            guard_rules:
              - &base
                name: Spam
                when_condition: Spam.
                example_phrases: [a]
                then_action: stop
              - <<: *base
                name: Ads
            """
        ),
    )
    assert lines(load_manifests([path])) == [
        "17:20: spec.guard_rules[0].then_action: must be one of forward, end_conversation",
        "17:20: spec.guard_rules[1].then_action: must be one of forward, end_conversation",
    ]


BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(9)
)


def test_billion_laughs_is_refused_quickly(write: Writer) -> None:
    path = write("bomb.yaml", "apiVersion: mhsync/v1\nkind: Agent\n" + BOMB)
    started = time.perf_counter()
    result = load_manifests([path])
    assert time.perf_counter() - started < 2.0
    [problem] = result.diagnostics
    assert problem.code == "yaml-alias-bomb"
    assert (
        problem.message == f"aliases expand to more than {yamlio.MAX_ALIAS_NODES} values; refused"
    )
    assert problem.line >= 3


def test_self_referencing_alias_is_refused(write: Writer) -> None:
    path = write("loop.yaml", "apiVersion: mhsync/v1\nkind: Agent\nspec: &s\n  inner: *s\n")
    [problem] = load_manifests([path]).diagnostics
    assert problem.code == "yaml-too-deep"


def test_deep_nesting_does_not_crash(write: Writer) -> None:
    path = write("deep.yaml", "a: " + "[" * 1100 + "]" * 1100 + "\n")
    [problem] = load_manifests([path]).diagnostics
    assert problem.code == "yaml-too-deep"


def test_tabs_in_indentation(write: Writer) -> None:
    path = write("tabs.yaml", AGENT.replace("  role:", "\trole:"))
    assert lines(load_manifests([path])) == [
        "7:1: tab character in indentation; YAML indents with spaces only"
    ]


def test_tab_inside_a_value_is_fine(write: Writer) -> None:
    path = write("tab-value.yaml", agent('custom_prompt: "a\\tb"\n'))
    result = load_manifests([path])
    assert result.diagnostics == []
    assert result.workspace.agents["test-agent"].objects["core"]["custom_prompt"] == "a\tb"


def test_every_duplicate_key_is_reported(write: Writer) -> None:
    path = write("dup.yaml", AGENT + "  tone: Warm\n  role: Other\n")
    assert lines(load_manifests([path])) == [
        "12:3: spec.tone: duplicate key `tone` (first at line 9)",
        "13:3: spec.role: duplicate key `role` (first at line 7)",
    ]


def test_non_utf8_file(write: Writer) -> None:
    path = write("latin1.yaml", AGENT.replace("Dry", "Tr\u00e4").encode("latin-1"))
    [problem] = load_manifests([path]).diagnostics
    assert (problem.line, problem.col, problem.code) == (9, 11, "file-encoding")
    assert problem.message == "file is not valid UTF-8 (byte 0xe4); save it as UTF-8"


def test_utf8_bom_is_accepted(write: Writer) -> None:
    path = write("bom.yaml", "\ufeff" + AGENT)
    assert load_manifests([path]).diagnostics == []


def test_oversized_file_is_refused_without_reading(
    write: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("big.yaml", AGENT)
    with path.open("ab") as stream:
        stream.truncate(yamlio.MAX_FILE_BYTES + 1)

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    [problem] = load_manifests([path]).diagnostics
    assert problem.code == "file-too-large"
    assert problem.message == (
        f"file is {yamlio.MAX_FILE_BYTES + 1} bytes; manifests may be at most "
        f"{yamlio.MAX_FILE_BYTES} bytes"
    )


def test_empty_named_file_is_a_warning(write: Writer) -> None:
    path = write("empty.yaml", "# nothing here\n")
    [problem] = load_manifests([path]).diagnostics
    assert (problem.severity, problem.code, str(problem)) == (
        "warning",
        "empty-file",
        f"{path}: warning: file holds no documents",
    )


def test_null_documents_are_skipped(write: Writer) -> None:
    path = write("multi.yaml", "---\n" + AGENT + "---\n---\n" + agent(name="second") + "---\n")
    result = load_manifests([path])
    assert result.diagnostics == []
    assert sorted(result.workspace.agents) == ["second", "test-agent"]
    assert result.workspace.agents["second"].source is not None
    assert result.workspace.agents["second"].source.line == 15


def test_syntax_error_keeps_earlier_documents(write: Writer) -> None:
    path = write("broken.yaml", AGENT + "---\n" + agent(name="second") + "  notes: [a\n")
    result = load_manifests([path])
    assert [d.code for d in result.diagnostics] == ["yaml"]
    assert result.diagnostics[0].line == 25
    assert list(result.workspace.agents) == ["test-agent"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!set {a, b}", "unsupported YAML tag `!!set`"),
        ("!custom x", "unsupported YAML tag `!custom`"),
        ("!!python/object:os.system x", "unsupported YAML tag `!!python/object:os.system`"),
    ],
    ids=["set", "local-tag", "python-object"],
)
def test_unsupported_tags(write: Writer, value: str, message: str) -> None:
    path = write("tag.yaml", agent(f"description: {value}\n"))
    assert lines(load_manifests([path])) == [f"12:16: spec.description: {message}"]


def test_scalars_keep_their_yaml_meaning(write: Writer) -> None:
    path = write(
        "scalars.yaml",
        agent(
            """\
            description: 2024-05-01
            custom_prompt: >-
              folded
              text
            topic: yes
            settings:
              voice:
                interaction:
                  max_silence_prompts: 0x3
                voice_advanced:
                  speed: 1_000.5
            """
        ),
    )
    result = load_manifests([path])
    assert result.diagnostics == []
    state = result.workspace.agents["test-agent"]
    core = state.objects["core"]
    assert (core["description"], core["custom_prompt"], core["topic"]) == (
        "2024-05-01",
        "folded text",
        "yes",
    )
    voice = state.objects["settings"]["voice"]
    assert voice["interaction"]["max_silence_prompts"] == 3
    assert voice["voice_advanced"]["speed"] == 1000.5


def test_complex_keys_are_refused(write: Writer) -> None:
    path = write("key.yaml", "? [a, b]\n: c\n")
    [problem] = load_manifests([path]).diagnostics
    assert (problem.code, problem.line, problem.col) == ("yaml-complex-key", 1, 3)
