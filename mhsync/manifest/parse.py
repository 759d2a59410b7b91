"""One YAML document validated piece by piece into the parts of a desired agent.

The envelope, the metadata, the core fields, each object section and each collection item are
validated on their own: one bad item is reported and left out, the rest is still checked, so
cross-item checks (references, duplicates, conditional rules) still see every good item and the
user gets every problem of a file in one run.

Most documents are valid, and validating sixty pieces one call at a time cost more than the
validation itself (issue 16). So a document is first validated whole, in one pydantic call and
one dump, by a model made of the very same pieces; only a document that fails it is validated
piece by piece, which alone makes the diagnostics. A document valid as a whole is valid piece
by piece with the same values, so both ways yield the same agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import count
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from mhsync.convert import identity_of
from mhsync.manifest.diagnostics import Diagnostic, did_you_mean
from mhsync.manifest.document import (
    ITEM_ADAPTERS,
    WHOLE_DOCUMENT,
    AgentSpec,
    Envelope,
    Metadata,
    shorthand_field,
    spec_loc,
)
from mhsync.manifest.translate import close_match, diagnostics_from
from mhsync.manifest.variables import Sources, substitute
from mhsync.manifest.yamlio import Loc, SourceDoc
from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.state import JSONDict

_SECTION_KEYS = frozenset(d.key for d in SECTIONS if d is not CORE)


@dataclass
class ParsedItem:
    """A collection item that validated: its list position and its model dump."""

    index: int
    data: JSONDict


@dataclass
class ParsedAgent:
    """What one document yielded; parts that failed validation are missing."""

    doc: SourceDoc
    handle: str | None = None
    metadata: Metadata | None = None
    core: JSONDict | None = None
    objects: dict[str, JSONDict] = field(default_factory=dict)
    collections: dict[str, list[ParsedItem]] = field(default_factory=dict)
    identities: dict[str, set[str]] = field(default_factory=dict)
    """Identity of every item written in a section, valid or not (so references still resolve)."""

    errors: int = 0

    @property
    def complete(self) -> bool:
        """Everything validated: the agent can join the desired workspace."""
        return self.errors == 0 and self.metadata is not None and self.core is not None

    def item_loc(self, descriptor: SectionDescriptor, index: int) -> Loc:
        return (*spec_loc(descriptor), index)


def parse_document(doc: SourceDoc, sources: Sources) -> tuple[ParsedAgent | None, list[Diagnostic]]:
    """Validate one document; ``None`` when it is not an agent document at all."""
    problems: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        message = f"a manifest document must be a mapping (apiVersion, kind, ...), not {kind}"
        return None, [doc.diagnostic((), message, code="yaml-not-mapping")]
    problems.extend(substitute(doc, sources))
    data: dict[str, Any] = doc.data
    whole = _parse_whole(doc, data)
    if whole is not None:
        problems.extend(_check_ignore_paths(doc, whole.metadata) if whole.metadata else ())
        whole.errors = sum(1 for d in problems if d.is_error)
        return whole, problems
    return _parse_pieces(doc, data, problems)


def _parse_whole(doc: SourceDoc, data: dict[str, Any]) -> ParsedAgent | None:
    """The agent of a document that validates as a whole (one call, one dump), else ``None``."""
    try:
        model: Any = WHOLE_DOCUMENT.model_validate(data)
    except ValidationError:
        return None
    spec: dict[str, Any] = data["spec"]
    name = data["metadata"].get("name")
    agent = ParsedAgent(doc, handle=name if isinstance(name, str) else None)
    agent.metadata = model.metadata
    dumped: JSONDict = model.spec.model_dump(mode="json")
    agent.core = {k: v for k, v in dumped.items() if k not in _SECTION_KEYS}
    for descriptor in SECTIONS:
        key = descriptor.key
        if descriptor is CORE or key not in spec:
            continue
        if descriptor.kind == "object":
            agent.objects[key] = dumped[key]
            continue
        agent.collections[key] = list(map(ParsedItem, count(), dumped[key]))
        agent.identities[key] = set(map(partial(identity_of, descriptor), dumped[key]))
    return agent


def _parse_pieces(
    doc: SourceDoc, data: dict[str, Any], problems: list[Diagnostic]
) -> tuple[ParsedAgent | None, list[Diagnostic]]:
    """Every piece validated on its own: what makes the diagnostics of a document with errors."""
    envelope_problems = _validate(Envelope, data, doc, ())[1]
    problems.extend(envelope_problems)
    if any(d.path in ("apiVersion", "kind") for d in envelope_problems):
        return None, problems
    agent = ParsedAgent(doc)
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        name = metadata.get("name")
        agent.handle = name if isinstance(name, str) else None
        model, found = _validate(Metadata, metadata, doc, ("metadata",))
        agent.metadata = model if isinstance(model, Metadata) else None
        problems.extend(found)
        if agent.metadata is not None:
            problems.extend(_check_ignore_paths(doc, agent.metadata))
    spec = data.get("spec")
    if isinstance(spec, dict):
        problems.extend(_parse_spec(agent, spec))
    agent.errors = sum(1 for d in problems if d.is_error)
    return agent, problems


def _validate(
    model: type[BaseModel], value: Any, doc: SourceDoc, prefix: Loc
) -> tuple[BaseModel | None, list[Diagnostic]]:
    try:
        return model.model_validate(value), []
    except ValidationError as exc:
        return None, diagnostics_from(exc, doc, prefix)


def _parse_spec(agent: ParsedAgent, spec: dict[str, Any]) -> list[Diagnostic]:
    doc = agent.doc
    core = {k: v for k, v in spec.items() if k not in _SECTION_KEYS}
    model, problems = _validate(CORE.model, core, doc, ("spec",))
    agent.core = model.model_dump(mode="json") if model is not None else None
    for descriptor in SECTIONS:
        if descriptor is CORE or descriptor.key not in spec:
            continue
        value = spec[descriptor.key]
        if descriptor.kind == "object":
            model, found = _validate(descriptor.model, value, doc, spec_loc(descriptor))
            problems.extend(found)
            if model is not None:
                agent.objects[descriptor.key] = model.model_dump(mode="json")
        elif not isinstance(value, list):
            problems.append(_not_a_list(doc, descriptor, value))
        else:
            problems.extend(_parse_items(agent, descriptor, value))
    return problems


def _not_a_list(doc: SourceDoc, descriptor: SectionDescriptor, value: Any) -> Diagnostic:
    message = "must be a list" + (" (write [] for none)" if value is None else "")
    return doc.diagnostic(spec_loc(descriptor), message, code="type")


def _parse_items(
    agent: ParsedAgent, descriptor: SectionDescriptor, values: list[Any]
) -> list[Diagnostic]:
    adapter: TypeAdapter[Any] = ITEM_ADAPTERS[descriptor.key]
    items: list[ParsedItem] = []
    identities: set[str] = set()
    problems: list[Diagnostic] = []
    shorthand = shorthand_field(descriptor)
    for index, value in enumerate(values):  # an item's loc is made only for a diagnostic
        if shorthand is not None and not isinstance(value, str | dict):
            message = f"must be text or a mapping with `{shorthand}`"
            loc = agent.item_loc(descriptor, index)
            problems.append(agent.doc.diagnostic(loc, message, code="type"))
            continue
        try:
            model = adapter.validate_python(value)
        except ValidationError as exc:
            problems.extend(diagnostics_from(exc, agent.doc, agent.item_loc(descriptor, index)))
            if isinstance(value, dict):
                identities.add(identity_of(descriptor, value))
            continue
        data: JSONDict = model.model_dump(mode="json")
        items.append(ParsedItem(index, data))
        identities.add(identity_of(descriptor, data))
    agent.collections[descriptor.key] = items
    agent.identities[descriptor.key] = identities
    return problems


def _check_ignore_paths(doc: SourceDoc, metadata: Metadata) -> list[Diagnostic]:
    problems = []
    fields = AgentSpec.model_fields
    for index, path in enumerate(metadata.ignore):
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "spec" and parts[1] in fields:
            continue
        if parts[0] in fields:
            suggestion: str | None = f"spec.{path}"
        else:
            near = close_match(parts[1], fields) if len(parts) >= 2 else None
            suggestion = ".".join(["spec", near, *parts[2:]]) if near else None
        problems.append(
            doc.diagnostic(
                ("metadata", "ignore", index),
                "must be a field path under spec, e.g. spec.notes or spec.settings.voice",
                code="bad-ignore-path",
                hint=did_you_mean(suggestion) if suggestion else None,
            )
        )
    return problems
