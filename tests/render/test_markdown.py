"""The pull-request comment: table, one folded block per agent, size limit."""

from __future__ import annotations

from mhsync.plan import Action, AgentPlan, Plan
from mhsync.render import render_markdown
from mhsync.render.markdown import FOLDED_NOTE

from .helpers import change, field, one_agent


def _agent(handle: str, n: int) -> AgentPlan:
    changes = tuple(
        change(Action.CREATE, f"agent[{handle}].notes[{i}]", after={"content": f"note {i} " * 20})
        for i in range(n)
    )
    return AgentPlan(
        handle=handle, name=handle.upper(), uuid="u", action=Action.UPDATE, changes=changes
    )


def test_summary_table_and_diff_block() -> None:
    made = one_agent(
        change(Action.UPDATE, "agent[a].core", fields=(field("tone", "warm", "formal"),)),
        change(Action.DELETE, 'agent[a].webhooks["https://h/1"]', before={"url": "https://h/1"}),
    )
    text = render_markdown(made)
    assert "**Plan: 0 agents to create, 1 to update (2 changes), 0 to delete.**" in text
    assert "| `a` Agent A | 0 | 1 | 1 |" in text
    assert (
        "<details><summary><code>agent[a] &quot;Agent A&quot; will be updated in place</code>"
        " (2 changes)</summary>" in text
    )
    assert (
        "```diff\n"
        "! agent[a].core\n"
        '!   tone: "warm" -> "formal"\n'
        '- agent[a].webhooks["https://h/1"]\n'
        '-   url: "https://h/1"\n'
        "```"
    ) in text


def test_no_changes_has_no_table() -> None:
    text = render_markdown(Plan(target="prod"))
    assert "No changes. The workspace matches the manifests." in text
    assert "|" not in text


def test_largest_blocks_fold_first_to_stay_under_the_limit() -> None:
    made = Plan(target="t", agents=(_agent("big", 40), _agent("small", 2)))
    full = render_markdown(made)
    limit = len(full) - 1000
    text = render_markdown(made, limit=limit)
    assert len(text) <= limit
    assert FOLDED_NOTE in text
    assert "_40 changes not shown (too large); run `mhsync plan` locally._" in text
    assert "agent[small].notes[1]" in text
    assert "| `big` BIG | 40 | 0 | 0 |" in text


def test_everything_folded_and_dropped_still_fits() -> None:
    made = Plan(target="t", agents=tuple(_agent(f"agent-{i:02}", 5) for i in range(30)))
    text = render_markdown(made, limit=4000)
    assert len(text) <= 4000
    assert "more agents not shown" in text


def test_backticks_in_values_lengthen_the_fence() -> None:
    made = one_agent(change(Action.CREATE, "agent[a].notes[0]", after={"content": "use ``` here"}))
    assert "````diff\n" in render_markdown(made)


def test_names_are_escaped() -> None:
    agent = AgentPlan(
        handle="a",
        name="<b>|x",
        action=Action.UPDATE,
        changes=(change(Action.UPDATE, "agent[a].core", fields=(field("tone", "a", "b"),)),),
    )
    text = render_markdown(Plan(target="t", agents=(agent,)))
    assert "&lt;b&gt;\\|x" in text
