"""Fragments end to end against the sandbox server: one fragment edit reaches every user."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import Project, Result

Mh = Callable[..., Result]
USERS = ("volvo-service", "whatsapp-support", "volvo-parts")


def test_change_one_fragment_plan_every_user_apply_plan_empty(project: Project, mh: Mh) -> None:
    first = mh("apply", "agents", "--auto-approve")
    assert first.code == 0, first.text
    fragment = project.root / "agents" / "nordstaden-defaults.yaml"
    text = fragment.read_text(encoding="utf-8")
    fragment.write_text(text.replace("Volvo Cars Nordstaden", "Volvo Cars Lindholmen"), "utf-8")
    planned = mh("plan", "agents", "--detailed-exitcode")
    assert planned.code == 2, planned.text
    assert planned.out.count("Volvo Cars Lindholmen") == len(USERS), planned.out
    for handle in USERS:
        assert handle in planned.out
    assert planned.out.count("(from fragment nordstaden-defaults)") == len(USERS)
    assert "Fragment nordstaden-defaults changes 3 agent(s)" in planned.out
    markdown = mh("plan", "agents", "--markdown")
    assert "Fragment `nordstaden-defaults` changes 3 agent(s)" in markdown.out
    applied = mh("apply", "agents", "--auto-approve")
    assert applied.code == 0, applied.text
    again = mh("plan", "agents", "--detailed-exitcode")
    assert again.code == 0, again.text
    assert "No changes" in again.out
