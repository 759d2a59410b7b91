"""The terminal rendering: markers, field lines, word diffs, colour, summary, header."""

from __future__ import annotations

import pytest

from mhsync.plan import Action, AgentPlan, Plan
from mhsync.render import render_text

from .helpers import change, field, one_agent

LONG_OLD = "You are a helpful assistant for Volvo Service; greet the customer by name every time."
LONG_NEW = "You are a friendly assistant for Volvo Service; greet the customer by name every time."


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        pytest.param(
            change(Action.CREATE, 'agent[a].guard_rules["Legal"]', after={"name": "Legal"}),
            ['  + agent[a].guard_rules["Legal"]', '      + name: "Legal"'],
            id="create lists the fields it writes",
        ),
        pytest.param(
            change(Action.DELETE, "agent[a].notes[2]", before={"content": "Old"}),
            ["  - agent[a].notes[2]", '      - content: "Old"'],
            id="delete lists the fields that go",
        ),
        pytest.param(
            change(Action.UPDATE, "agent[a].core", fields=(field("tone", "warm", "formal"),)),
            ["  ~ agent[a].core", '      ~ tone: "warm" -> "formal"'],
            id="update shows before -> after",
        ),
        pytest.param(
            change(Action.UPDATE, "agent[a].core", fields=(field("role", None, "Advisor"),)),
            ["  ~ agent[a].core", '      + role: "Advisor"'],
            id="a field set for the first time",
        ),
        pytest.param(
            change(Action.UPDATE, "agent[a].core", fields=(field("role", "Advisor", None),)),
            ["  ~ agent[a].core", '      - role: "Advisor"'],
            id="a field cleared",
        ),
        pytest.param(
            change(Action.MOVE, "agent[a].notes[0]", position=0, previous_position=3),
            ["  ↕ agent[a].notes[0] (position 3 -> 0)"],
            id="move shows both positions",
        ),
        pytest.param(
            change(
                Action.REPLACE,
                "agent[a].notes",
                before=[{"content": "a"}, {"content": "b"}, {"content": "c"}],
                after=[{"content": "b"}, {"content": "a"}, {"content": "new"}],
            ),
            [
                "  ± agent[a].notes (whole section in one request: 3 -> 3 items, new uuids)",
                '      ↕ [0] "b" (was [1])',
                '      ↕ [1] "a" (was [0])',
                '      + [2] "new"',
                '      - [2] "c"',
            ],
            id="replace shows the section as it will read",
        ),
        pytest.param(
            change(
                Action.UPDATE, "agent[a].core", fields=(field("custom_prompt", LONG_OLD, LONG_NEW),)
            ),
            [
                "  ~ agent[a].core",
                "      ~ custom_prompt:",
                "          ~ You are a [-helpful-]{+friendly+} assistant for Volvo Service;"
                " greet the customer by name every time.",
            ],
            id="long prose is word-diffed",
        ),
        pytest.param(
            change(
                Action.UPDATE,
                "agent[a].notes[1]",
                fields=(field("content", "x", "y"),),
                position=1,
                previous_position=4,
            ),
            ["  ~ agent[a].notes[1] (position 4 -> 1)", '      ~ content: "x" -> "y"'],
            id="an edit that also moves says so",
        ),
    ],
)
def test_change_lines(made: object, expected: list[str]) -> None:
    text = render_text(one_agent(made), color=False)  # type: ignore[arg-type]
    lines = text.splitlines()
    start = lines.index(expected[0])
    assert lines[start : start + len(expected)] == expected


def test_whole_output_of_a_small_plan() -> None:
    made = one_agent(
        change(Action.UPDATE, "agent[a].core", fields=(field("tone", "warm", "formal"),)),
        ignored={"a": ("spec.notes",)},
        warnings=("something to know",),
    )
    assert render_text(made, color=False) == (
        "Target: prod\n"
        "Ignored paths (not compared on existing agents):\n"
        "  agent[a]: spec.notes\n"
        "Warning: something to know\n"
        "\n"
        "Symbols: ~ update\n"
        "\n"
        '# agent[a] "Agent A" will be updated in place\n'
        "  ~ agent[a].core\n"
        '      ~ tone: "warm" -> "formal"\n'
        "\n"
        "Plan: 0 agents to create, 1 to update (1 change), 0 to delete.\n"
    )


def test_no_changes() -> None:
    made = Plan(target="prod", agents=(AgentPlan(handle="a", name="A", uuid="u-1"),))
    assert render_text(made, color=False).splitlines()[-1] == (
        "No changes. The workspace matches the manifests."
    )


def test_agent_headers_say_what_happens_and_after_what() -> None:
    created = AgentPlan(
        handle="b",
        name="B",
        action=Action.CREATE,
        depends_on=("c",),
        changes=(change(Action.CREATE, "agent[b]", after={"core": {"name": "B"}}),),
    )
    deleted = AgentPlan(
        handle="d",
        name="D",
        uuid="u-d",
        action=Action.DELETE,
        changes=(change(Action.DELETE, "agent[d]", uuid="u-d", before={"name": "D"}),),
    )
    text = render_text(Plan(target="t", agents=(created, deleted)), color=False)
    assert '# agent[b] "B" will be created (after agent[c])' in text
    assert '      + core.name: "B"' in text
    assert '# agent[d] "D" will be deleted\n  - agent[d] (u-d)\n' in text
    assert text.endswith("Plan: 1 agent to create, 0 to update, 1 to delete.\n")


def test_colour_output_uses_ansi_not_brackets() -> None:
    made = one_agent(
        change(Action.UPDATE, "agent[a].core", fields=(field("custom_prompt", LONG_OLD, LONG_NEW),))
    )
    text = render_text(made, color=True)
    assert "\x1b[" in text
    assert "[-helpful-]" not in text
    assert "helpful" in text and "friendly" in text


def test_colour_is_forced_even_when_no_color_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    made = one_agent(change(Action.UPDATE, "agent[a].core", fields=(field("tone", "a", "b"),)))
    assert "\x1b[" in render_text(made, color=True)


def test_plain_output_has_no_escape_codes() -> None:
    made = one_agent(change(Action.UPDATE, "agent[a].core", fields=(field("tone", "a", "b"),)))
    assert "\x1b" not in render_text(made, color=False)
