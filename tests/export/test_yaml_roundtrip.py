"""Every YAML mhsync writes reads back to what it meant (pull, export, fmt).

Before: text holding NEL, U+2028/U+2029, a control character or a lone CR next to a line break
was written as a ``|`` block that does not parse (or parses to other text); lines over 4,096
characters were folded; ``fmt`` turned ``<<: *anchor`` into copies of the anchor's keys, so
later edits of the anchor stopped applying; pull turned a comment-only document into ``null``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from mhsync.export.fmt import format_text
from mhsync.export.merge import _like
from mhsync.export.yamlstyle import dump_all, styled
from mhsync.manifest.yamlio import parse_text

ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


def reread(text: str) -> object:
    """The value of ``v`` in ``text`` as mhsync's own loader reads it (no error allowed)."""
    result = parse_text(text, "t.yaml")
    assert not result.diagnostics, (text, result.diagnostics)
    assert len(result.docs) == 1, text
    return result.docs[0].data["v"]


HOSTILE = {
    "nel-after-break": "line\n\x85next",
    "ls-after-break": "line\n\u2028next",
    "ps": "one\u2029two\nthree",
    "escape-char": "multi\nline\x1b[0m",
    "bell": "ring\x07\nring",
    "lone-cr": "carriage\rreturn\nand more",
    "crlf": "windows\r\nline\r\n",
    "bom": "\ufeffstart\nend",
    "del": "rub\x7fout\nx",
}


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_dashboard_text_round_trips(value: str) -> None:
    assert reread(dump_all([styled({"v": value})])) == value
    assert reread(format_text(dump_all([styled({"v": value})]))) == value


@pytest.mark.parametrize("old", [LiteralScalarString("a\nb\n"), FoldedScalarString("a\nb\n")])
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_in_a_block_written_before_round_trips(old: str, value: str) -> None:
    assert reread(dump_all([styled({"v": _like(old, value)})])) == value


def test_long_lines_are_never_folded() -> None:
    sentence = " ".join(["word"] * 2000)
    text = dump_all([styled({"v": sentence})])
    assert len(text.splitlines()) == 1
    assert reread(text) == sentence
    written = "v: " + sentence + "\n"
    assert format_text(written) == written


def test_fmt_keeps_merge_keys() -> None:
    text = (
        "base: &shared\n"
        "  tone: Friendly\n"
        "  language: en\n"
        "agent:\n"
        "  <<: *shared\n"
        "  name: X\n"
    )
    formatted = format_text(text)
    assert "<<: *shared" in formatted
    assert formatted.count("tone") == 1
    assert format_text(formatted) == formatted


@settings(max_examples=300, deadline=None)
@given(value=ANY_TEXT)
def test_property_any_string_emitted_reads_back_equal(value: str) -> None:
    emitted = dump_all([styled({"v": value})])
    assert reread(emitted) == value
    assert reread(format_text(emitted)) == value
    for old in (LiteralScalarString("x\ny\n"), FoldedScalarString("x\ny\n")):
        assert reread(dump_all([styled({"v": _like(old, value)})])) == value


STREAMS = {
    "preamble-and-comment-only": "# pre\n---\na: 1  # c\n# trailing\n---\n# only\n---\nb: 2\n",
    "implicit-first": "a: 1\n---\n# only a comment\n",
    "end-markers": "a: 1\n...\n---\nb: 2\n",
    "marker-comment": "--- # first\na: 1\n--- # second\nb: 2\n",
}


@pytest.mark.parametrize("text", list(STREAMS.values()), ids=list(STREAMS))
def test_rewrite_changes_only_the_changed_document(text: str) -> None:
    from mhsync.export.stream import rewrite
    from mhsync.export.yamlstyle import STYLE_INDENT, load_all

    documents = load_all(text, preserve_quotes=True)
    documents[0]["a"] = 5
    written = rewrite(text, documents, {0}, indent=STYLE_INDENT)
    assert "a: 5" in written
    result = parse_text(written, "t.yaml")
    assert not result.diagnostics
    assert [doc.data for doc in result.docs] == [
        doc.data for doc in parse_text(text.replace("a: 1", "a: 5"), "t.yaml").docs
    ]
    if "..." not in text:
        assert written == text.replace("a: 1", "a: 5")
