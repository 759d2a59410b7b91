"""Required strings that hold only whitespace are refused by validation, with file:line and field.

The server refuses them (422) while mhsync used to accept them, so an apply sent the changes
before that one and stopped halfway.
"""

from __future__ import annotations

import pytest

from mhsync.manifest import load_manifests

from .conftest import AGENT, Writer, agent


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        (AGENT.replace("name: Test agent", "name: '   '"), "spec.name", 6),
        (agent("guidelines:\n  - '  '\n"), "spec.guidelines[0].content", 13),
        (agent("notes:\n  - content: \"\\t \\n\"\n"), "spec.notes[0].content", 13),
        (
            agent(
                "guard_rules:\n  - name: ' '\n    when_condition: x\n"
                "    then_action: end_conversation\n"
            ),
            "spec.guard_rules[0].name",
            13,
        ),
        (
            agent("webhooks:\n  - url: '  '\n    events: [conversation_status]\n"),
            "spec.webhooks[0].url",
            13,
        ),
    ],
    ids=["agent name", "guideline", "note content", "guard rule name", "webhook url"],
)
def test_whitespace_only_required_string_is_an_error(
    write: Writer, text: str, path: str, line: int
) -> None:
    file = write("a.yaml", text)
    result = load_manifests([file])
    assert not result.ok(strict=False)
    (problem,) = [d for d in result.diagnostics if d.severity == "error"]
    assert (problem.file, problem.path) == (str(file), path)
    assert problem.line == line
    assert "not only whitespace" in problem.message


def test_text_with_surrounding_spaces_is_still_text(write: Writer) -> None:
    result = load_manifests([write("a.yaml", agent("guidelines:\n  - '  Be kind  '\n"))])
    assert result.diagnostics == []
