"""``export --extract-common``: what every exported agent shares, factored into one fragment.

The fragment is exactly what the merge rules (``mhsync.manifest.merge``) would put back, so the
exported agents load to the same desired state with it as without it:

- core fields (not ``name``) equal in every agent;
- in object sections (settings, appointments), the leaves equal in every agent (nested
  mappings are intersected; lists and scalars must be equal whole);
- in identity-keyed sections, the items equal in every agent (by identity and content);
- in ordered sections, the longest list of leading items every agent starts with (a fragment's
  ordered items come first when merged).

Sections with secret fields (webhooks, intents) are left in the agents: their placeholders
name each agent's own variable. Each agent then names the fragment in ``metadata.uses``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from mhsync.convert import identity_of
from mhsync.export.document import ExportedAgent
from mhsync.export.layout import canonical_layout
from mhsync.manifest.fragment_model import FRAGMENT_KIND, FragmentDocument
from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.state import JSONDict

_SECTIONS: dict[str, SectionDescriptor] = {d.key: d for d in SECTIONS if d is not CORE}
_NEVER_SHARED = frozenset({"name"})


def extract_common(
    exported: Sequence[ExportedAgent], name: str
) -> tuple[ExportedAgent | None, list[ExportedAgent]]:
    """The fragment ``name`` (``None`` when nothing is shared) and the agents that use it."""
    specs = [agent.document.get("spec", {}) for agent in exported]
    if len(specs) < 2:
        return None, list(exported)
    common: JSONDict = {}
    for key, value in specs[0].items():
        shared = _shared(_SECTIONS.get(key), key, value, [s.get(key) for s in specs])
        if shared is not None:
            common[key] = shared
    if not common:
        return None, list(exported)
    document: JSONDict = {
        "apiVersion": "mhsync/v1",
        "kind": FRAGMENT_KIND,
        "metadata": {"name": name, "description": "What every exported agent shares."},
        "spec": common,
    }
    fragment = ExportedAgent(name, None, canonical_layout(document, root=FragmentDocument))
    return fragment, [_using(agent, common, name) for agent in exported]


def _shared(descriptor: SectionDescriptor | None, key: str, first: Any, values: list[Any]) -> Any:
    if descriptor is None:
        same = key not in _NEVER_SHARED and all(v == first for v in values)
        return first if same and first is not None else None
    if descriptor.kind == "object":
        return _intersect(values) if all(isinstance(v, dict) for v in values) else None
    if descriptor.sensitive or not all(isinstance(v, list) for v in values):
        return None
    if descriptor.identity is None:
        prefix = []
        for index, item in enumerate(first):
            if not all(index < len(v) and v[index] == item for v in values):
                break
            prefix.append(item)
        return prefix or None
    items = [item for item in first if all(item in v for v in values)]
    return items or None


def _intersect(values: list[Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    first = values[0]
    for key, value in first.items():
        others = [v.get(key) for v in values]
        if isinstance(value, dict) and all(isinstance(o, dict) for o in others):
            inner = _intersect(others)
            if inner:
                out[key] = inner
        elif value is not None and all(o == value for o in others):
            out[key] = value
    return out or None


def _using(agent: ExportedAgent, common: JSONDict, name: str) -> ExportedAgent:
    spec = dict(agent.document.get("spec", {}))
    for key, shared in common.items():
        descriptor = _SECTIONS.get(key)
        if descriptor is None:
            del spec[key]
        elif descriptor.kind == "object":
            rest = _subtract(spec[key], shared)
            if rest:
                spec[key] = rest
            else:
                del spec[key]
        else:
            items = _without(descriptor, spec[key], shared)
            if items:
                spec[key] = items
            else:
                del spec[key]
    metadata = {**agent.document.get("metadata", {}), "uses": [name]}
    document = {**agent.document, "metadata": metadata, "spec": spec}
    return dataclasses.replace(agent, document=canonical_layout(document))


def _subtract(value: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, inner in value.items():
        if key not in shared:
            out[key] = inner
        elif isinstance(inner, dict) and isinstance(shared[key], dict):
            rest = _subtract(inner, shared[key])
            if rest:
                out[key] = rest
    return out


def _without(descriptor: SectionDescriptor, items: list[Any], shared: list[Any]) -> list[Any]:
    if descriptor.identity is None:
        return items[len(shared) :]
    keys = {identity_of(descriptor, item) for item in shared if isinstance(item, dict)}
    return [i for i in items if not (isinstance(i, dict) and identity_of(descriptor, i) in keys)]
