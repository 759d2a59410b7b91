"""What is compared: ignore paths, partial settings, server-computed fields, appointments."""

from __future__ import annotations

from typing import Any

import pytest

from mhsync.plan import FieldChange
from mhsync.planner import plan
from mhsync.planner.ignore import IgnoreRules

from .factories import call_lines, desired_agent, have, live_agent, notes, want, workspace

VOICE = {"interaction": {"silence_message": "Hello?", "max_silence_prompts": 2}}


def _plan(desired: Any, live: Any) -> Any:
    return plan(workspace(desired), workspace(live), target="t")


@pytest.mark.parametrize(
    ("want_settings", "have_settings", "fields"),
    [
        pytest.param(
            {"voice": {"interaction": {"silence_message": "Hello?"}}},
            {"voice": VOICE},
            (),
            id="keys the manifest leaves out are not managed",
        ),
        pytest.param(
            {"voice": {"interaction": {"silence_message": "Anyone?"}}},
            {"voice": VOICE},
            (
                FieldChange(
                    path="voice.interaction.silence_message", before="Hello?", after="Anyone?"
                ),
            ),
            id="one leaf changes",
        ),
        pytest.param(
            {"voice": {"voice_advanced": {"stability": 0.5}}},
            {"voice": VOICE},
            (FieldChange(path="voice.voice_advanced.stability", before=None, after=0.5),),
            id="a new group is added",
        ),
        pytest.param(
            {"voice": {"voice_advanced": {"stability": 1}}},
            {"voice": {"voice_advanced": {"stability": 1.0}}},
            (),
            id="1 and 1.0 are the same number",
        ),
    ],
)
def test_settings_compare_partially(
    want_settings: dict[str, Any], have_settings: dict[str, Any], fields: tuple[FieldChange, ...]
) -> None:
    made = _plan(
        desired_agent("a", objects={"settings": want_settings}),
        live_agent("a", "u-1", objects={"settings": have_settings}),
    )
    assert tuple(f for c in made.changes for f in c.fields) == fields
    if fields:
        assert call_lines(made.changes) == ["PATCH /agents/u-1"]


@pytest.mark.parametrize(
    ("want_core", "have_core", "changed"),
    [
        pytest.param({}, {"status": "ready"}, [], id="status left out is the server's"),
        pytest.param(
            {"status": "paused"}, {"status": "ready"}, ["status"], id="status set is managed"
        ),
        pytest.param({}, {"tone": "warm"}, ["tone"], id="a core field left out is cleared"),
        pytest.param({"speed": "normal"}, {}, [], id="documented defaults on both sides"),
    ],
)
def test_core_fields(
    want_core: dict[str, Any], have_core: dict[str, Any], changed: list[str]
) -> None:
    made = _plan(desired_agent("a", core=want_core), live_agent("a", "u-1", core=have_core))
    assert [f.path for c in made.changes for f in c.fields] == changed


def test_appointments_are_put_whole() -> None:
    made = _plan(
        desired_agent("a", objects={"appointments": {"enabled": True}}),
        live_agent("a", "u-1", objects={"appointments": {"enabled": False}}),
    )
    (change,) = made.changes
    assert call_lines([change]) == ["PUT /agents/u-1/appointments"]
    assert (change.address, change.action.value) == ("agent[a].appointments", "update")
    assert change.after == {"enabled": True, "random_assignment": False}
    assert change.fields == (FieldChange(path="enabled", before=False, after=True),)


# --- ignore ---------------------------------------------------------------------------------------


def test_ignored_section_is_not_planned_and_is_listed_in_the_plan() -> None:
    made = _plan(
        desired_agent("a", ignore=["spec.notes"], notes=notes("notes", ["mine"])),
        live_agent("a", "u-1", notes=notes("notes", ["theirs"], prefix="n")),
    )
    assert not made.has_changes
    assert made.ignored == {"a": ("spec.notes",)}


@pytest.mark.parametrize(
    ("ignore", "desired_kw", "live_kw"),
    [
        pytest.param(
            "spec.description",
            {"core": {"description": "mine"}},
            {"core": {"description": "theirs"}},
            id="core field",
        ),
        pytest.param(
            "spec.settings.voice.voice_profile",
            {"objects": {"settings": {"voice": {"voice_profile": {"voice_name": "Ava"}}}}},
            {"objects": {"settings": {"voice": {"voice_profile": {"voice_name": "Bo"}}}}},
            id="settings group",
        ),
        pytest.param(
            "spec.guard_rules.when_condition",
            {
                "guard_rules": [
                    want("guard_rules", name="L", when_condition="a", then_action="forward")
                ]
            },
            {
                "guard_rules": [
                    have("guard_rules", "r-1", name="L", when_condition="b", then_action="forward")
                ]
            },
            id="item field",
        ),
        pytest.param(
            "spec.guard_rules",
            {"guard_rules": []},
            {
                "guard_rules": [
                    have("guard_rules", "r-1", name="L", when_condition="b", then_action="forward")
                ]
            },
            id="whole collection",
        ),
    ],
)
def test_ignored_paths_hide_differences(
    ignore: str, desired_kw: dict[str, Any], live_kw: dict[str, Any]
) -> None:
    made = _plan(
        desired_agent("a", ignore=[ignore], **desired_kw), live_agent("a", "u-1", **live_kw)
    )
    assert not made.has_changes


def test_an_update_keeps_the_live_value_of_an_ignored_item_field() -> None:
    made = _plan(
        desired_agent(
            "a",
            ignore=["spec.guard_rules.when_condition"],
            guard_rules=[
                want("guard_rules", name="L", when_condition="mine", then_action="forward")
            ],
        ),
        live_agent(
            "a",
            "u-1",
            guard_rules=[
                have(
                    "guard_rules",
                    "r-1",
                    name="L",
                    when_condition="theirs",
                    then_action="end_conversation",
                )
            ],
        ),
    )
    (change,) = made.changes
    assert [f.path for f in change.fields] == ["then_action"]
    assert change.after["when_condition"] == "theirs"


def test_a_replace_keeps_live_values_of_ignored_item_fields() -> None:
    def rule(name: str, when: str, live: bool) -> Any:
        kw = {"name": name, "when_condition": when, "then_action": "forward"}
        return have("guard_rules", f"r-{name}", **kw) if live else want("guard_rules", **kw)

    made = _plan(
        desired_agent(
            "a",
            ignore=["spec.guard_rules.when_condition"],
            guard_rules=[
                rule("A", "mine", False),
                rule("C", "new", False),
                rule("D", "new", False),
            ],
        ),
        live_agent("a", "u-1", guard_rules=[rule("A", "theirs", True), rule("B", "x", True)]),
    )
    (change,) = made.changes
    assert change.action.value == "replace"
    assert [r["when_condition"] for r in change.after] == ["theirs", "new", "new"]


def test_new_agents_are_created_as_written_whatever_they_ignore() -> None:
    made = plan(
        workspace(desired_agent("a", core={"description": "mine"}, ignore=["spec.description"])),
        workspace(),
        target="t",
    )
    assert made.changes[0].after["core"]["description"] == "mine"


@pytest.mark.parametrize(
    ("path", "section", "field_path"),
    [
        pytest.param("spec.notes", "notes", "", id="a section"),
        pytest.param("spec.description", "core", "description", id="a core field"),
        pytest.param("description", "core", "description", id="without spec."),
        pytest.param(
            "spec.settings.voice.voice_profile", "settings", "voice.voice_profile", id="settings"
        ),
        pytest.param(
            "spec.guard_rules.when_condition", "guard_rules", "when_condition", id="item field"
        ),
    ],
)
def test_ignore_paths_are_located(path: str, section: str, field_path: str) -> None:
    rules = IgnoreRules.parse([path])
    assert rules.by_section == {section: frozenset({field_path})}


def test_metadata_paths_are_not_spec_paths() -> None:
    assert IgnoreRules.parse(["metadata.labels"]).by_section == {}
