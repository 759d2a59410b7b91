"""Names an export invents: agent handles for live agents, and secret placeholder variables.

Both must be deterministic (a second export of the same workspace writes the same files) and
valid where they are used: handles follow the manifest handle pattern, placeholder names are
environment variable names. A handle a manifest already gave an agent (pinned by uuid) is kept,
so that re-exporting into a repository does not rename anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from mhsync.matching import handle_from_name

MAX_HANDLE = 63
"""Longest handle the manifest pattern accepts."""

SECRET_PREFIX = "MHSYNC_SECRET_"
_MAX_PART = 40


def unique_handles(
    agents: Iterable[tuple[str, str]], reserved: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Agent uuid -> handle for ``(uuid, name)`` pairs.

    ``reserved`` maps uuids to handles existing manifests already use; those win. Other agents
    get the handle derived from their name; when two agents would share one, each later one
    (in uuid order) gets ``-<first 8 characters of its uuid>``, as live-only agents do in plans.
    """
    reserved = reserved or {}
    out: dict[str, str] = {}
    taken: set[str] = set(reserved.values())
    pending = sorted(agents, key=lambda pair: pair[0])
    for uuid, _ in pending:
        if uuid in reserved:
            out[uuid] = reserved[uuid]
    for uuid, name in pending:
        if uuid in out:
            continue
        base = _fit(handle_from_name(name), MAX_HANDLE)
        candidate = base
        if candidate in taken:
            suffix = "-" + re.sub(r"[^a-z0-9]", "", uuid.lower())[:8]
            candidate = _fit(base, MAX_HANDLE - len(suffix)) + suffix
        counter = 2
        while candidate in taken:
            suffix = f"-{counter}"
            candidate = _fit(base, MAX_HANDLE - len(suffix)) + suffix
            counter += 1
        out[uuid] = candidate
        taken.add(candidate)
    return out


def _fit(handle: str, length: int) -> str:
    return handle[:length].rstrip("-") or "agent"


def secret_variable(handle: str, *parts: str) -> str:
    """``MHSYNC_SECRET_<HANDLE>_<PART>...``: the placeholder for one write-only secret.

    Parts are the section, the item identity (a URL loses its scheme) and the field path;
    a part too long for a readable name is cut and given a short digest so it stays unique.
    """
    words = [_word(handle), *(_word(part) for part in parts)]
    return SECRET_PREFIX + "_".join(word for word in words if word)


def _word(text: str) -> str:
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE)
    word = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
    if len(word) > _MAX_PART:
        digest = hashlib.sha256(text.encode()).hexdigest()[:6].upper()
        word = word[: _MAX_PART - 7].rstrip("_") + "_" + digest
    return word
