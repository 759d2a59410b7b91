"""Token handling and the http:// rule."""

from __future__ import annotations

import copy

import pytest

from mhsync.client import ApiClient, Token, validate_base_url
from mhsync.errors import ConfigError

from .conftest import MARKER


def test_token_repr_and_str_hide_the_value() -> None:
    token = Token(MARKER)
    assert repr(token) == "Token(***)"
    assert str(token) == "Token(***)"
    assert f"{token}" == "Token(***)"
    assert token.reveal() == MARKER
    assert MARKER not in repr(copy.deepcopy(token))
    assert Token(MARKER) == token


@pytest.mark.parametrize(
    "value",
    ["", "has space", "line\nbreak", "tab\there", "nön-ascii"],
    ids=["empty", "space", "newline", "tab", "non-ascii"],
)
def test_token_rejects_values_that_cannot_be_a_header(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Token(value)
    if value:
        assert value not in str(info.value)


@pytest.mark.parametrize(
    "environ",
    [{}, {"MY_TOKEN": ""}, {"MY_TOKEN": "   "}],
    ids=["unset", "empty", "blank"],
)
def test_token_from_env_names_the_variable(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="MY_TOKEN"):
        Token.from_env("MY_TOKEN", environ)


def test_token_from_env_strips_and_never_echoes_a_bad_value() -> None:
    assert Token.from_env("T", {"T": f"  {MARKER}\n"}).reveal() == MARKER
    with pytest.raises(ConfigError, match="environment variable T") as info:
        Token.from_env("T", {"T": "tok MARKER 123"})
    assert "MARKER" not in str(info.value)


def test_token_from_env_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHSYNC_TOKEN", MARKER)
    assert Token.from_env().reveal() == MARKER


@pytest.mark.parametrize(
    "url",
    [
        "https://tenant.mindhunters.ai/api/v1",
        "https://tenant.mihu.ai/api/v1/",
        "http://127.0.0.1:8080/api/v1",
        "http://127.1.2.3/api/v1",
        "http://localhost:9000/api/v1",
        "http://LOCALHOST/api/v1",
        "http://[::1]:8080/api/v1",
    ],
    ids=[
        "https",
        "https-trailing-slash",
        "http-127.0.0.1",
        "http-127/8",
        "http-localhost",
        "http-localhost-upper",
        "http-ipv6-loopback",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert validate_base_url(url).lower() == url.rstrip("/").lower()
    ApiClient(url, Token(MARKER)).close()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("http://tenant.mindhunters.ai/api/v1", "refusing plain http://"),
        ("http://10.0.0.5/api/v1", "refusing plain http://"),
        ("http://[::2]/api/v1", "refusing plain http://"),
        ("http://localhost.evil.example/api/v1", "refusing plain http://"),
        ("ftp://tenant.mindhunters.ai/api/v1", "must be https://"),
        ("tenant.mindhunters.ai/api/v1", "must be https://"),
        ("https://user:pw@tenant.mindhunters.ai/api/v1", "must not contain credentials"),
        ("https://tenant.mindhunters.ai/api/v1?x=1", "query string or fragment"),
    ],
    ids=[
        "http-public-host",
        "http-private-ip",
        "http-ipv6-not-loopback",
        "http-localhost-lookalike",
        "ftp",
        "no-scheme",
        "credentials",
        "query",
    ],
)
def test_refused_base_urls(url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        ApiClient(url, Token(MARKER))
    assert "pw" not in str(info.value)


def test_client_requires_a_token_object() -> None:
    with pytest.raises(TypeError):
        ApiClient("https://t.example/api/v1", MARKER)  # type: ignore[arg-type]
