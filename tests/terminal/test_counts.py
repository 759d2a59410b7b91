"""Plan and apply counts a user recognises: agents first, then what changes inside the agents
that are updated. A first apply of the three examples is "3 agents to create", not the "10 to
create, 2 to update" of the calls that build them."""

from __future__ import annotations

from collections.abc import Callable

from mhsync.plan import Action, AgentPlan, Change, Plan
from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]


def change(agent: str, action: Action, section: str = "guidelines") -> Change:
    return Change(address=f"agent[{agent}].{section}", agent=agent, section=section, action=action)


def test_first_apply_of_the_examples_counts_three_agents(project: Project, mh: Mh) -> None:
    plan = mh("plan")
    assert "Plan: 3 agents to create, 0 to update, 0 to delete.\n" in plan.out, plan.out
    applied = mh("apply", "--auto-approve")
    assert "Apply complete: 3 agents created, 0 updated, 0 deleted (" in applied.out


def test_changes_inside_updated_agents_are_counted_after_the_agents() -> None:
    from mhsync.render.counts import apply_line, summary_line

    plan = Plan(
        target="t",
        agents=(
            AgentPlan(
                handle="a",
                name="A",
                action=Action.CREATE,
                changes=(change("a", Action.CREATE, "agent"), change("a", Action.CREATE)),
            ),
            AgentPlan(
                handle="b",
                name="B",
                action=Action.UPDATE,
                changes=(
                    change("b", Action.CREATE),
                    change("b", Action.MOVE),
                    change("b", Action.DELETE),
                    change("b", Action.REPLACE),
                ),
            ),
            AgentPlan(
                handle="c",
                name="C",
                action=Action.DELETE,
                changes=(change("c", Action.DELETE, "agent"),),
            ),
            AgentPlan(handle="d", name="D"),
        ),
    )
    assert summary_line(plan) == "Plan: 1 agent to create, 1 to update (4 changes), 1 to delete."
    assert apply_line("Apply", plan, 9) == (
        "Apply complete: 1 agent created, 1 updated (4 changes), 1 deleted (9 requests)."
    )


def test_no_changes_reads_as_before() -> None:
    from mhsync.render.counts import summary_line

    assert summary_line(Plan(target="t")) == "No changes. The workspace matches the manifests."
