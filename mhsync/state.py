"""The one canonical form that manifests and live API data are both turned into.

Comparison only ever happens between two ``WorkspaceState`` values. Canonical means:

- server-owned fields are gone, and so are values that mean "nothing" (``None``, ``[]``, ``{}``);
- documented server defaults are filled in (the manifest models carry them);
- set-like lists are sorted; positional sections are lists in their order, without ``order``;
- references are names (agent handles, intent keys) wherever the target is known;
- secrets are the marker ``SECRET_SET``; the desired side keeps ``${env:NAME}`` references
  beside the fields, so no secret value is ever held in a state, a plan or a rendering.

Two states that are equal need no API call; that is what keeps ``plan`` free of perpetual diffs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mhsync.fieldpath import FieldPath
from mhsync.sections import SECTIONS, SectionDescriptor

SECRET_SET = "(sensitive value)"
"""Canonical value of a secret that is set: secrets are compared by presence only."""

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class SourceLocation:
    """Where a desired agent was written, for messages."""

    file: str
    line: int


@dataclass(frozen=True)
class Item:
    """One item of a collection section, in canonical form.

    ``key`` is the identity value (for positional sections, the content). ``uuid`` is known on
    the live side only. ``secrets`` maps field paths to ``${env:NAME}`` references (desired
    side only); the executor resolves them at the moment it sends the request.
    """

    key: str
    fields: JSONDict
    uuid: str | None = None
    secrets: Mapping[FieldPath, str] = field(default_factory=dict)
    previous_keys: tuple[str, ...] = ()
    position: int | None = None
    """Live positional items only: the server's ``order`` value (a plan must know what to fix)."""


@dataclass
class AgentState:
    """One agent in canonical form; desired (from manifests) or live (from the API).

    ``objects`` holds object sections (``core`` always; ``settings`` and ``appointments`` when
    managed). ``collections`` holds managed collection sections only: a section missing from
    the dict is not managed, an empty list means "no items".
    """

    handle: str
    uuid: str | None
    objects: dict[str, JSONDict]
    collections: dict[str, list[Item]]
    protected: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    previous_names: tuple[str, ...] = ()
    source: SourceLocation | None = None
    secrets: dict[str, dict[FieldPath, str]] = field(default_factory=dict)
    """Object-section secrets: section key -> field path -> ``${env:NAME}``."""
    inherited: dict[str, str] = field(default_factory=dict, compare=False)
    """Desired side: values a fragment wrote -> the fragment's handle. Keys are
    ``<object section>.<dotted path>`` (``core.tone``) and ``<collection>:<item key>``; plans
    use them to say where a value lives. Not part of equality: it is not state."""

    @property
    def name(self) -> str:
        return str(self.objects["core"].get("name", self.handle))

    def managed_sections(self) -> list[SectionDescriptor]:
        """Descriptors of the sections this agent manages, in table order."""
        return [d for d in SECTIONS if d.key in self.objects or d.key in self.collections]


@dataclass
class WorkspaceState:
    """A set of agents keyed by handle."""

    agents: dict[str, AgentState] = field(default_factory=dict)

    def by_uuid(self) -> dict[str, AgentState]:
        return {a.uuid: a for a in self.agents.values() if a.uuid}


# --- canonical values ---------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


JSON_SCALARS = (str, int, float, type(None))
"""Leaf types of JSON data (bool is an int): checked first, as the abstract ``Mapping`` check
is several times slower and most values are leaves."""


_LEAVES = frozenset({str, int, float, bool})
"""Exact types of the leaves ``clean`` returns as they are, tested before any call: most
values are leaves, and a call per leaf was most of the time of ``clean``."""


def clean(value: Any) -> Any:
    """Drop "nothing" values recursively so that absent, null and empty compare equal."""
    kind = value.__class__  # the exact JSON containers first: the abstract Mapping test is slow
    if kind is dict:
        return _clean_mapping(value)
    if kind is not list:
        if isinstance(value, JSON_SCALARS):
            return value
        if isinstance(value, dict | Mapping):
            return _clean_mapping(value)
        if not isinstance(value, list | tuple):
            return value
    leaves = _LEAVES
    return [v if v.__class__ in leaves else clean(v) for v in value]


_EMPTIED = frozenset({list, dict, tuple})
"""Exact types whose empty value ``clean`` turns into "nothing": dropped without a call."""


def _clean_mapping(value: Mapping[Any, Any], leave_out: Collection[str] = ()) -> JSONDict:
    """``clean`` of a mapping, without the keys in ``leave_out``. Leaves, ``None`` and empty
    containers (most values of a model dump) are settled without a call, leaves (the most
    common) first; ``leave_out`` is applied once at the end, not tested for every key (the
    same: keys that sort together are all text or none is, and only text is left out)."""
    out = {}
    leaves, emptied = _LEAVES, _EMPTIED
    for key in sorted(value):
        item = value[key]
        kind = item.__class__
        if kind in leaves:
            out[key if key.__class__ is str else str(key)] = item
        elif item is None or (kind in emptied and not item):
            continue
        else:  # what ``clean`` does, without its call for the exact containers
            cleaned: Any
            if kind is dict:
                cleaned = _clean_mapping(item)
            elif kind is list:
                cleaned = [v if v.__class__ in leaves else clean(v) for v in item]
            else:
                cleaned = clean(item)
            if cleaned is not None and cleaned != [] and cleaned != {}:  # is_empty, inlined
                out[key if key.__class__ is str else str(key)] = cleaned
    for key in leave_out:
        if key in out and key in value:
            del out[key]
    return out


def canonical_fields(descriptor: SectionDescriptor, raw: Mapping[str, Any]) -> JSONDict:
    """Canonical fields of one item or object: cleaned, set-like lists sorted and de-duplicated,
    steering removed (in one pass: filtering into a copy first cost another)."""
    cleaned = _clean_mapping(raw, descriptor.manifest_only)
    for name in descriptor.set_like:
        if isinstance(cleaned.get(name), list):
            cleaned[name] = set_like_order(cleaned[name])
    return cleaned


def set_like_order(values: list[Any]) -> list[Any]:
    """A set-like list (``descriptor.set_like``) in canonical form: without repeats, sorted by
    each value's JSON text. The manifest side (``canonical_fields``) and the live side
    (``convert``) order them here, so both read the same."""
    if len(values) < 2:
        return values
    unique = {_sort_key(value): value for value in values}
    return [unique[key] for key in sorted(unique)]


_sort_key = json.JSONEncoder(sort_keys=True, default=str).encode
"""``json.dumps(value, sort_keys=True, default=str)``, with one encoder for every call (the
function makes one for each call when given options)."""


def get_path(data: Mapping[str, Any], path: str) -> Any:
    """Value at ``path`` (a ``FieldPath``, or text it parses), or ``None``. Keys only: a list
    is never walked into."""
    node: Any = data
    for part in FieldPath(path).parts:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def set_path(data: JSONDict, path: str, value: Any) -> None:
    """Set ``path`` (a ``FieldPath``, or text it parses), creating intermediate objects."""
    *parents, last = FieldPath(path).parts
    node = data
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[last] = value


def drop_path(data: JSONDict, path: str) -> bool:
    """Remove the value at ``path`` when there is one; whether something was removed."""
    *parents, last = FieldPath(path).parts
    node: Any = data
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    return False


def comparable(
    descriptor: SectionDescriptor, desired: Mapping[str, Any], live: Mapping[str, Any]
) -> tuple[JSONDict, JSONDict]:
    """The two sides of one item or object restricted to what mhsync manages.

    Fields the server computes are compared only when the manifest sets them; for partial
    objects (settings) only the keys the manifest sets are compared, recursively.
    """
    live_view = dict(live)
    for key in descriptor.compare_only_when_set:  # a few names: cheaper than a test per field
        if key not in desired:
            live_view.pop(key, None)
    if descriptor.partial:
        live_view = _restrict(live_view, desired)
    return dict(desired), live_view


def _restrict(live: Mapping[str, Any], desired: Mapping[str, Any]) -> JSONDict:
    out: JSONDict = {}
    for key, want in desired.items():
        if key not in live:
            continue
        have = live[key]
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            out[key] = _restrict(have, want)
        else:
            out[key] = have
    return out


# --- fingerprints -------------------------------------------------------------------------------


_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str, check_circular=False
).encode
"""One encoder for every call. Canonical data is never circular, so the encoder does not keep a
table of the containers it is in (a tenth of a fingerprint's time, issue 16); the text is the
same as ``json.dumps`` with these options."""


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace variance."""
    return _CANONICAL_JSON(value)


def agent_snapshot(agent: AgentState) -> JSONDict:
    """A plain-data view of an agent, uuids included (used for fingerprints and exports)."""
    return {
        "handle": agent.handle,
        "uuid": agent.uuid,
        "objects": agent.objects,
        "collections": {
            key: [{"key": i.key, "uuid": i.uuid, "fields": i.fields} for i in items]
            for key, items in sorted(agent.collections.items())
        },
    }


def fingerprint(agent: AgentState, sections: Collection[str] | None = None) -> str:
    """Digest of a live agent's canonical state; a saved plan is stale when it moves.

    Only ``sections`` count (all when None), and empty sections are left out: a mhsync that
    learnt a new section reads it as empty on most agents, and checks a saved plan against the
    sections the plan names, so an upgrade does not make every saved plan stale.
    """
    snapshot = agent_snapshot(agent)
    keep = set(sections) if sections is not None else None
    for part in ("objects", "collections"):
        snapshot[part] = {
            key: value
            for key, value in snapshot[part].items()
            if value and (keep is None or key in keep)
        }
    digest = hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def fingerprints(agents: Iterable[AgentState]) -> dict[str, str]:
    return {a.uuid: fingerprint(a) for a in agents if a.uuid}
