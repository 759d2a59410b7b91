"""The fast (libyaml) and the pure-Python composer read every manifest the same way.

``mhsync.manifest.yamlio`` composes with libyaml when it can (eight times faster on large
repositories) and falls back to the pure composer for broken files, ``%YAML`` directives and
possibly deep nesting. This suite holds them to the same result on every YAML file of the
repository and on edge cases of YAML's core schema: same data, same positions of every key and
value, same diagnostics. Where libyaml finds the file broken, the pure composer's answer is
the one users see, so only files both read are compared.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mhsync.manifest import yamlio
from tests.proof.conftest import REPO

EDGE_CASES = {
    "booleans": "a: [yes, no, on, off, y, n, true, false, True, FALSE]\n",
    "numbers": "a: [0o17, 017, 0x1F, 1_000, 1e3, .5, -.inf, .NaN, +12, 0b101]\n",
    "nulls": "a: ~\nb: null\nc:\nd: Null\n",
    "yaml-1.1-only": "a: [yes, No, ON, off, Y, n, 017, 0b11, 1:30, 190:20:30.15, 1_0, .5e3]\n",
    "keys-1.1": "yes: 1\non: 2\n017: 3\n1:30: 4\n",
    "dates": "a: 2024-01-02\nb: 2024-01-02T03:04:05Z\nc: 12:30:45\n",
    "quoted": "a: 'it''s'\nb: \"tab\\there\\u00e9\"\nc: '#not a comment'\n",
    "block-scalars": "a: |\n  line one\n  line two\nb: >-\n  folded\n  text\nc: |+\n  keep\n\n",
    "anchors-merge": "base: &b {x: 1, y: [1, 2]}\nuse:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "multi-doc": "---\na: 1\n---\nb: 2\n...\n---\n- c\n",
    "unicode": 'name: Åsa Öberg\nemoji: "\\U0001F600"\nkey with spaces: ✓\n',
    "crlf": "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
    "bom": "\ufeffa: 1\n",
    "unicode-breaks": 'a: x\x85y\nb: "p\u2028q"\n\u2029: c\n',
    "comments": "# head\na: 1 # trailing\n# between\nb: [1, # in flow\n  2]\n",
    "empty-values": "a:\nb: []\nc: {}\nd: ''\n",
    "duplicate-keys": "a: 1\na: 2\nb: {c: 1, c: 2}\n",
    "tags": "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!binary aGk=\n",
    "python-tag": "a: !!python/object:os.system ls\n",
    "complex-key": "? [a, b]\n: c\n",
    "deep-64": "a: " + "[" * 63 + "x" + "]" * 63 + "\n",
    "deep-65": "a: " + "[" * 66 + "x" + "]" * 66 + "\n",
    "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcd", "bcde", strict=True)
    ),
    "self-alias": "a: &a [*a]\n",
    "indentless": "a:\n- b: 1\n  c:\n  - d\n- e\n",
    "long-plain": "a: " + " ".join(["word"] * 400) + "\n",
}


def _corpus() -> dict[str, str]:
    files = {
        str(path.relative_to(REPO)): path.read_text(encoding="utf-8")
        for folder in ("examples", "tests/manifest", "tests/golden", "schemas")
        for path in sorted((REPO / folder).rglob("*.y*ml"))
    }
    return {**files, **{f"edge:{name}": text for name, text in EDGE_CASES.items()}}


CORPUS = _corpus()


def _read(text: str, pure: bool) -> tuple[object, bool]:
    result, broken = yamlio._parse(text, "f.yaml", pure=pure)
    shape = (
        [(d.index, _typed(d.data), d.keys, d.values) for d in result.docs],
        [str(d) for d in result.diagnostics],
    )
    return shape, broken


def _typed(value: object) -> object:
    """Data with types spelt out, so ``1 == 1.0 == True`` cannot hide a difference."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_both_composers_read_the_same(name: str) -> None:
    if yamlio._PURE_ONLY.search(CORPUS[name]):
        pytest.skip("only the pure composer reads it (a directive or a Unicode line break)")
    fast, broken = _read(CORPUS[name], pure=False)
    if broken:
        pytest.skip("libyaml finds it broken: the pure composer reads it (and reports it)")
    assert fast == _read(CORPUS[name], pure=True)[0]


def test_most_of_the_corpus_is_read_by_libyaml() -> None:
    broken = [name for name, text in CORPUS.items() if _read(text, pure=False)[1]]
    assert len(broken) < len(CORPUS) / 10, broken


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=30),
)
KEYS = st.text(min_size=1, max_size=12).filter(lambda k: k.strip() == k and k.isprintable())
"""Keys the dumper writes in plain ``key:`` form. For an explicit ``? key`` libyaml gives the
value's true line where the pure composer gives the next one; manifests do not use them."""
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(KEYS, DATA, max_size=5), flow=st.booleans())
def test_random_documents_read_the_same(data: dict[str, object], flow: bool) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    fast, broken = _read(text, pure=False)
    if not broken and not yamlio._PURE_ONLY.search(text):
        assert fast == _read(text, pure=True)[0], text


def test_the_fast_path_is_what_parse_text_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    original = yamlio._parse

    def spy(text: str, display: str, *, pure: bool) -> object:
        used.append(pure)
        return original(text, display, pure=pure)

    monkeypatch.setattr(yamlio, "_parse", spy)
    yamlio.parse_text((REPO / "examples/agents/volvo-service.yaml").read_text(), "x")
    yamlio.parse_text("%YAML 1.1\n---\na: yes\n", "x")
    yamlio.parse_text("a: [b\n", "x")
    yamlio.parse_text("a: x\x85y\n", "x")
    assert used == [False, True, False, True, True]


def test_deep_or_huge_files_are_refused_before_composing(tmp_path: Path) -> None:
    deep = yamlio.parse_text("a: " + "[" * 200_000 + "]" * 200_000, "deep.yaml")
    assert [d.code for d in deep.diagnostics] == ["yaml-too-deep"]
    many = yamlio.parse_text("a:\n" + "- x\n" * (yamlio.MAX_VALUES + 10), "many.yaml")
    assert [d.code for d in many.diagnostics] == ["yaml-too-many-values"]


def test_a_byte_order_mark_does_not_hide_indentation_from_the_depth_bound() -> None:
    """libyaml skips a BOM at the start of a line and counts its columns on: so must the bound."""
    line = "\ufeff" + " " * 60 + "- " * 996 + "x\n"
    text = line * 15
    assert yamlio._depth_bound(text) > yamlio.C_COMPOSER_MAX_DEPTH
    assert [d.code for d in yamlio.parse_text(text, "bom.yaml").diagnostics] == ["yaml-too-deep"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=" \n\ufeff-?\tx:[", max_size=80))
def test_the_depth_bound_takes_the_deepest_indentation_of_any_line(text: str) -> None:
    """``_max_indent`` searches substrings instead of matching each line: same answer, and
    the bound is never below the line by line one it replaced."""
    by_line = max(map(len, yamlio._INDENT.findall(text)), default=0)
    assert yamlio._max_indent(text) == by_line
    assert yamlio._depth_bound(text) >= 2 * (by_line + 1) + 3


def test_one_line_opening_many_entries_is_still_bounded() -> None:
    """More openers in the text than the cheap count allows: the line by line count decides."""
    deep = "- " * 1_200 + "x\n"
    assert yamlio._depth_bound(deep) > yamlio.C_COMPOSER_MAX_DEPTH
    spread = "".join(f"- k{i}: v\n" for i in range(1_200))
    assert yamlio._depth_bound(spread) <= yamlio.C_COMPOSER_MAX_DEPTH


def test_yaml_only_the_pure_parser_reads_is_still_bounded() -> None:
    """A start libyaml rejects sends the file to the pure composer: its events are counted first."""
    head = ": x\n---\n"
    assert yamlio._parse(head, "x", pure=False)[1] and not yamlio._parse(head, "x", pure=True)[1]
    many = yamlio.parse_text(head + "- x\n" * (yamlio.MAX_VALUES + 10), "many.yaml")
    assert [d.code for d in many.diagnostics] == ["yaml-too-many-values"]
    deep = yamlio.parse_text(head + "a: " + "[" * 5_000 + "]" * 5_000 + "\n", "deep.yaml")
    assert [(d.code, d.line) for d in deep.diagnostics] == [("yaml-too-deep", 3)]


def test_a_directive_after_a_lone_carriage_return_goes_to_the_pure_composer() -> None:
    text = "a: 1\r...\r%YAML 1.1\r---\rb: yes\r"
    assert yamlio._PURE_ONLY.search(text)
    docs = yamlio.parse_text(text, "cr.yaml").docs
    assert [doc.data for doc in docs] == [{"a": 1}, {"b": True}]  # `yes` is true in YAML 1.1


def test_the_fast_path_is_libyaml_with_the_yaml_1_2_resolver() -> None:
    """PyYAML's C composer, with the tags ruamel's pure composer gives (not PyYAML's 1.1 ones)."""
    assert yamlio._CLoader is not None
    text = "a: [yes, on, 017, 0o17, 1:30, 2024-01-02, ~, 1e3, true]\n"
    result, broken = yamlio._parse(text, "f.yaml", pure=False)
    assert not broken
    assert result.docs[0].data == {
        "a": ["yes", "on", 17, 15, "1:30", "2024-01-02", None, 1000.0, True]
    }
    assert yamlio.parse_text("%YAML 1.1\n---\na: [yes, on]\n", "f").docs[0].data == {
        "a": [True, True]
    }


PLAIN = st.text(alphabet="0123456789abcdefxoOnNyYtTrRuUlLsS.:+-_~eE", min_size=1, max_size=12)
"""Plain scalars near the resolvers' patterns: numbers, booleans, nulls, sexagesimals, dates."""


@settings(max_examples=150, deadline=None)
@given(values=st.lists(PLAIN, min_size=1, max_size=8))
def test_random_plain_scalars_resolve_the_same(values: list[str]) -> None:
    text = "".join(f"k{i}: {v}\n" for i, v in enumerate(values))
    fast, broken = _read(text, pure=False)
    pure, pure_broken = _read(text, pure=True)
    assert broken == pure_broken, text
    if not broken:
        assert fast == pure, text


def _full(text: str) -> list[tuple[int, object, object, object]]:
    """Every document of ``text`` read by ``_Builder`` alone: data, keys and values at once."""
    out = []
    for index, node in enumerate(yamlio._nodes(text, False), start=1):
        if yamlio._is_empty_scalar(node):
            continue
        builder = yamlio._Builder("f.yaml")
        try:
            data = builder.build(node, (), 0)
        except yamlio._Refused:
            continue
        out.append((index, _typed(data), builder.keys, builder.values))
    return out


def _lazy_matches_full(text: str) -> None:
    result, broken = yamlio._parse(text, "f.yaml", pure=False)
    if broken:
        return
    spans = [doc.line_span() for doc in result.docs]  # before positions are read
    roots = [doc.value_mark(()) for doc in result.docs]
    full = _full(text)
    assert [(d.index, _typed(d.data), d.keys, d.values) for d in result.docs] == full
    assert spans == [doc.line_span() for doc in result.docs]  # now from the positions
    assert roots == [doc.value_mark(()) for doc in result.docs]


def test_clean_documents_hold_no_positions_until_one_is_asked() -> None:
    """Reading builds data alone; the first question about a place reads positions, the same
    as reading with positions from the start (issue 16: a third of reading YAML, half of memory)."""
    text = (REPO / "examples/agents/volvo-service.yaml").read_text(encoding="utf-8")
    result, broken = yamlio._parse(text, "f.yaml", pure=False)
    assert not broken and result.docs
    doc = result.docs[0]
    assert not doc.marks.held
    values = _full(text)[0][3]
    assert isinstance(values, dict)
    assert doc.value_mark(()) == yamlio.unpack(values[()])
    assert doc.line_span() == (min(values.values()) >> yamlio.COL_BITS, 241)
    assert not doc.marks.held  # the start and the span of lines are known without them
    name = doc.value_mark(("metadata", "name"))
    assert doc.marks.held
    assert name == yamlio.unpack(values[("metadata", "name")])


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_positions_read_later_are_those_of_a_full_read(name: str) -> None:
    if not yamlio._PURE_ONLY.search(CORPUS[name]):
        _lazy_matches_full(CORPUS[name])


@settings(max_examples=60, deadline=None)
@given(data=st.dictionaries(KEYS, DATA, max_size=5), flow=st.booleans())
def test_random_documents_positions_read_later_are_the_same(
    data: dict[str, object], flow: bool
) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = StringIO()
    yaml.dump_all([data, data], out)
    if not yamlio._PURE_ONLY.search(out.getvalue()):
        _lazy_matches_full(out.getvalue())
