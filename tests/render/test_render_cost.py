"""Rendering a plan costs what its changes cost, not a copy of every agent (issue 16).

``redact`` masks the sensitive paths of every change; an agent without changes (most agents of a
plan) is kept as it is instead of copied. The cost is pinned in Python calls (the same on every
machine); what the rendering says is held by the goldens and ``test_secrets.py``.
"""

from __future__ import annotations

from mhsync.plan import AgentPlan, Plan
from mhsync.render.redact import redact
from mhsync.render.text import render_text
from tests.python_calls import python_calls

RENDER_CALLS = 800
"""Python calls of ``render_text`` over 200 agents without changes: 2,035 when ``redact``
copied every agent, 635 keeping the agents without changes."""


def _quiet_plan() -> Plan:
    agents = tuple(
        AgentPlan(handle=f"a{i:03}", name=f"A {i}", uuid=f"u{i}", fingerprint="sha256:0")
        for i in range(200)
    )
    return Plan(target="t", agents=agents)


def test_a_plan_without_changes_renders_without_copying_its_agents() -> None:
    plan = _quiet_plan()
    assert all(a is b for a, b in zip(redact(plan).agents, plan.agents, strict=True))
    render_text(plan, color=False)
    assert python_calls(lambda: render_text(plan, color=False)) <= RENDER_CALLS
