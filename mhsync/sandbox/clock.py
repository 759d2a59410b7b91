"""Timestamps for ``created_at`` / ``updated_at``.

Clients detect stale plans by comparing an agent's ``updated_at``, so two writes must never share
one: :func:`stamp` is strictly increasing with respect to the previous value it is given, even when
two writes land within the same microsecond or the wall clock steps back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _parse(value: str) -> datetime:
    return datetime.strptime(value, _FORMAT).replace(tzinfo=UTC)


def stamp(previous: str | None = None) -> str:
    """Now, as ISO-8601 UTC with microseconds and ``Z``, later than ``previous`` if given."""
    now = datetime.now(UTC)
    if previous is not None:
        try:
            floor = _parse(previous) + timedelta(microseconds=1)
        except ValueError:
            floor = now
        now = max(now, floor)
    return now.strftime(_FORMAT)
