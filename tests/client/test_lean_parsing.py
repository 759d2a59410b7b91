"""The lean transport reads answers as h11 (httpx's parser until now) reads them.

Random answers (status line, header fields with odd spacing and case, obsolete line folding,
``Content-Length``, chunked bodies cut anywhere, with extensions and trailers, bodies read
until close, 1xx answers before the final one) are written to one end of a socket pair; the
transport's reader and h11 must agree on the status, the reason, the headers, the body and
whether the connection may be reused. Malformed answers must be refused by both.
"""

from __future__ import annotations

import socket
from typing import Any

import h11
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhsync.client import transport as lean

KEY = ("http", "127.0.0.1", 80)


def lean_read(data: bytes, method: str = "GET", *, eof: bool) -> dict[str, Any]:
    """What the lean transport makes of ``data`` (raises httpx.RemoteProtocolError)."""
    ours, theirs = socket.socketpair()
    try:
        theirs.sendall(data)
        if eof:
            theirs.shutdown(socket.SHUT_WR)
        connection = lean._Connection(ours, KEY)
        status, reason, _, headers, framing, length, keep = lean._read_answer(
            connection, method, 2.0
        )
        transport = lean.LeanTransport()
        transport._open = 1
        body = lean._Body(transport, connection, framing, length, keep, 2.0)
        content = b"".join(body)
        reusable = keep and body._complete and not connection.buffer and not eof
        body.close()
        return {
            "status": status,
            "reason": reason,
            "headers": headers,
            "body": content,
            "reusable": reusable,
        }
    finally:
        ours.close()
        theirs.close()


def h11_read(data: bytes, method: str = "GET", *, eof: bool) -> dict[str, Any]:
    """What h11 makes of ``data`` (raises h11.RemoteProtocolError)."""
    client = h11.Connection(h11.CLIENT, max_incomplete_event_size=lean.MAX_HEAD_BYTES)
    client.send(h11.Request(method=method, target="/", headers=[("Host", "127.0.0.1")]))
    client.send(h11.EndOfMessage())
    client.receive_data(data)
    if eof:
        client.receive_data(b"")
    result: dict[str, Any] = {"body": b""}
    while True:
        event = client.next_event()
        if event is h11.NEED_DATA:
            raise h11.RemoteProtocolError("incomplete")
        if isinstance(event, h11.InformationalResponse):
            continue
        if isinstance(event, h11.Response):
            result.update(
                status=event.status_code,
                reason=event.reason,
                headers=list(event.headers.raw_items()),
            )
        elif isinstance(event, h11.Data):
            result["body"] += bytes(event.data)
        elif isinstance(event, h11.EndOfMessage):
            break
    done = client.our_state is h11.DONE and client.their_state is h11.DONE
    result["reusable"] = done and not eof  # a server that closed leaves nothing to reuse
    return result


TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~"
VALUE_CHARS = st.sampled_from([*"abcXYZ019 ,;=/\"'()<>@[]{}?\t", "\u00e9", "\u00ff"])
names = st.text(TOKEN_CHARS, min_size=1, max_size=12).filter(
    lambda n: n.lower() not in ("content-length", "transfer-encoding", "connection")
)
values = st.text(VALUE_CHARS, max_size=20).map(lambda v: v.strip(" \t"))


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, bool, str]:
    """A well-formed answer, whether it ends at EOF, and the request method."""
    method = draw(st.sampled_from(["GET", "GET", "POST", "HEAD"]))
    status = draw(st.sampled_from([200, 201, 204, 304, 404, 500, 503]))
    reason = draw(st.sampled_from([b"OK", b"", b"Not Found", b"Some  Reason\t x"]))
    version = draw(st.sampled_from([b"1.1", b"1.1", b"1.0"]))
    newline = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n"]))
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(names).encode()
        value = draw(values).encode("latin-1")
        space = draw(st.sampled_from([b"", b" ", b"  ", b"\t"]))
        trail = draw(st.sampled_from([b"", b" ", b"\t "]))
        lines.append(name + b":" + space + value + trail)
        if value and draw(st.booleans()) and draw(st.booleans()):
            lines.append(b" \t" + draw(values).encode("latin-1") + b"x")  # obsolete folding
    if draw(st.booleans()):
        lines.insert(
            draw(st.integers(0, len(lines))),
            b"Connection: " + draw(st.sampled_from([b"close", b"keep-alive", b"Upgrade, CLOSE"])),
        )
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    eof = framing == "close"
    if framing == "length":
        lines.append(b"Content-Length: " + str(len(body)).encode())
        payload = body
    elif framing == "chunked":
        lines.append(b"Transfer-Encoding: " + draw(st.sampled_from([b"chunked", b"Chunked"])))
        payload = b""
        rest = body
        while rest:
            size = draw(st.integers(1, len(rest)))
            ext = draw(st.sampled_from([b"", b";a=b", b" "]))
            payload += b"%x%s\r\n%s\r\n" % (size, ext, rest[:size])
            rest = rest[size:]
        payload += b"0\r\n"
        payload += draw(st.sampled_from([b"", b"X-Sum: 1\r\n"])) + b"\r\n"
    else:
        payload = body
    if status in (204, 304) or method == "HEAD":
        payload = b""  # no body follows, whatever the headers say (bytes after: see below)
    head = b"HTTP/" + version + b" %d" % status + (b" " + reason if reason else b"")
    informational = b""
    if draw(st.booleans()) and version == b"1.1":
        informational = b"HTTP/1.1 100 Continue\r\n\r\n"
    data = informational + newline.join([head, *lines]) + newline + newline + payload
    return data, eof, method


@settings(max_examples=150, deadline=None)
@given(answers())
def test_answers_are_read_as_h11_reads_them(case: tuple[bytes, bool, str]) -> None:
    data, eof, method = case
    expected = h11_read(data, method, eof=eof)
    assert lean_read(data, method, eof=eof) == expected


MALFORMED = [
    b"HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n folded-first: x\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/11 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
    b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
    b"HTTP/1.1 200 OK\r\nContent-Le",
    b"",
    b"HTTP/1.1 200 OK\r\nX: " + b"y" * (lean.MAX_HEAD_BYTES + 10),  # a head without end
]


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_answers_are_refused_by_both(data: bytes) -> None:
    with pytest.raises(h11.RemoteProtocolError):
        h11_read(data, eof=True)
    with pytest.raises(httpx.RemoteProtocolError):
        lean_read(data, eof=True)


def test_bytes_after_an_answer_keep_its_connection_out_of_the_pool() -> None:
    """h11 would read them as the start of the next answer; the transport never reuses such
    a connection (httpcore would not either, once they reach the socket while idle)."""
    assert lean_read(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", eof=False) == {
        "status": 200,
        "reason": b"OK",
        "headers": [(b"Content-Length", b"2")],
        "body": b"ok",
        "reusable": False,
    }
