"""Round-trip comparison: what the server kept of what was written (``mhsync doctor``).

The planner compares only what a manifest manages; this compares everything, because its job is
to find where the real API differs from mhsync's contract before a user meets it as a perpetual
diff. Two readings, both pure:

- ``compare_agent(sent, returned)``: the desired canonical state against the canonical state read
  back, leaf by leaf (objects walked, lists of objects walked by index). A leaf sent but not
  returned is *dropped*, returned with another value *changed*, an item returned that was never
  sent *added*: each breaks the promise that apply-then-plan is empty. A leaf returned but never
  sent is *defaulted*: harmless while mhsync does not manage it, worth knowing.
- ``unknown_agent_fields`` / ``unknown_section_fields``: raw API data walked with the manifest
  models; a field neither a model nor the descriptor table knows is *unknown*. mhsync drops such
  fields when reading, so they cannot cause diffs; they show where the API has grown.

Values in findings are canonical, so secrets are only ever the marker ``(sensitive value)``;
unknown fields are reported by path only, never by value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from mhsync.planner.api_calls import item_address, section_address
from mhsync.planner.contract_facts import FactResult, FactStatus
from mhsync.planner.diff import same
from mhsync.planner.matching_items import match_items
from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.sections.introspect import field_models, is_open
from mhsync.state import AgentState, Item


class FindingKind(StrEnum):
    CHANGED = "changed"
    DROPPED = "dropped"
    ADDED = "added"
    DEFAULTED = "defaulted"
    UNKNOWN = "unknown"


PROBLEMS = frozenset({FindingKind.CHANGED, FindingKind.DROPPED, FindingKind.ADDED})
"""Kinds that break the round trip; the others are notes."""


@dataclass(frozen=True)
class Finding:
    """One difference between what was written and what the server keeps.

    ``where`` is a plan address (``agent[h].guard_rules["X"]``) or, for unknown fields, the place
    in the API's JSON (``POST /agents answer``); ``path`` is the field inside it (``""``: the
    whole item).
    """

    kind: FindingKind
    where: str
    path: str
    sent: Any = None
    returned: Any = None

    @property
    def problem(self) -> bool:
        return self.kind in PROBLEMS


@dataclass(frozen=True)
class Check:
    """One step of the round trip and whether it held."""

    name: str
    ok: bool
    detail: str = ""


@dataclass
class RoundTripReport:
    """What ``mhsync doctor`` found; ``ok`` is the round trip being clean."""

    target: str
    handle: str
    uuid: str | None = None
    checks: list[Check] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    replan: list[str] = field(default_factory=list)
    """Changes the plan after apply still shows (each one a perpetual diff)."""
    kept: bool = False
    requests: int = 0
    facts: list[FactResult] = field(default_factory=list)
    """The contract's ASSUMED facts as this workspace answered them (doctor_contract)."""

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if not f.problem]

    @property
    def differing(self) -> list[FactResult]:
        return [f for f in self.facts if f.status is FactStatus.DIFFERS]

    @property
    def round_trip_ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks) and not self.problems

    @property
    def ok(self) -> bool:
        """The round trip is clean and no contract fact differs."""
        return self.round_trip_ok and not self.differing


# --- canonical: sent vs returned ----------------------------------------------------------------


def compare_agent(sent: AgentState, returned: AgentState) -> list[Finding]:
    """Every difference, section by section, for the sections ``sent`` manages."""
    findings: list[Finding] = []
    for descriptor in sent.managed_sections():
        if descriptor.kind == "object":
            where = section_address(sent.handle, descriptor.key)
            findings += compare_values(
                where,
                sent.objects.get(descriptor.key, {}),
                returned.objects.get(descriptor.key, {}),
            )
        else:
            findings += _compare_items(
                sent.handle,
                descriptor,
                sent.collections.get(descriptor.key, []),
                returned.collections.get(descriptor.key, []),
            )
    return findings


def _compare_items(
    handle: str, descriptor: SectionDescriptor, sent: Sequence[Item], returned: Sequence[Item]
) -> list[Finding]:
    matching = match_items(descriptor, sent, returned)
    findings: list[Finding] = []
    for pair in matching.pairs:
        where = item_address(handle, descriptor, pair.desired.key, pair.desired_index)
        findings += compare_values(where, pair.desired.fields, pair.live.fields)
        if descriptor.positional and pair.live_index != pair.desired_index:
            findings.append(
                Finding(FindingKind.CHANGED, where, "position", pair.desired_index, pair.live_index)
            )
    for index, item in matching.creates:
        where = item_address(handle, descriptor, item.key, index)
        findings.append(Finding(FindingKind.DROPPED, where, "", sent=item.fields))
    for index, item in matching.deletes:
        where = item_address(handle, descriptor, item.key, index)
        findings.append(Finding(FindingKind.ADDED, where, "", returned=item.fields))
    return findings


def compare_values(
    where: str, sent: Mapping[str, Any], returned: Mapping[str, Any]
) -> list[Finding]:
    """Leaf-by-leaf comparison of one object or item."""
    want, have = dict(leaves(sent)), dict(leaves(returned))
    findings = []
    for path in sorted(set(want) | set(have)):
        if path not in have:
            findings.append(Finding(FindingKind.DROPPED, where, path, sent=want[path]))
        elif path not in want:
            findings.append(Finding(FindingKind.DEFAULTED, where, path, returned=have[path]))
        elif not same(want[path], have[path]):
            findings.append(Finding(FindingKind.CHANGED, where, path, want[path], have[path]))
    return findings


def leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``(path, leaf)`` pairs: objects and lists of objects are walked, the rest are leaves."""
    if isinstance(value, Mapping):
        out: list[tuple[str, Any]] = []
        for key in sorted(value):
            out += leaves(value[key], f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, f"{prefix}[{i}]")]
    return [(prefix, value)]


# --- raw: fields the contract does not know -----------------------------------------------------


def server_owned(descriptor: SectionDescriptor) -> frozenset[str]:
    """Field names the descriptor table already accounts for as the server's own."""
    names = set(descriptor.read_only) | {descriptor.uuid_field}
    names |= set(descriptor.write_only.values())
    names |= set(descriptor.ordered_lists.values())
    names |= {ref.api_field for ref in descriptor.refs}
    names |= {n for n in (descriptor.skip_flag, descriptor.order_field) if n}
    return frozenset(names)


EMBEDDED: Mapping[str, SectionDescriptor] = {d.embedded_as: d for d in SECTIONS if d.embedded_as}
"""Agent JSON key -> the section carried there."""


@dataclass(frozen=True)
class _Walk:
    """One model as the unknown-field walk sees it, with a section's server-owned names: the
    names a mapping may carry without being reported, and the fields to walk into."""

    allowed: frozenset[str]
    nested: tuple[tuple[str, _Walk], ...]
    open: bool


def _walk(
    model: type[BaseModel], owned: frozenset[str], also: frozenset[str] = frozenset()
) -> _Walk:
    """``also``: names left out at this level only (the agent's embedded sections, at its top)."""
    fields = field_models(model)
    nested = tuple(
        (name, _walk(inner, owned))
        for name, inner in fields.items()
        if inner is not None and name not in owned and name not in also
    )
    return _Walk(frozenset(fields) | owned | also, nested, is_open(model))


_WALKS: dict[tuple[int, frozenset[str]], tuple[SectionDescriptor, _Walk]] = {}
"""(id(descriptor), names left out at its top) -> (descriptor, its walk); the descriptor is
kept so that its id stays its own (descriptors are not hashable)."""


def _section_walk(descriptor: SectionDescriptor, also: frozenset[str] = frozenset()) -> _Walk:
    known = _WALKS.get((id(descriptor), also))
    if known is None:
        walk = _walk(descriptor.model, server_owned(descriptor), also)
        known = _WALKS[(id(descriptor), also)] = (descriptor, walk)
    return known[1]


_EMBEDDED_KEYS = frozenset(EMBEDDED)
_DICT = frozenset({dict})


def unknown_agent_fields(raw_agent: Mapping[str, Any]) -> list[str]:
    """Unknown field paths of one agent's JSON, its embedded sections included."""
    core: list[str] = []
    _unknown(_section_walk(CORE, _EMBEDDED_KEYS), raw_agent, "", core)
    found = sorted(set(core))
    for key, descriptor in EMBEDDED.items():
        found += unknown_section_fields(descriptor, raw_agent.get(key))
    return sorted(found)


def unknown_section_fields(descriptor: SectionDescriptor, raw: Any) -> list[str]:
    """Unknown field paths of one section's raw data: an item or a list of items (collections),
    the object (object sections). Paths read from the agent: ``guard_rules[].foo``."""
    if descriptor.kind == "collection" and isinstance(raw, Mapping):
        raw = [raw]
    found: list[str] = []
    _unknown(_section_walk(descriptor), raw, "", found)
    if not found:
        return found
    where = descriptor.embedded_as or (descriptor.key if descriptor.path else "")
    return sorted(
        {f"{where}{p}" if p.startswith("[") or not where else f"{where}.{p}" for p in found}
    )


def _unknown(walk: _Walk, data: Any, prefix: str, found: list[str]) -> None:
    """Appends the unknown paths under ``data`` to ``found`` (callers sort them and drop
    repeats): one set difference per mapping (the names not allowed), one for a whole list of
    items without nested models, then only the fields that hold models are walked into."""
    if isinstance(data, list):
        inner = f"{prefix}[]"
        if not walk.nested and not walk.open and set(map(type, data)) <= _DICT:
            # most sections: the names of all items at once, one set difference in all
            extra = set().union(*data) - walk.allowed
            if extra:
                found += (f"{inner}.{key}" for key in extra)
            return
        for element in data:
            _unknown(walk, element, inner, found)
        return
    if walk.open or not isinstance(data, Mapping):
        return
    extra = data.keys() - walk.allowed
    if extra:
        found += (f"{prefix}.{key}" if prefix else str(key) for key in extra)
    for name, inner_walk in walk.nested:
        value = data.get(name)
        if value is not None:
            _unknown(inner_walk, value, f"{prefix}.{name}" if prefix else name, found)
