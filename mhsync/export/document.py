"""A live agent in canonical form turned back into the manifest document that describes it.

The document must load back to the same canonical state, so that ``plan`` on an export shows no
changes. That decides every rule here:

- references stay names only when the named agent is in the manifests being written (or already
  in the repository); otherwise the raw uuid form is written, which the loader accepts unchecked;
- an intent ``key`` equal to the one the server derives from its name is left out, as are
  fields equal to their model default (the loader fills them back in);
- write-only secrets, which the API never returns, become ``${env:MHSYNC_SECRET_...}``
  placeholders; the caller learns where they are (``secrets``) to add a comment and tell the
  user which variables to set;
- ``${`` in live text is written ``$${``, or the loader would read it as a variable;
- empty sections are left out (not managed) unless ``complete`` asks for every section, as a
  snapshot must, so that rolling back also empties what was empty.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from mhsync.export.layout import canonical_layout
from mhsync.export.names import secret_variable
from mhsync.manifest.document import API_VERSION, KIND, spec_loc
from mhsync.manifest.yamlio import Loc
from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.state import SECRET_SET, AgentState, JSONDict, get_path, set_path


@dataclass(frozen=True)
class SecretSlot:
    """A placeholder written for a write-only secret: where it is and which variable it names."""

    loc: Loc
    variable: str


@dataclass(frozen=True)
class ExportOptions:
    """How references and sections are written.

    ``known_handles``: agent handles a reference may name (``None``: every name is kept);
    ``uuids``: handle -> uuid, to write the others as ``destination_agent_uuid``.
    """

    known_handles: Collection[str] | None = None
    uuids: Mapping[str, str] = field(default_factory=dict)
    complete: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Extra ``metadata`` keys (labels, protected, ...) kept from an existing manifest."""
    target: str | None = None
    """The target exported from: ``metadata.uuid`` is written as ``{target: uuid}`` (None: a
    plain uuid, as snapshots, which belong to one workspace, are written)."""
    pinned: Any = None
    """``metadata.uuid`` of the existing manifest: its other targets' entries are kept."""


@dataclass
class ExportedAgent:
    handle: str
    uuid: str | None
    document: JSONDict
    secrets: list[SecretSlot] = field(default_factory=list)


def export_agent(agent: AgentState, options: ExportOptions | None = None) -> ExportedAgent:
    """The manifest document of ``agent`` (a live agent in canonical form)."""
    options = options or ExportOptions()
    secrets: list[SecretSlot] = []
    variables: set[str] = set()
    spec: JSONDict = {}
    for descriptor in SECTIONS:
        value = _section(agent, descriptor, options, secrets, variables)
        if value is None:
            continue
        if descriptor is CORE:
            spec.update(value)
        else:
            spec[descriptor.key] = value
    metadata: JSONDict = {"name": agent.handle}
    if agent.uuid:
        metadata["uuid"] = pin_entry(options.pinned, options.target, agent.uuid)
    metadata.update({k: v for k, v in options.metadata.items() if k not in ("name", "uuid")})
    document = canonical_layout(
        {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}
    )
    _drop_empty_sections(document["spec"], agent, options)
    return ExportedAgent(agent.handle, agent.uuid, document, secrets)


def pin_entry(pinned: Any, target: str | None, uuid: str) -> Any:
    """``metadata.uuid`` once ``uuid`` is recorded for ``target``, other targets untouched.

    A mapping gains (or updates) the entry of ``target``; a plain string that already says
    ``uuid`` keeps meaning "every target"; anything else becomes ``{target: uuid}``, so that the
    same file, applied to another target, matches there by name instead of by this uuid.
    """
    if target is None or pinned == uuid:
        return uuid
    if isinstance(pinned, Mapping):
        return {**{str(k): v for k, v in pinned.items()}, target: uuid}
    return {target: uuid}


def _section(
    agent: AgentState,
    descriptor: SectionDescriptor,
    options: ExportOptions,
    secrets: list[SecretSlot],
    variables: set[str],
) -> Any:
    base = spec_loc(descriptor)
    if descriptor.kind == "object":
        fields = agent.objects.get(descriptor.key)
        if fields is None:
            return None
        naming = (agent.handle, descriptor.key) if descriptor is not CORE else (agent.handle,)
        return _fields(descriptor, fields, options, base, naming, secrets, variables)
    items = agent.collections.get(descriptor.key)
    if items is None:
        return None
    return [
        _fields(
            descriptor,
            item.fields,
            options,
            (*base, index),
            (agent.handle, descriptor.key, item.key),
            secrets,
            variables,
        )
        for index, item in enumerate(items)
    ]


def _fields(
    descriptor: SectionDescriptor,
    fields: Mapping[str, Any],
    options: ExportOptions,
    loc: Loc,
    naming: tuple[str, ...],
    secrets: list[SecretSlot],
    variables: set[str],
) -> JSONDict:
    data: JSONDict = _escaped(copy.deepcopy(dict(fields)))
    _raw_references(descriptor, data, options)
    identity, derive = descriptor.identity, descriptor.derive_identity
    if identity and derive is not None and data.get(identity) == derive(data):
        del data[identity]
    for path in sorted(descriptor.sensitive):
        if get_path(data, path) != SECRET_SET:
            continue
        variable = _unique(secret_variable(*naming, path), variables)
        set_path(data, path, f"${{env:{variable}}}")
        secrets.append(SecretSlot((*loc, *path.parts), variable))
    return data


def _unique(variable: str, used: set[str]) -> str:
    candidate, counter = variable, 2
    while candidate in used:
        candidate = f"{variable}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def _raw_references(descriptor: SectionDescriptor, data: JSONDict, options: ExportOptions) -> None:
    """Agent names that the written manifests cannot resolve go back to raw uuids."""
    if options.known_handles is None:
        return
    for ref in descriptor.refs:
        if not ref.names_agent:
            continue
        holders = data.get(ref.within) if ref.within else [data]
        for holder in holders if isinstance(holders, list) else []:
            name = holder.get(ref.name_field)
            if name is None or name in options.known_handles:
                continue
            uuid = options.uuids.get(str(name))
            if uuid is not None:
                del holder[ref.name_field]
                holder[ref.api_field] = uuid


def _escaped(value: Any) -> Any:
    """Live text with ``${`` written as ``$${``, which the loader reads back as ``${``."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def _drop_empty_sections(spec: JSONDict, agent: AgentState, options: ExportOptions) -> None:
    for descriptor in SECTIONS:
        if descriptor is CORE or descriptor.key not in spec:
            continue
        value = spec[descriptor.key]
        if value not in ({}, []):
            continue
        if descriptor.kind == "object":
            # an object the server holds nothing for is left out even in a snapshot: writing
            # it would make the loader fill in defaults the live agent never had
            live = agent.objects.get(descriptor.key)
            keep = options.complete and bool(live)
        else:
            keep = options.complete
        if not keep:
            del spec[descriptor.key]
