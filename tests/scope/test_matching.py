"""Agent matching with previous names: display names, derived handles, and who claims first."""

from __future__ import annotations

import pytest

from mhsync.errors import PlanError
from mhsync.live import RawAgent
from mhsync.matching import match_agents
from mhsync.state import AgentState, WorkspaceState


def desired(handle: str, name: str, *previous: str, uuid: str | None = None) -> AgentState:
    return AgentState(
        handle, uuid, objects={"core": {"name": name}}, collections={}, previous_names=previous
    )


def live(uuid: str, name: str) -> RawAgent:
    return RawAgent({"agent_uuid": uuid, "name": name})


def matched(agents: list[AgentState], raws: list[RawAgent]) -> dict[str, str]:
    result = match_agents(WorkspaceState({a.handle: a for a in agents}), raws)
    return {handle: raw.uuid for handle, raw in sorted(result.matched.items())}


@pytest.mark.parametrize(
    ("agents", "raws", "expected"),
    [
        pytest.param(
            [desired("parts", "Parts Desk")], [live("u1", "Parts Desk")], {"parts": "u1"},
            id="current-name",
        ),
        pytest.param(
            [desired("parts", "Parts & Accessories", "old-parts")],
            [live("u1", "old-parts")],
            {"parts": "u1"},
            id="previous-display-name",
        ),
        pytest.param(
            [desired("parts", "Parts & Accessories", "volvo-parts-desk")],
            [live("u1", "Volvo Parts Desk")],
            {"parts": "u1"},
            id="previous-derived-handle",
        ),
        pytest.param(
            [desired("parts", "Parts & Accessories", "gone", "volvo-parts-desk")],
            [live("u1", "Volvo Parts Desk")],
            {"parts": "u1"},
            id="second-previous-name",
        ),
        pytest.param(
            [desired("b-new", "New Desk", "desk"), desired("a-desk", "Desk")],
            [live("u1", "Desk")],
            {"a-desk": "u1"},
            id="current-name-wins-over-a-rename",
        ),
        pytest.param(
            [desired("parts", "Parts", "desk", uuid="u9")],
            [live("u9", "Other"), live("u1", "Desk")],
            {"parts": "u9"},
            id="pin-wins",
        ),
    ],
)
def test_matching(agents: list[AgentState], raws: list[RawAgent], expected: dict[str, str]) -> None:
    assert matched(agents, raws) == expected


def test_unclaimed_live_agents_keep_derived_handles() -> None:
    result = match_agents(
        WorkspaceState({"a-desk": desired("a-desk", "Desk")}),
        [live("u1", "Desk"), live("u2", "Old Bot")],
    )
    assert {h: r.uuid for h, r in result.unmatched.items()} == {"old-bot": "u2"}


def test_ambiguous_previous_name_asks_for_a_pin() -> None:
    with pytest.raises(PlanError, match=r"2 live agents are named 'desk'.*metadata\.uuid"):
        matched([desired("parts", "Parts", "desk")], [live("u1", "Desk"), live("u2", "desk")])
