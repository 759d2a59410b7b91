"""The per-file fast paths of loading (issue 16) give what the full ways give, and stay cheap.

- the plain reader composes with tags left unresolved and resolves only what may not be a
  string (``yamlio._CLoaderTagsLater``, ``_plain``): the YAML parity suite holds its data and
  positions to the pure composer's; here, its cost is pinned in resolver calls;
- substitution skips its walk when the reader counted no ``${`` outside the secret fields
  (``SourceDoc.references``): held here to the walk on random documents.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mhsync.manifest import variables, yamlio
from mhsync.manifest.variables import Sources, substitute

REPO = Path(__file__).resolve().parents[2]

TEXT = st.sampled_from(
    ["plain", "${var:a}", "${env:B}", "x ${var:missing} y", "$${var:a}", "${env:NOPE}", "1"]
)
WEBHOOK = st.fixed_dictionaries(
    {"url": st.sampled_from(["https://h.example/a", "${var:a}"]), "secret_key": TEXT}
)
DOC = st.fixed_dictionaries(
    {
        "apiVersion": st.just("mhsync/v1"),
        "kind": st.just("Agent"),
        "metadata": st.fixed_dictionaries({"name": st.just("a")}),
        "spec": st.fixed_dictionaries(
            {
                "name": TEXT,
                "notes": st.lists(TEXT, max_size=3),
                "webhooks": st.lists(WEBHOOK, max_size=3),
            }
        ),
    }
)
SOURCES = Sources({"a": "A"}, {"B": "b"})


def _doc(data: dict[str, Any]) -> yamlio.SourceDoc:
    yaml = YAML(typ="safe", pure=True)
    out = io.StringIO()
    yaml.dump(data, out)
    docs = yamlio.parse_text(out.getvalue(), "f.yaml").docs
    assert len(docs) == 1 and docs[0].references is not None
    return docs[0]


@settings(max_examples=150, deadline=None)
@given(data=DOC)
def test_skipping_the_walk_gives_what_the_walk_gives(data: dict[str, Any]) -> None:
    counted = _doc(data)
    walked = yamlio.SourceDoc(
        counted.file, counted.index, copy.deepcopy(counted.data), counted.marks
    )
    assert walked.references is None  # not counted: substitution walks it
    assert [str(d) for d in substitute(counted, SOURCES)] == [
        str(d) for d in substitute(walked, SOURCES)
    ]
    assert counted.data == walked.data


def test_the_walk_runs_only_where_a_value_outside_the_secrets_holds_a_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks: list[object] = []
    original = variables._walk

    def counting(*args: Any) -> Any:
        if args[2] == ():
            walks.append(args[2])
        return original(*args)

    monkeypatch.setattr(variables, "_walk", counting)
    hook = {"url": "https://h.example", "secret_key": "${env:S}"}
    only_secrets = {"apiVersion": "mhsync/v1", "spec": {"name": "x", "webhooks": [hook]}}
    substitute(_doc(only_secrets), SOURCES)
    assert walks == []
    substitute(_doc({**only_secrets, "spec": {"name": "${var:a}", "webhooks": [hook]}}), SOURCES)
    assert walks == [()]


def test_a_clean_file_read_again_calls_no_python_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cost pin: tags come from C as slices; keys, collections, quoted scalars and plain text
    are settled without the resolver, and typed values (``true``, ``0.7``) are read once per
    process. Reading the example agent a second time calls ``_resolve`` not once (it was
    called for every one of its nodes before)."""
    text = (REPO / "examples/agents/volvo-service.yaml").read_text(encoding="utf-8")
    yamlio.parse_text(text, "f.yaml")
    calls: list[object] = []
    original = yamlio._resolve

    def counting(*args: Any) -> str:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(yamlio, "_resolve", counting)
    result = yamlio.parse_text(text, "f.yaml")
    assert result.docs and not result.docs[0].marks.held
    assert calls == []


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.text(alphabet="0123456789aefnlrstuxyNTF.:+-_~'\" !", min_size=0, max_size=8),
        min_size=1,
        max_size=6,
    )
)
def test_values_read_once_are_those_read_fresh(values: list[str]) -> None:
    """``_VALUES`` hands back, for a text, the value a first reading of it gives."""
    text = "".join(f"k{i}: {v}\n" for i, v in enumerate(values))
    first, broken = yamlio._parse(text, "f.yaml", pure=False)
    if broken:
        return
    yamlio._VALUES.clear()
    fresh = yamlio._parse(text, "f.yaml", pure=False)[0]
    again = yamlio._parse(text, "f.yaml", pure=False)[0]
    assert [repr(d.data) for d in first.docs] == [repr(d.data) for d in fresh.docs]
    assert [repr(d.data) for d in again.docs] == [repr(d.data) for d in fresh.docs]
