"""``--agent PATTERN`` (shell globs) and ``--exclude-agent PATTERN`` select exactly what they say.

The sandbox's request log is the witness, as in test_selection: an agent outside the selection
is never touched. A pattern that matches nothing is a warning, and with ``--prune`` an error
raised before any write.
"""

from __future__ import annotations

import json

import pytest

from mhsync.selection import Selection
from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, touch_every_agent, touched, uuids
from tests.scope.test_prune import add_live_only, deletes

EVERY = ("volvo-parts", "volvo-service", "whatsapp-support")


def planned_handles(mh: Mh, *args: str) -> list[str]:
    result = mh("plan", "--json", *args)
    assert result.code == 0, result.text
    return sorted(a["handle"] for a in json.loads(result.out)["agents"] if a["changes"])


@pytest.mark.parametrize(
    ("args", "selected"),
    [
        pytest.param(("--agent", "volvo-*"), {"volvo-parts", "volvo-service"}, id="glob"),
        pytest.param(("-a", "*-s[eu]*"), {"volvo-service", "whatsapp-support"}, id="class"),
        pytest.param(
            ("--exclude-agent", "volvo-parts"), {"volvo-service", "whatsapp-support"},
            id="exclude-only",
        ),
        pytest.param(
            ("--agent", "volvo-*", "--exclude-agent", "*-service"), {"volvo-parts"},
            id="glob-minus-glob",
        ),
        pytest.param(
            ("--exclude-agent", "volvo-*", "--exclude-agent", "whatsapp-*"), set(),
            id="exclude-everything",
        ),
        pytest.param(
            ("-l", "channel=voice", "--exclude-agent", "volvo-parts"), {"volvo-service"},
            id="selector-minus-handle",
        ),
    ],
)
def test_globs_and_exclusions_select_exactly_what_they_say(
    project: Project, mh: Mh, args: tuple[str, ...], selected: set[str]
) -> None:
    apply_all(mh)
    touch_every_agent(project)
    live = uuids(project)
    project.sandbox.clear_request_log()

    assert planned_handles(mh, *args) == sorted(selected)
    result = mh("apply", "--auto-approve", *args)
    assert result.code == 0, result.text
    for handle in set(EVERY) - selected:
        assert touched(project, live[handle]) == [], handle
    for handle in selected:
        assert ("PATCH", f"/api/v1/agents/{live[handle]}") in touched(project, live[handle])
    assert planned_handles(mh) == sorted(set(EVERY) - selected)


def test_plan_header_shows_globs_and_exclusions(project: Project, mh: Mh) -> None:
    apply_all(mh)
    args = ("--agent", "volvo-*", "--exclude-agent", "volvo-parts")
    expected = "agent=volvo-*, exclude-agent=volvo-parts"
    assert f"Selection: {expected} (other agents not read)" in mh("plan", *args).out
    assert f"Selection: `{expected}`" in mh("plan", "--markdown", *args).out
    assert json.loads(mh("plan", "--json", *args).out)["selection"] == expected


@pytest.mark.parametrize(
    "args",
    [("--agent", "sales-*"), ("--exclude-agent", "sales-desk"), ("--exclude-agent", "s*")],
)
def test_a_pattern_matching_nothing_is_a_warning(
    project: Project, mh: Mh, args: tuple[str, ...]
) -> None:
    result = mh("plan", *args)
    assert result.code == 0, result.text
    assert f"{args[0]} {args[1]!r} matches no agent" in result.text
    validated = mh("validate", *args)
    assert validated.code == 0, validated.text
    assert f"{args[0]} {args[1]!r} matches no agent" in validated.err


@pytest.mark.parametrize("args", [("--agent", "old-*"), ("--exclude-agent", "sales-*")])
def test_a_pattern_matching_nothing_is_an_error_with_prune(
    project: Project, mh: Mh, args: tuple[str, ...]
) -> None:
    apply_all(mh)
    project.sandbox.clear_request_log()
    for command in (("plan",), ("apply", "--auto-approve")):
        result = mh(*command, "--prune", *args)
        assert result.code == 1, (command, result.text)
        assert f"{args[0]} {args[1]!r} matches no agent" in result.err
        assert "with --prune every pattern must match" in result.err
    assert project.writes() == []


def test_prune_with_globs_and_exclusions(project: Project, mh: Mh) -> None:
    apply_all(mh)
    add_live_only(project, "Old Bot", "Old Desk", "Legacy Desk")
    assert deletes(mh, "--agent", "old-*") == ["old-bot", "old-desk"]
    assert deletes(mh, "--exclude-agent", "old-*") == ["legacy-desk"]
    assert deletes(mh, "--agent", "*-desk", "--exclude-agent", "legacy-*") == ["old-desk"]


def test_a_mistyped_exact_handle_is_still_an_error(project: Project, mh: Mh) -> None:
    result = mh("plan", "--agent", "volvo-partz", "--exclude-agent", "volvo-service")
    assert result.code == 1
    assert "--agent names no agent in the manifests: volvo-partz" in result.err


def test_selection_rules() -> None:
    only_exclusions = Selection.parse(excluded=["old-*"])
    assert not only_exclusions.is_everything
    assert only_exclusions.selects_unmanaged("legacy-desk")
    assert not only_exclusions.selects_unmanaged("old-bot")
    with_labels = Selection.parse(selector="team=parts", excluded=["x"])
    assert not with_labels.selects_unmanaged("legacy-desk")
    globbed = Selection.parse(["volvo-?arts"])
    assert globbed.selects("volvo-parts", {})
    assert not globbed.selects("volvo-service", {})
    assert not Selection.parse(["Volvo-*"]).selects("volvo-parts", {})  # case-sensitive


def test_export_takes_globs_and_exclusions(project: Project, mh: Mh) -> None:
    apply_all(mh)
    result = mh("export", "--agent", "volvo-*", "--exclude-agent", "*-desk", "-o", "out")
    assert result.code == 0, result.text
    assert [p.name for p in (project.root / "out").glob("*.yaml")] == ["volvo-service-line.yaml"]
    everything_else = mh("export", "--all", "--exclude-agent", "volvo-*", "-o", "rest")
    assert everything_else.code == 0, everything_else.text
    assert [p.name for p in (project.root / "rest").glob("*.yaml")] == [
        "nordstaden-chat-support.yaml"
    ]
