"""No encoding of a secret survives a server that echoes the request in its errors.

A careless server quotes the request body (JSON: ``"`` and ``\\`` escaped, a tab as ``\\t``)
and the ``Authorization`` header in a 422. Before: scrubbing replaced the raw value only, after
the message was whitespace-collapsed and cut to 500 characters, so a secret holding ``"``,
``\\``, a tab or two spaces showed, 434 of 612 characters of a long secret showed, and so did the
start of a long token. Now every encoding of every secret the client was given (the token, each
webhook secret and intent auth token the executor resolves) is scrubbed before anything is cut.
"""

from __future__ import annotations

import json
import logging
import string
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mhsync.client import ApiClient, RetryPolicy, Token
from mhsync.errors import ApiError
from tests.proof.conftest import SECRETS, TOKEN_ENV, make_project, mh
from tests.proof.hostile import hostile_server

pytestmark = pytest.mark.usefixtures("proof_env")

WINDOW = 8
"""A leak is any run of this many characters of a secret (in any of its encodings)."""


def forms(secret: str) -> set[str]:
    """How a secret may be written by a server quoting it (independent of mhsync's list)."""
    base = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
    }
    return base | {" ".join(form.split()) for form in base}


def exposed(text: str, secret: str) -> list[str]:
    """The pieces of ``secret`` (``WINDOW`` characters, or all of a shorter form) in ``text``."""
    found = []
    for form in forms(secret):
        size = min(WINDOW, len(form))
        pieces = (form[i : i + size] for i in range(len(form) - size + 1))
        found += [piece for piece in pieces if piece in text]
    return found


HOSTILE_SECRETS = {
    "quote": 'sec-"quoted"-Hq7Zr2Wv',
    "backslash": "sec-back\\slash\\Kp4Xn8Ty",
    "tab": "sec-with\ttab\tJm3Vb6Qs",
    "double-spaces": "sec-two  spaces  Lc9Fd2Gw",
    "long": "sec-long-" + "".join(string.ascii_letters[i * 7 % 52] for i in range(603)),
}
LONG_TOKEN = "tok-" + "".join(string.ascii_letters[i * 11 % 52] for i in range(608))


@pytest.mark.parametrize("secret", list(HOSTILE_SECRETS.values()), ids=list(HOSTILE_SECRETS))
def test_echoed_secret_shows_in_no_encoding(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    secret: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in SECRETS:
        monkeypatch.setenv(name, secret)
    with hostile_server() as (base_url, received):
        root = make_project(tmp_path / "project", base_url)
        monkeypatch.chdir(root)
        result = mh("--debug", "apply", "--auto-approve")
    assert result.code == 1, result.text
    assert "cannot accept" in result.text  # the echo itself was shown, scrubbed
    assert any(form in "\n".join(received) for form in forms(secret)), "never sent"
    assert exposed(result.text + caplog.text, secret) == []


def test_long_token_echoed_shows_no_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(TOKEN_ENV, LONG_TOKEN)
    with hostile_server() as (base_url, _):
        root = make_project(tmp_path / "project", base_url)
        monkeypatch.chdir(root)
        result = mh("--debug", "apply", "--auto-approve")
    assert result.code == 1, result.text
    assert "cannot accept" in result.text
    assert exposed(result.text + caplog.text, LONG_TOKEN) == []


SECRET_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=12, max_size=700
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    secret=SECRET_TEXT,
    how=st.sampled_from(["json", "json-ascii", "collapsed", "url", "url-plus"]),
    cut=st.integers(min_value=0, max_value=700),
)
def test_property_no_window_of_a_secret_survives(secret: str, how: str, cut: int) -> None:
    """Whatever the secret, however the server quotes it, wherever the server cuts its echo."""
    assume(len(" ".join(secret.split())) >= WINDOW)
    encoded = {
        "json": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json-ascii": json.dumps(secret)[1:-1],
        "collapsed": " ".join(secret.split()),
        "url": quote(secret, safe=""),
        "url-plus": quote_plus(secret),
    }[how]
    echo = ("cannot accept {\"secret_key\":\"" + encoded + "\"} from x")[: 40 + cut]
    # A window that the message holds anyway (its fixed words, the request's path) is no leak.
    assume(exposed("cannot accept {\"secret_key\":\"\"} from x /agents/a/webhooks", secret) == [])
    body = {"success": False, "message": echo, "error": {"code": "E", "details": echo}}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json=body)

    client = ApiClient(
        "https://tenant.example/api/v1",
        Token("tok-property-1"),
        transport=httpx.MockTransport(answer),
        retry=RetryPolicy.no_retry(),
    )
    client.protect(secret)
    with client, pytest.raises(ApiError) as caught:
        client.post("/agents/a/webhooks", {"secret_key": secret})
    error = caught.value
    texts = f"{error} {error.code} {error.field} {error!r}"
    assert exposed(texts, secret) == []
