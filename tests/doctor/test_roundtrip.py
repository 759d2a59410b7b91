"""The pure parts of doctor: the comparison of sent and returned states, the unknown-field walk,
and the promise that the doctor agent sets every field the manifest models know."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from mhsync.roundtrip import (
    Finding,
    FindingKind,
    compare_agent,
    unknown_agent_fields,
    unknown_section_fields,
)
from mhsync.sections import SECTIONS, section
from mhsync.sections.introspect import inner_model
from mhsync.workflows.doctor_agent import UNCOVERED, DoctorAgent, doctor_manifest
from tests.planner.factories import desired_agent, have, live_agent, notes, want

UUID = "6f1c0000-0000-4000-8000-000000000001"
RULE = {"name": "X", "when_condition": "W", "then_action": "end_conversation"}


def kinds(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.kind.value, f.where, f.path) for f in findings]


CASES = [
    pytest.param(
        desired_agent("d", core={"topic": "Cars"}),
        live_agent("d", UUID, core={"topic": "cars"}),
        [("changed", "agent[d].core", "topic")],
        id="changed",
    ),
    pytest.param(
        desired_agent("d", core={"topic": "Cars"}),
        live_agent("d", UUID),
        [("dropped", "agent[d].core", "topic")],
        id="dropped",
    ),
    pytest.param(
        desired_agent("d"),
        live_agent("d", UUID, core={"status": "pending"}),
        [("defaulted", "agent[d].core", "status")],
        id="defaulted",
    ),
    pytest.param(
        desired_agent("d", notes=notes("notes", ["a"])),
        live_agent("d", UUID, notes=notes("notes", ["a", "b"], prefix="n")),
        [("added", "agent[d].notes[1]", "")],
        id="item-added",
    ),
    pytest.param(
        desired_agent("d", guard_rules=[want("guard_rules", **RULE)]),
        live_agent("d", UUID, guard_rules=[]),
        [("dropped", 'agent[d].guard_rules["X"]', "")],
        id="item-dropped",
    ),
    pytest.param(
        desired_agent("d", procedures=[want("procedures", name="P", steps=[{"description": "a"}])]),
        live_agent(
            "d", UUID, procedures=[have("procedures", "p1", name="P", steps=[{"description": "A"}])]
        ),
        [("changed", 'agent[d].procedures["P"]', "steps[0].description")],
        id="nested-list-walked-by-index",
    ),
    pytest.param(
        desired_agent("d", notes=notes("notes", ["a", "b"])),
        live_agent("d", UUID, notes=notes("notes", ["b", "a"], prefix="n")),
        [
            ("changed", "agent[d].notes[0]", "position"),
            ("changed", "agent[d].notes[1]", "position"),
        ],
        id="reordered",
    ),
    pytest.param(
        desired_agent("d", core={"topic": "Cars", "speed": "fast"}),
        live_agent(
            "d",
            UUID,
            core={"topic": "Cars", "speed": "fast"},
            notes=notes("notes", ["x"], prefix="n"),
        ),
        [],
        id="unmanaged-sections-are-not-compared",
    ),
]


@pytest.mark.parametrize(("sent", "returned", "expected"), CASES)
def test_compare_agent(sent: Any, returned: Any, expected: list[tuple[str, str, str]]) -> None:
    assert kinds(compare_agent(sent, returned)) == expected


def test_only_changed_dropped_and_added_are_problems() -> None:
    problems = {k for k in FindingKind if Finding(k, "w", "p").problem}
    assert problems == {FindingKind.CHANGED, FindingKind.DROPPED, FindingKind.ADDED}


def test_unknown_fields_skip_what_the_descriptor_table_owns() -> None:
    raw = {
        "agent_uuid": "u",
        "name": "A",
        "created_at": "t",
        "brand_new": 1,
        "settings": {"voice": {"anything": 1}, "memorize": {}, "evaluation": {}, "beta": {}},
        "guidelines": [{"uuid": "g", "content": "c", "order": 0, "source": "ui"}],
        "procedures": [{"name": "p", "steps": [{"order": 0, "intent_uuid": None, "kind": "x"}]}],
    }
    assert unknown_agent_fields(raw) == [
        "brand_new",
        "guidelines[].source",
        "procedures[].steps[].kind",
        "settings.beta",
    ]


def test_unknown_fields_of_a_separate_section_item() -> None:
    hook = {"webhook_uuid": "w", "url": "u", "has_secret": True, "retries": 3}
    assert unknown_section_fields(section("webhooks"), hook) == ["webhooks[].retries"]


# --- the doctor agent covers the contract -------------------------------------------------------


def _set_fields(
    model: type[BaseModel], values: list[Any], prefix: str
) -> tuple[set[str], set[str]]:
    """(every field path of ``model``, the paths some value sets), walking nested models."""
    every, seen = set(), set()
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        every.add(path)
        present = [v[name] for v in values if isinstance(v, dict) and v.get(name) is not None]
        if present:
            seen.add(path)
        inner = inner_model(info.annotation)
        if inner is not None:
            nested = [x for p in present for x in (p if isinstance(p, list) else [p])]
            more, found = _set_fields(inner, nested, path)
            every |= more
            seen |= found
    return every, seen


def test_the_doctor_agent_sets_every_field_of_every_section() -> None:
    spec = doctor_manifest(DoctorAgent("mhsync-doctor-x", "https://h.example.com/x", "s"))["spec"]
    keys = {d.key for d in SECTIONS}
    missing = []
    for descriptor in SECTIONS:
        if descriptor.kind == "collection":
            values = list(spec[descriptor.key])
        elif descriptor.path == "" and descriptor.embedded_as is None:
            values = [{k: v for k, v in spec.items() if k not in keys}]
        else:
            values = [spec[descriptor.key]]
        every, seen = _set_fields(descriptor.model, values, descriptor.key)
        missing += sorted(p for p in every - seen if p.rsplit(".", 1)[1] not in UNCOVERED)
    assert missing == []
