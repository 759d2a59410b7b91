"""The JSON rendering is the plan file; word diffs mark exactly what changed."""

from __future__ import annotations

import json

import pytest

from mhsync.plan import Action, Plan
from mhsync.render import render_json
from mhsync.render.worddiff import ADDED, REMOVED, Segment, word_diff

from .helpers import change, field, one_agent


def test_json_is_sorted_stable_and_round_trips() -> None:
    made = one_agent(change(Action.UPDATE, "agent[a].core", fields=(field("tone", "a", "b"),)))
    text = render_json(made)
    assert text == render_json(Plan.from_json(text))
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert Plan.from_json(text) == made


@pytest.mark.parametrize(
    ("before", "after", "lines"),
    [
        pytest.param("a b c", "a b c", [[Segment("a b c")]], id="same"),
        pytest.param(
            "say hello now",
            "say hi now",
            [[Segment("say "), Segment("hello", REMOVED), Segment("hi", ADDED), Segment(" now")]],
            id="one word replaced",
        ),
        pytest.param(
            "one\ntwo",
            "one\ntwo\nthree",
            [[Segment("one")], [Segment("two")], [Segment("three", ADDED)]],
            id="a line added",
        ),
        pytest.param(
            "stop.",
            "stop!",
            [[Segment("stop"), Segment(".", REMOVED), Segment("!", ADDED)]],
            id="punctuation is its own token",
        ),
    ],
)
def test_word_diff(before: str, after: str, lines: list[list[Segment]]) -> None:
    assert word_diff(before, after) == lines
