"""The checks of one document, computed anywhere, give ``check_all``'s report unchanged.

A worker process runs ``check_document`` on the agents it parsed and sends the findings back
(``manifest/parallel.py``); the loading process then adds only the checks across documents.
These tests hold that split to the serial report: the same diagnostics, text and order, for
the invalid corpus and every other kind of file (the mixed project of the parallel tests), and
for generated manifests whose agents name each other, misspell names and repeat handles.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mhsync.manifest.loader as loader
from mhsync.manifest.checks import AgentRef, check_all, check_document
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.parse import ParsedAgent
from mhsync.manifest.variables import Sources
from mhsync.manifest.yamlio import parse_text

from .conftest import agent
from .test_parallel_load import load, write_mixed_project


def _as_checked_elsewhere(agents: list[ParsedAgent]) -> dict[int, Any]:
    """Each agent's ``check_document`` findings as a worker's come back: computed on a pickled
    copy of the agent, and pickled again (index in ``agents`` -> findings)."""
    copies = pickle.loads(pickle.dumps(agents, pickle.HIGHEST_PROTOCOL))
    findings = [check_document(copy) for copy in copies]
    back: list[Any] = pickle.loads(pickle.dumps(findings, pickle.HIGHEST_PROTOCOL))
    return dict(enumerate(back))


def _split_agrees(agents: list[ParsedAgent]) -> list[Diagnostic]:
    """``check_all`` of ``agents``, asserted equal (and equal as printed) to ``check_all`` with
    every agent's per-document part computed elsewhere."""
    frozen = pickle.loads(pickle.dumps(agents, pickle.HIGHEST_PROTOCOL))  # as the load saw them
    expected = check_all(frozen)
    elsewhere = _as_checked_elsewhere(frozen)
    index = {id(a): n for n, a in enumerate(frozen)}
    split = check_all(frozen, lambda a: elsewhere[index[id(a)]])
    assert split == expected
    assert [str(d) for d in split] == [str(d) for d in expected]
    return expected


def _captured_checks(monkeypatch: pytest.MonkeyPatch) -> list[list[ParsedAgent]]:
    """The agents each load hands ``check_all``, pickled at that moment (building rewrites a
    pinned uuid in place afterwards)."""
    seen: list[list[ParsedAgent]] = []
    real = loader.check_all

    def spy(agents: list[ParsedAgent], checked: Any = None) -> list[Diagnostic]:
        seen.append(pickle.loads(pickle.dumps(agents, pickle.HIGHEST_PROTOCOL)))
        return real(agents, checked)

    monkeypatch.setattr(loader, "check_all", spy)
    return seen


def test_findings_made_elsewhere_give_the_serial_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_mixed_project(tmp_path)
    seen = _captured_checks(monkeypatch)
    load(tmp_path, 1)
    (agents,) = seen
    report = _split_agrees(agents)
    codes = {d.code for d in report}
    cross = {"duplicate-agent", "unresolved-ref"}
    own = {"duplicate-item", "limit", "ref", "unchecked-ref", "conditional", "https", "url"}
    assert cross | own <= codes  # every kind of check is on both sides of the split
    findings = [f for a in agents for f in check_document(a)]
    assert any(isinstance(f, AgentRef) for f in findings)


def test_a_reference_to_an_agent_waits_for_every_agent() -> None:
    """Whether a named agent exists is not the document's to say: ``check_document`` leaves a
    placeholder, and ``check_all`` resolves it against every agent given."""
    text = agent(ROUTING.format(target="desk"), name="caller")
    (doc,) = parse_text(text, "caller.yaml").docs
    parsed, problems = loader.parse_document(doc, Sources({}, {}))
    assert parsed is not None and not problems
    (finding,) = check_document(parsed)
    assert finding == AgentRef(("spec", "routing_rules", 0, "destination_agent"), "desk")
    (alone,) = check_all([parsed])
    assert alone.code == "unresolved-ref" and (alone.line, alone.col) == (17, 26)
    (desk_doc,) = parse_text(agent(name="desk"), "desk.yaml").docs
    desk, _ = loader.parse_document(desk_doc, Sources({}, {}))
    assert desk is not None
    assert check_all([parsed, desk]) == []


ROUTING = """\
routing_rules:
  - department_name: Desk
    phrases: [desk]
    ai_prompt: To the desk.
    destination_type: agent
    destination_agent: {target}
"""

HANDLES = ["desk", "sales", "support", "billing"]
NAMES = [*HANDLES, "dessk", "sale", "nobody", "supprot"]


@st.composite
def _manifests(draw: st.DrawFn) -> list[str]:
    """Agents named from a few handles (some repeated), each routing to names that exist,
    are misspelt or name nothing, sometimes twice the same department."""
    texts = []
    for _ in range(draw(st.integers(2, 7))):
        handle = draw(st.sampled_from(HANDLES))
        targets = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=3))
        rules = "routing_rules:\n" if targets else ""
        for number, target in enumerate(targets):
            department = draw(st.sampled_from([f"Dept {number}", "Same"]))
            rules += ROUTING.format(target=target).split("\n", 1)[1].replace("Desk", department)
        texts.append(agent(rules, name=handle))
    return texts


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=_manifests(), processes=st.integers(1, 3))
def test_generated_references_report_alike(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], processes: int
) -> None:
    root = tmp_path_factory.mktemp("refs")
    folder = root / "agents"
    folder.mkdir()
    for number, text in enumerate(texts):
        (folder / f"agent-{number}.yaml").write_text(text, "utf-8")
    serial = load(root, 1, [folder])
    result = load(root, processes, [folder])
    assert [str(d) for d in result.diagnostics] == [str(d) for d in serial.diagnostics]
    assert result.diagnostics == serial.diagnostics
    assert result.workspace == serial.workspace
    with pytest.MonkeyPatch.context() as patch:
        seen = _captured_checks(patch)
        load(root, 1, [folder])
    _split_agrees(seen[0])
