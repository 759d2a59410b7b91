"""Secrets taken out of any text a server sends back, in every way it may have written them.

A server that echoes the request in an error quotes the secrets the request carried: the token
in the ``Authorization`` header, a webhook secret or an intent auth token in the body. It quotes
them JSON-escaped (``"`` as ``\\"``, a tab as ``\\t``, maybe non-ASCII as ``\\u....``),
URL-encoded, or with its whitespace collapsed, and it (or we) may cut a long message short.
So a :class:`Scrubber` knows every encoding of each secret, and error bodies are scrubbed as
data, string by string, before any message is built from them, collapsed or cut
(:func:`scrub_body`); a text that ends in the first characters of a secret (cut short
elsewhere) loses them too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "***"
MIN_PARTIAL = 6
"""The shortest start of a secret removed from the end of a text that was cut short."""
_MIN_DERIVED = 4
"""Derived encodings shorter than this (a collapsed secret of mostly spaces) are not used."""
_ELLIPSES = ("...", "\u2026")


def encodings(secret: str) -> set[str]:
    """Every way ``secret`` may be quoted back: raw, JSON-escaped, URL-encoded, collapsed."""
    base = {
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    base |= {" ".join(form.split()) for form in (*base, secret)}
    return {form for form in base if len(form) >= _MIN_DERIVED} | {secret}


class Scrubber:
    """Replaces every encoding of each secret it was given by ``***``; thread-safe."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._forms: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Scrub ``secret`` (in all its encodings) from now on; empty values are ignored."""
        if not secret:
            return
        with self._lock:
            forms = set(self._forms) | encodings(secret)
            self._forms = tuple(sorted(forms, key=lambda f: (-len(f), f)))

    def scrub(self, text: str) -> str:
        """``text`` without any secret, whole or as the start of one where ``text`` ends."""
        forms = self._forms
        for form in forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return _cut_prefix(text, forms)


def _cut_prefix(text: str, forms: Iterable[str]) -> str:
    """Remove the start of a secret from the end of ``text`` (before a final ellipsis)."""
    ellipsis = next((e for e in _ELLIPSES if text.endswith(e)), "")
    body = text[: len(text) - len(ellipsis)]
    longest = 0
    for form in forms:
        for size in range(min(len(form) - 1, len(body)), MIN_PARTIAL - 1, -1):
            if size <= longest:
                break
            if body.endswith(form[:size]):
                longest = size
                break
    if not longest:
        return text
    return body[:-longest] + REDACTED + ellipsis


def scrub_body(content: bytes, scrub: Callable[[str], str]) -> bytes:
    """A JSON body with ``scrub`` applied to every string (keys too); other bodies as they are.

    Working on the decoded data means no JSON escape can hide a secret, and what is built from
    the body afterwards (collapsed, cut to length) is built from scrubbed text.
    """
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return content
    return json.dumps(_walk(data, scrub), ensure_ascii=False).encode("utf-8")


def _walk(node: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return scrub(node)
    if isinstance(node, list):
        return [_walk(child, scrub) for child in node]
    if isinstance(node, dict):
        return {scrub(str(key)): _walk(value, scrub) for key, value in node.items()}
    return node
