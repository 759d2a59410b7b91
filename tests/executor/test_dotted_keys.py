"""A key holding a dot (``settings.voice.normalizers: {"Dr.": "Doctor"}``) stays one key.

Field paths used to be split on every ``.``, so the PATCH carried ``{"Dr": {"": null}}``: the
value never arrived, junk keys did, and the next plan showed the same change again. Paths are
``FieldPath`` values now (one parse, one format), in the plan and in its saved file.
"""

from __future__ import annotations

from planner.factories import desired_agent, live_agent, workspace

from mhsync.convert import References
from mhsync.executor.bodies import build_body
from mhsync.plan import Plan
from mhsync.planner import plan

from .harness import Harness

NORMALIZERS = {"Dr.": "Doctor", "e.g.": "for example", "a\\b": "backslash"}


def _made() -> Plan:
    desired = desired_agent("a", objects={"settings": {"voice": {"normalizers": NORMALIZERS}}})
    live = live_agent("a", "u-1", objects={"settings": {"voice": {"normalizers": {"Mr": "Mr"}}}})
    return plan(workspace(desired), workspace(live), target="t")


def _body(made: Plan) -> object:
    (change,) = made.changes
    (call,) = change.calls
    return build_body(call.kind, change, References(agents={}), lambda r: r)


def test_settings_key_with_a_dot_is_sent_as_one_key() -> None:
    assert _body(_made()) == {"settings": {"voice": {"normalizers": NORMALIZERS}}}


def test_a_saved_plan_keeps_the_key_whole() -> None:
    made = _made()
    assert _body(Plan.from_json(made.to_json())) == _body(made)


def test_apply_then_plan_shows_no_changes(harness: Harness) -> None:
    settings = {"voice": {"normalizers": NORMALIZERS}}
    _, first = harness.apply(workspace(desired_agent("dots", "Dots")))
    assert first.ok, first.lines()
    desired = workspace(desired_agent("dots", "Dots", objects={"settings": settings}))
    _, report = harness.apply(desired)
    assert report.ok, report.lines()
    assert harness.agent_json("Dots")["settings"]["voice"]["normalizers"] == NORMALIZERS
    assert harness.remaining(desired) == []
