"""Decoding the API's JSON envelopes: success bodies, list pages and error bodies (CONTRACT §1).

This is the one place where the client's reading of the envelope lives, including every
ASSUMED and *tolerant* shape, so that correcting it against the real service is a local change:

- success: ``data`` is unwrapped whatever sits beside it (``success``, ``message``, ``meta``...).
  ASSUMED: a body without ``data`` that only says ``success``/``message`` carries no data (None);
  any other JSON body without ``data`` is returned as is.
- ASSUMED: a 2xx body with ``"success": false`` is an error, not a success.
- pages: ``data.items`` (primary) or ``data.data`` (Laravel) with ``current_page``/``last_page``/
  ``total`` beside the items, or in a ``meta``/``pagination`` object beside them or beside
  ``data``, or a plain list. How far to read is :mod:`mhsync.client.pages`'s business: a page
  shorter than ``per_page`` ends the list only when meta says so.
- errors: ``{"success": false, "message", "error": {"code", "details", "field"}}`` (primary) or
  Laravel's ``{"message", "errors": {"field": ["msg", ...]}}``; anything else is "HTTP <status>".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_MAX_MESSAGE = 500
_ENVELOPE_ONLY_KEYS = frozenset({"success", "message", "status"})
_META_CONTAINERS = ("meta", "pagination")
_META_KEYS = ("current_page", "last_page", "total")


class EnvelopeError(ValueError):
    """The body is not one of the shapes this module understands; the text says what was seen."""


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and, when the server said so, where it sits in the list.

    ``paginated`` is False for a plain list with no meta anywhere. Whether to ask for the next
    page is decided by :mod:`mhsync.client.pages`, never from the length of a page alone.
    """

    items: list[dict[str, Any]]
    current_page: int | None
    last_page: int | None
    per_page: int | None
    paginated: bool
    total: int | None = None


@dataclass(frozen=True)
class ErrorInfo:
    """What an error body said: a short message, the server's code and the offending field."""

    message: str
    code: str | None = None
    field: str | None = None


def parse_json(content: bytes) -> Any:
    """Parse a body; raise :class:`EnvelopeError` (never quoting the body) when it is not JSON."""
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeError("the body is not JSON") from None


def is_failure_body(body: Any) -> bool:
    """True for a body that says ``"success": false`` (an error even under a 2xx status)."""
    return isinstance(body, dict) and body.get("success") is False


def unwrap(body: Any) -> Any:
    """Return the ``data`` of a success body (None for an empty body or a bare acknowledgement)."""
    if isinstance(body, dict):
        if "data" in body:
            return body["data"]
        if set(body) <= _ENVELOPE_ONLY_KEYS:
            return None
    return body


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _find_meta(*holders: Any) -> dict[str, Any] | None:
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        if any(key in holder for key in _META_KEYS):
            return holder
        for key in _META_CONTAINERS:
            inner = holder.get(key)
            if isinstance(inner, dict) and any(k in inner for k in _META_KEYS):
                return inner
    return None


def _check_items(items: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise EnvelopeError(f"expected a list of objects in {where}")
    return items


def decode_page(body: Any) -> Page:
    """Decode one list response (whole body, envelope included) into a :class:`Page`."""
    data = unwrap(body)
    if isinstance(data, list):
        items = _check_items(data, "data")
        meta = _find_meta(body)
    elif isinstance(data, dict) and isinstance(data.get("items"), list):
        items = _check_items(data["items"], "data.items")
        meta = _find_meta(data, body)
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        items = _check_items(data["data"], "data.data")
        meta = _find_meta(data, body)
    else:
        raise EnvelopeError("expected a list, data.items or data.data")
    paginated = meta is not None or isinstance(data, dict)
    if meta is None:
        return Page(items, None, None, None, paginated)
    return Page(
        items,
        current_page=_int_or_none(meta.get("current_page")),
        last_page=_int_or_none(meta.get("last_page")),
        per_page=_int_or_none(meta.get("per_page")),
        paginated=paginated,
        total=_int_or_none(meta.get("total")),
    )


def _clean(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text


def _first_laravel_error(errors: Any) -> tuple[str | None, str | None]:
    if not isinstance(errors, dict) or not errors:
        return None, None
    field, messages = next(iter(errors.items()))
    first = messages[0] if isinstance(messages, list) and messages else messages
    return str(field), (first if isinstance(first, str) else None)


def decode_error(status: int, content: bytes) -> ErrorInfo:
    """Read an error body; a non-JSON or unrecognised body gives ``"HTTP <status>"`` only."""
    fallback = f"HTTP {status}"
    try:
        body = parse_json(content)
    except EnvelopeError:
        return ErrorInfo(fallback)
    if not isinstance(body, dict):
        return ErrorInfo(fallback)
    message = body.get("message") if isinstance(body.get("message"), str) else None
    code: str | None = None
    field: str | None = None
    error = body.get("error")
    if isinstance(error, dict):
        code = error.get("code") if isinstance(error.get("code"), str) else None
        field = error.get("field") if isinstance(error.get("field"), str) else None
        details = error.get("details")
        if isinstance(details, str) and details and details != message:
            message = f"{message}: {details}" if message else details
    elif isinstance(error, str) and not message:
        message = error
    laravel_field, laravel_message = _first_laravel_error(body.get("errors"))
    if laravel_field is not None and field is None:
        field = laravel_field
        if laravel_message:
            message = laravel_message
    if not message or not message.strip():
        message = fallback
    return ErrorInfo(_clean(message), code or None, field or None)
