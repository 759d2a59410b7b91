"""``metadata.ignore`` paths: parts of an agent mhsync leaves alone on an existing agent.

A path names a place in the manifest's ``spec``: ``spec.notes`` (a whole section),
``spec.settings.voice.voice_profile`` (a key of an object section), ``spec.description`` (a core
field), ``spec.guard_rules.example_phrases`` (a field of every item of a collection). Like
Terraform's ``ignore_changes``, an ignored path is removed from both sides before comparing, and
whatever mhsync writes to an existing object keeps the live value there, so an ignored change is
never made by accident (a section replace would otherwise overwrite it). Creates send the
manifest as written: there is no live value to keep.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mhsync.sections import BY_KEY, CORE
from mhsync.state import JSONDict, clean, drop_path, get_path, set_path

WHOLE = ""
"""Marker path: the whole section is ignored."""


@dataclass(frozen=True)
class IgnoreRules:
    """Ignored paths by section key; ``WHOLE`` stands for the section itself."""

    by_section: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, paths: Iterable[str]) -> IgnoreRules:
        found: dict[str, set[str]] = {}
        for raw in paths:
            located = _locate(raw)
            if located is not None:
                found.setdefault(located[0], set()).add(located[1])
        return cls({key: frozenset(value) for key, value in found.items()})

    def skips(self, section_key: str) -> bool:
        return WHOLE in self.by_section.get(section_key, frozenset())

    def fields(self, section_key: str) -> frozenset[str]:
        return self.by_section.get(section_key, frozenset()) - {WHOLE}


def _locate(raw: str) -> tuple[str, str] | None:
    path = raw.strip()
    if path.startswith("metadata."):
        return None
    path = path.removeprefix("spec.")
    if not path or path == "spec":
        return None
    head, _, rest = path.partition(".")
    if head in BY_KEY and head != CORE.key:
        return head, rest
    return CORE.key, path


def drop(fields: Mapping[str, Any], paths: Iterable[str]) -> JSONDict:
    """``fields`` without the ignored paths (emptied parents go too, as canonical form wants).

    Without paths (the common case) the fields come back as a shallow copy: the planner only
    reads them, and deep-copying every item of every agent was most of its CPU time.
    """
    paths = tuple(paths)
    if not paths:
        return dict(fields)
    out: JSONDict = copy.deepcopy(dict(fields))
    removed = False
    for path in paths:
        removed = drop_path(out, path) or removed
    return clean(out) if removed else out


def overlay(desired: Mapping[str, Any], live: Mapping[str, Any], paths: Iterable[str]) -> JSONDict:
    """What to write: ``desired`` with each ignored path holding the live value (or absent)."""
    paths = tuple(paths)
    if not paths:
        return dict(desired)
    out: JSONDict = copy.deepcopy(dict(desired))
    touched = False
    for path in paths:
        value = get_path(live, path)
        if value is None:
            touched = drop_path(out, path) or touched
        else:
            set_path(out, path, copy.deepcopy(value))
            touched = True
    return clean(out) if touched else out
