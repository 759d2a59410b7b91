"""The token never shows: not in reprs, exception text, tracebacks (locals included) or logs."""

from __future__ import annotations

import io
import logging
import traceback
from collections.abc import Callable

import httpx
import pytest
from rich.console import Console
from rich.traceback import Traceback

from mhsync.client import ApiClient, Token
from mhsync.errors import ApiError

from .conftest import MARKER, Script, reply

ECHO = f"invalid token {MARKER}"

ERROR_PATHS = [
    pytest.param("GET", Script(reply(400, {"message": "bad"})), id="400"),
    pytest.param(
        "GET",
        Script(
            reply(
                401,
                {
                    "success": False,
                    "message": ECHO,
                    "error": {"code": "INVALID_AUTH_TOKEN", "details": ECHO},
                },
            )
        ),
        id="401-echoing-token",
    ),
    pytest.param("GET", Script(reply(403, {"message": "forbidden"})), id="403"),
    pytest.param("DELETE", Script(reply(404, {"message": "nope"})), id="404"),
    pytest.param("POST", Script(reply(409, {"message": "dup"})), id="409"),
    pytest.param(
        "PATCH",
        Script(reply(422, {"message": "x", "errors": {"f": [ECHO]}})),
        id="422-laravel-echo",
    ),
    pytest.param(
        "GET",
        Script(reply(429, {"message": "slow"}, headers={"Retry-After": "1"})),
        id="429-exhausted",
    ),
    pytest.param("GET", Script(reply(500, text=f"<html>{MARKER}</html>")), id="500-html"),
    pytest.param("PUT", Script(reply(503, {"message": "busy"})), id="503-exhausted"),
    pytest.param("POST", Script(reply(502, text="bad gateway")), id="post-502"),
    pytest.param("GET", Script(httpx.ConnectError(f"refused {MARKER}")), id="connect-exhausted"),
    pytest.param("GET", Script(httpx.ReadTimeout("timed out")), id="read-timeout-exhausted"),
    pytest.param("POST", Script(httpx.RemoteProtocolError("disconnected")), id="post-dropped"),
    pytest.param(
        "GET",
        Script(httpx.LocalProtocolError(f"Illegal header value {MARKER}")),
        id="local-protocol",
    ),
    pytest.param("GET", Script(reply(200, text="<html>hi</html>")), id="html-200"),
    pytest.param(
        "GET", Script(httpx.Response(301, headers={"Location": "https://x/"})), id="redirect"
    ),
    pytest.param(
        "GET", Script(reply(200, {"success": False, "message": ECHO})), id="success-false-echo"
    ),
]


def rendered_traceback(error: BaseException) -> str:
    """Rich's traceback with locals, plus the standard one, from the client's frames down."""
    assert error.__traceback__ is not None
    tb = error.__traceback__.tb_next  # skip the test function's own frame
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None)
    console.print(Traceback.from_exception(type(error), error, tb, show_locals=True))
    return buffer.getvalue() + "".join(traceback.format_exception(type(error), error, tb))


@pytest.mark.parametrize(("method", "script"), ERROR_PATHS)
def test_no_error_path_leaks_the_token(
    make_client: Callable[..., ApiClient],
    caplog: pytest.LogCaptureFixture,
    method: str,
    script: Script,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(script)
    with pytest.raises(ApiError) as info:
        client.request(method, "/agents/a-1", json={"k": "v"} if method != "GET" else None)
    error = info.value
    assert script.requests[0].headers["Authorization"] == f"Bearer {MARKER}"
    texts = [
        str(error),
        repr(error),
        error.message,
        rendered_traceback(error),
        repr(client),
        repr(vars(client)),
        *(r.getMessage() for r in caplog.records),
        *(repr(r.args) for r in caplog.records),
    ]
    for text in texts:
        assert MARKER not in text
    assert error.__cause__ is None


def test_token_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHSYNC_TOKEN", MARKER)
    token = Token.from_env()
    for text in (repr(token), str(token), f"{token!r}", repr(Token(MARKER))):
        assert MARKER not in text


def test_success_logs_never_carry_headers_or_bodies(
    make_client: Callable[..., ApiClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(Script(reply(200, {"data": {"secret_key": "body-secret"}})))
    client.post("/agents/a-1/webhooks", {"secret_key": "body-secret"})
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "POST /agents/a-1/webhooks -> 200" in logged
    assert MARKER not in logged
    assert "body-secret" not in logged


@pytest.mark.parametrize("verb", ["post", "put", "patch", "request"])
def test_request_body_stays_out_of_traceback_locals(
    make_client: Callable[..., ApiClient], verb: str
) -> None:
    client = make_client(Script(reply(422, {"message": "bad url", "errors": {"url": ["bad"]}})))
    with pytest.raises(ApiError) as info:
        if verb == "request":
            client.request("POST", "/agents/a-1/webhooks", json={"secret_key": "body-secret"})
        else:
            getattr(client, verb)("/agents/a-1/webhooks", {"secret_key": "body-secret"})
    rendered = rendered_traceback(info.value)
    assert "<request body>" in rendered
    assert "body-secret" not in rendered


def test_list_response_bodies_stay_out_of_traceback_locals(
    make_client: Callable[..., ApiClient],
) -> None:
    client = make_client(Script(reply(200, {"data": {"echo": MARKER}})))
    with pytest.raises(ApiError) as info:
        client.get_list("/agents/a-1/intents")
    assert MARKER not in rendered_traceback(info.value)
