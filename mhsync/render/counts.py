"""Counts a user recognises: agents first, then the changes inside the agents that are updated.

A plan's changes are the calls apply will make: creating one agent with its intents, webhooks
and procedures is several creates and an update or two. Counting those ("10 to create, 2 to
update" for three new agents) describes the API, not the user's edit. So the headline counts
agents, created, updated in place or deleted; the changes inside a created or deleted agent are
part of it, and the number of changes inside the agents that are updated is given beside them
(the plan above the line lists each one).
"""

from __future__ import annotations

from mhsync.plan import Action, Plan, Summary

NO_CHANGES = "No changes. The workspace matches the manifests."


def agent_counts(plan: Plan) -> tuple[Summary, int]:
    """(agents by action, number of changes inside the agents that are updated)."""
    counts = {"create": 0, "update": 0, "delete": 0}
    inside = 0
    for agent in plan.agents:
        if not agent.changes or agent.action is None:
            continue
        if agent.action in (Action.CREATE, Action.DELETE):
            counts[agent.action.value] += 1
        else:
            counts["update"] += 1
            inside += len(agent.changes)
    return Summary(**counts), inside


def _phrase(plan: Plan, create: str, update: str, delete: str) -> str:
    agents, inside = agent_counts(plan)
    noun = "agent" if agents.create == 1 else "agents"
    changes = f" ({inside} change{'' if inside == 1 else 's'})" if agents.update else ""
    updated = f"{agents.update} {update}{changes}"
    return f"{agents.create} {noun} {create}, {updated}, {agents.delete} {delete}"


def summary_line(plan: Plan) -> str:
    """``Plan: 3 agents to create, 1 to update (2 changes), 0 to delete.`` or no changes."""
    if not plan.has_changes:
        return NO_CHANGES
    return f"Plan: {_phrase(plan, 'to create', 'to update', 'to delete')}."


def apply_line(verb: str, plan: Plan, requests: int) -> str:
    """``Apply complete: 3 agents created, 0 updated, 0 deleted (13 requests).``"""
    return (
        f"{verb} complete: {_phrase(plan, 'created', 'updated', 'deleted')} ({requests} requests)."
    )
