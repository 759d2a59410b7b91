"""``FieldPath``: one parse, one format, and the plan file's text kept as it always was."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from mhsync.fieldpath import FieldPath, list_index

PART = st.text(alphabet=st.sampled_from("ab.\\0 1é²"), max_size=5)
PARTS = st.lists(PART, min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(parts=PARTS)
def test_format_then_parse_gives_the_parts_back(parts: list[str]) -> None:
    path = FieldPath.of(*parts)
    assert path.parts == tuple(parts)
    assert FieldPath(str(path)) == path and FieldPath(str(path)).parts == tuple(parts)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab.\\0"), max_size=8))
def test_any_text_parses_and_its_canonical_form_is_stable(text: str) -> None:
    path = FieldPath(text)
    assert FieldPath.of(*path.parts) == path
    assert FieldPath(str(path)) == path


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.from_regex(r"[a-z_0-9]{1,6}", fullmatch=True), min_size=1, max_size=4))
def test_paths_without_dots_or_backslashes_are_written_as_before(parts: list[str]) -> None:
    """Every path mhsync wrote before the type reads and writes as the same text."""
    assert str(FieldPath.of(*parts)) == ".".join(parts)
    assert FieldPath(".".join(parts)).parts == tuple(parts)


@pytest.mark.parametrize(
    ("parts", "text"),
    [
        (("webhook", "auth_token"), "webhook.auth_token"),
        (("intents", "0", "webhook", "auth_token"), "intents.0.webhook.auth_token"),
        (("voice", "normalizers", "Dr."), "voice.normalizers.Dr\\."),
        (("a\\b",), "a\\\\b"),
        (("",), ""),
        (("a", "", "b"), "a..b"),
    ],
)
def test_the_text_form(parts: tuple[str, ...], text: str) -> None:
    assert str(FieldPath.of(*parts)) == text
    assert FieldPath(text).parts == parts


def test_a_lone_backslash_is_a_plain_character() -> None:
    """Texts written before escapes existed read as they did (a ``\\`` before a letter)."""
    assert FieldPath("a\\b.c").parts == ("a\\b", "c")


def test_it_is_its_text_as_a_string_and_sorts_like_it() -> None:
    paths = [FieldPath("a_b"), FieldPath("a.b"), FieldPath("a-b")]
    assert sorted(paths) == sorted(str(p) for p in paths)
    assert {FieldPath("secret_key"): 1}["secret_key"] == 1


def test_prefixes() -> None:
    path = FieldPath.of("webhook", "auth_token")
    assert path.under("intents", 0) == "intents.0.webhook.auth_token"
    assert path.under("intents", 0).within("intents") == FieldPath("0.webhook.auth_token")
    assert path.within("webhook") == FieldPath("auth_token")
    assert path.within("webhook", "auth_token") is None
    assert path.within("web") is None
    assert FieldPath("10.x").within(1) is None
    assert path.is_inside(FieldPath("webhook")) and path.is_inside(path)
    assert not FieldPath("webhooks").is_inside(FieldPath("webhook"))
    assert path.head == "webhook" and path.child("x") == "webhook.auth_token.x"
    assert FieldPath.of("Dr.", "x").head == "Dr."


def test_no_parts_is_not_a_path() -> None:
    with pytest.raises(ValueError, match="at least one part"):
        FieldPath.of()


@pytest.mark.parametrize(
    ("part", "index"), [("0", 0), ("12", 12), ("01", None), ("²", None), ("-1", None), ("x", None)]
)
def test_list_indexes_are_written_as_str_of_an_int(part: str, index: int | None) -> None:
    assert list_index(part) == index


class _Holder(BaseModel):
    path: FieldPath
    paths: tuple[FieldPath, ...] = ()
    secrets: dict[FieldPath, str] = {}


def test_pydantic_reads_and_writes_the_text() -> None:
    made = _Holder(path="voice.normalizers.Dr\\.", paths=("0.secret_key",), secrets={"x.y": "r"})
    text = made.model_dump_json()
    assert text == (
        '{"path":"voice.normalizers.Dr\\\\.","paths":["0.secret_key"],"secrets":{"x.y":"r"}}'
    )
    again = _Holder.model_validate_json(text)
    assert again == made and again.path.parts == ("voice", "normalizers", "Dr.")
    assert all(isinstance(k, FieldPath) for k in again.secrets)
    assert _Holder.model_json_schema()["properties"]["path"] == {"title": "Path", "type": "string"}


def test_copies_and_pickles_keep_the_parts() -> None:
    path = FieldPath.of("a.b", "c")
    assert copy.deepcopy(path).parts == ("a.b", "c")
    assert pickle.loads(pickle.dumps(path)).parts == ("a.b", "c")
