"""Reading the workspace through a server that answers oddly: nothing missed, nothing invented.

Each case runs the real CLI against the hostile proxy (real HTTP on 127.0.0.1) in front of a
sandbox holding the 20 agents of the project, and asserts the outcome the user cares about:
``apply`` creates no duplicate, ``plan`` shows no phantom change, or the command stops with an
error that names what was wrong, before anything is written.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.proof.conftest import write_manifests

from .conftest import AGENTS, World, manifest
from .double import Behaviour, Meta


def assert_converged(world: World) -> None:
    """Apply writes nothing, plan shows nothing, and every agent exists exactly once."""
    applied = world.run("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    assert world.hostile.writes == [], applied.text
    counts = world.names()
    assert len(counts) == AGENTS and set(counts.values()) == {1}, counts


@pytest.mark.parametrize(
    "meta",
    ["honest", "lying", "total-only", "none", "plain"],
    ids=["honest-meta", "last-page-for-asked-per-page", "total-only", "no-meta", "plain-list"],
)
def test_per_page_capped_at_15_misses_no_agent(world: World, meta: Meta) -> None:
    world.seed()
    world.hostile.reset(Behaviour(cap=15, meta=meta))
    planned = world.run("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.text
    assert_converged(world)


def test_growing_last_page_ends_with_a_clear_error_after_few_requests(world: World) -> None:
    world.seed()
    world.hostile.reset(Behaviour(cap=15, meta="growing"))
    planned = world.run("plan")
    assert planned.code == 1, planned.text
    assert "changed while it was read" in planned.text
    assert "last_page went from 2 on page 1 to 3 on page 2" in planned.text
    assert world.hostile.list_gets <= 10
    applied = world.run("apply", "--auto-approve")
    assert applied.code == 1 and world.hostile.writes == []


@pytest.mark.parametrize("meta", ["honest", "none"], ids=["with-meta", "no-meta"])
def test_agent_deleted_in_the_dashboard_while_paging_creates_no_duplicate(
    world: World, meta: Meta
) -> None:
    """An unmanaged agent listed first vanishes after page 1: page 2 shifts by one, and the
    agent that slid onto page 1 must still be seen (else apply creates it a second time)."""
    doomed = world.create_agent("Dashboard scratch")
    world.seed()
    deleted: list[str] = []

    def delete_once(page: int) -> None:
        if page == 2 and not deleted:
            world.hostile.delete_agent(doomed)
            deleted.append(doomed)

    world.hostile.reset(Behaviour(cap=15, meta=meta, before_page=delete_once))
    applied = world.run("apply", "--auto-approve")
    assert deleted, "the dashboard deletion never happened"
    assert applied.code == 0, applied.text
    assert ("POST", "/agents") not in world.hostile.writes, applied.text
    counts = world.names()
    assert len(counts) == AGENTS and set(counts.values()) == {1}, counts


def null_guard_rules(agent: dict[str, Any]) -> None:
    if agent["name"] == "Agent 03":
        agent["guard_rules"] = None


def test_null_section_is_an_error_naming_agent_and_field(world: World) -> None:
    world.seed()
    world.hostile.reset(Behaviour(edit_agent=null_guard_rules))
    applied = world.run("apply", "--auto-approve")
    assert applied.code == 1, applied.text
    assert "'Agent 03'" in applied.text and "'guard_rules' is null" in applied.text
    assert world.hostile.writes == []


def unmodelled(agent: dict[str, Any]) -> None:
    agent["voice_id"] = "v-1"
    for rule in agent["guard_rules"]:
        rule["escalation_level"] = 2


def test_unmodelled_fields_warn_once_per_field_name(world: World) -> None:
    world.seed()
    world.hostile.reset(Behaviour(edit_agent=unmodelled))
    for command in (("plan",), ("drift",)):
        result = world.run(*command)
        assert result.code == 0, result.text
        warnings = [line for line in result.text.splitlines() if "does not model" in line]
        assert len(warnings) == 2, (command, result.text)
        assert any("`voice_id`" in w for w in warnings)
        assert any("`guard_rules[].escalation_level`" in w for w in warnings)
        named = "agent[agent-00], agent[agent-01], agent[agent-02] and 17 more"
        assert all(named in w for w in warnings)
    exported = world.run("export", "--all", "--output", str(world.root / "exported"))
    assert exported.code == 0, exported.text
    assert exported.text.count("does not model") == 2, exported.text


def nameless_guard_rule(agent: dict[str, Any]) -> None:
    if agent["name"] == "Agent 02":
        del agent["guard_rules"][0]["name"]


def test_item_without_its_identity_field_is_an_error(world: World) -> None:
    world.seed()
    world.hostile.reset(Behaviour(edit_agent=nameless_guard_rule))
    planned = world.run("plan")
    assert planned.code == 1, planned.text
    assert "'Agent 02'" in planned.text and "has no 'name'" in planned.text
    applied = world.run("apply", "--auto-approve")
    assert applied.code == 1 and world.hostile.writes == []


def test_a_saved_plan_sees_an_agent_made_meanwhile_past_a_capped_page(world: World) -> None:
    """The plan creates "Agent 20"; someone makes it in the dashboard before apply; with pages
    capped at 15 and no meta, apply of the saved plan must still see it (stale), not create it
    a second time. (Today's reader refuses too, but blames agents 15-19, which it missed.)"""
    world.seed()
    write_manifests(world.root, [manifest(i) for i in range(AGENTS + 1)])
    planned = world.run("plan", "--out", "plan.json")
    assert planned.code == 0, planned.text
    world.create_agent("Agent 20")
    world.hostile.reset(Behaviour(cap=15, meta="none"))
    applied = world.run("apply", "plan.json", "--auto-approve")
    assert applied.code == 1, applied.text
    assert "stale" in applied.text and "agent-20" in applied.text
    assert world.hostile.writes == []
    assert world.names()["Agent 20"] == 1
