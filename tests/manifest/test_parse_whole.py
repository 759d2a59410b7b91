"""A document validated whole (one pydantic call) yields exactly what piecewise validation does.

``parse_document`` validates a document in one call and falls back to validating each piece on
its own (the old way, which alone makes diagnostics) when that fails. These tests hold the two
ways to the same agent and diagnostics on generated documents, valid and broken at a random
place, and on every manifest the repository ships; and they pin the cost: a valid document is
validated once, not once per piece.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mhsync.manifest import parse
from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.parse import ParsedAgent, parse_document
from mhsync.manifest.variables import Sources, substitute
from mhsync.manifest.yamlio import SourceDoc, parse_text
from tests.manifest.test_roundtrip_property import documents

REPO = Path(__file__).resolve().parents[2]
SOURCES = Sources({}, {}, check_env=False)
ODD_VALUES = [None, 7, 1.5, True, "text", "", [], {}, [None], {"unknown_key": 1}, ["a", 3]]

Outcome = tuple[tuple[Any, ...] | None, list[Diagnostic]]


def _summary(agent: ParsedAgent | None) -> tuple[Any, ...] | None:
    if agent is None:
        return None
    parts = (agent.objects, agent.collections, agent.identities, agent.errors)
    return (agent.handle, agent.metadata, agent.core, *parts)


def _docs(text: str) -> list[SourceDoc]:
    return parse_text(text, "agent.yaml").docs


def _new_way(doc: SourceDoc) -> Outcome:
    agent, problems = parse_document(doc, SOURCES)
    return _summary(agent), problems


def _old_way(doc: SourceDoc) -> Outcome:
    """Piece by piece only, as parse_document did before the whole-document validation."""
    if not isinstance(doc.data, dict):
        agent, problems = parse_document(doc, SOURCES)
        return _summary(agent), problems
    problems = substitute(doc, SOURCES)
    agent, problems = parse._parse_pieces(doc, doc.data, problems)
    return _summary(agent), problems


def _same_both_ways(text: str) -> None:
    for new_doc, old_doc in zip(_docs(text), _docs(text), strict=True):
        assert _new_way(new_doc) == _old_way(old_doc)


def _places(value: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [loc] if loc else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_places(item, (*loc, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_places(item, (*loc, index)))
    return found


def _replace(data: Any, loc: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    node = out
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value
    return out


@st.composite
def broken_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid document with one value replaced by something of another shape."""
    doc = draw(documents())
    loc = draw(st.sampled_from(_places(doc)))
    return _replace(doc, loc, draw(st.sampled_from(ODD_VALUES)))  # type: ignore[no-any-return]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_valid_documents_parse_the_same_whole_and_piecewise(doc: dict[str, Any]) -> None:
    _same_both_ways(json.dumps(doc))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=broken_documents())
def test_broken_documents_parse_the_same_whole_and_piecewise(doc: dict[str, Any]) -> None:
    _same_both_ways(json.dumps(doc))


def _shipped_manifests() -> list[Path]:
    roots = [REPO / "examples", REPO / "tests" / "manifest" / "invalid", REPO / "tests" / "golden"]
    return sorted(p for root in roots for p in root.rglob("*.yaml") if p.name != "mhsync.yaml")


@pytest.mark.parametrize("path", _shipped_manifests(), ids=lambda p: p.name)
def test_shipped_manifests_parse_the_same_whole_and_piecewise(path: Path) -> None:
    _same_both_ways(path.read_text(encoding="utf-8"))


def test_a_valid_document_is_validated_once_not_per_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cost: one pydantic validation of a valid document, whatever its number of items."""
    calls: list[str] = []
    whole = parse.WHOLE_DOCUMENT.model_validate

    def counted(value: Any) -> Any:
        calls.append("whole")
        return whole(value)

    def piece(*args: Any) -> Any:
        calls.append("piece")
        raise AssertionError("a valid document was validated piece by piece")

    monkeypatch.setattr(parse.WHOLE_DOCUMENT, "model_validate", counted)
    monkeypatch.setattr(parse, "_parse_pieces", piece)
    items = "".join(f"  - Note {i}\n" for i in range(50))
    text = "apiVersion: mhsync/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n  name: A\n"
    agent, problems = parse_document(_docs(f"{text}  notes:\n{items}")[0], SOURCES)
    assert agent is not None and len(agent.collections["notes"]) == 50 and problems == []
    assert calls == ["whole"]
