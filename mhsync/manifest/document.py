"""The manifest document as pydantic models, built from the section table.

One model per piece a loader validates on its own (``Envelope``, ``Metadata``, the core, each
object section, each collection item), so that one bad item does not hide the problems of the
others; and ``AgentDocument``, the same pieces composed into one model, which is the source of
the JSON Schema and of the "did you mean" hints. Both are generated from ``SECTIONS``: adding a
section to the table adds it to manifests, to validation and to the schema.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    create_model,
)

from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.sections.introspect import inner_model
from mhsync.sections.models import NOT_BLANK, AgentCore, Strict

API_VERSION = "mhsync/v1"
KIND = "Agent"
HANDLE_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
VARIABLE_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
"""Names of environment and target variables (``${env:NAME}``, ``${var:NAME}``)."""
VARIABLE_NAME_PATTERN = f"^{VARIABLE_NAME}$"

PATTERN_NAMES = {
    HANDLE_PATTERN: "a lowercase handle: letters a-z, digits and inner '-'",
    UUID_PATTERN: "a UUID like 3f2c8a4e-1b7d-4c3e-9a1f-2b6d8e0c4a51",
    VARIABLE_NAME_PATTERN: "a variable name: letters, digits and _, not starting with a digit",
    NOT_BLANK: "text, not only whitespace",
}
"""How a pattern is described in messages, instead of printing the regular expression."""

Handle = Annotated[str, Field(pattern=HANDLE_PATTERN, max_length=63)]
Uuid = Annotated[str, Field(pattern=UUID_PATTERN)]
TargetName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]

UNION_TAGS = frozenset({"(one uuid)", "(per target)"})
"""Tags of the tagged unions below; pydantic puts them into error locations, messages drop them."""


def _pin_kind(value: Any) -> str:
    return "(per target)" if isinstance(value, dict) else "(one uuid)"


Pin = Annotated[
    Union[  # noqa: UP007 - a tagged union, so that an error speaks of the form that was written
        Annotated[Uuid, Tag("(one uuid)")],
        Annotated[dict[TargetName, Uuid], Tag("(per target)")],
    ],
    Discriminator(_pin_kind),
]


class UseEntry(Strict):
    """A ``uses`` entry limited to targets: ``{fragment: prod-hooks, targets: [production]}``."""

    fragment: Handle = Field(description="metadata.name of a Fragment document.")
    targets: list[str] | None = Field(
        default=None,
        min_length=1,
        description="The fragment applies only when one of these targets is used.",
    )


def _drop_description(descriptor: SectionDescriptor) -> str:
    return f"`{descriptor.identity or 'content'}` values of inherited items to leave out."


_DROP_FIELDS: dict[str, Any] = {
    "path": (
        str | None,
        Field(default=None, description="A field path under spec; a bare string means this."),
    ),
} | {
    d.key: (list[str] | None, Field(default=None, description=_drop_description(d)))
    for d in SECTIONS
    if d.kind == "collection"
}

DropItems: type[BaseModel] = create_model(
    "DropItems",
    __base__=Strict,
    __doc__="Inherited items to drop, by section: identity values (content for ordered sections).",
    **_DROP_FIELDS,
)


def _bare(field_name: str) -> Any:
    """A validator reading a bare string entry as ``{field_name: <string>}``."""

    def expand(value: Any) -> Any:
        return {field_name: value} if isinstance(value, str) else value

    return expand


Uses = list[
    Annotated[
        UseEntry,
        BeforeValidator(_bare("fragment"), json_schema_input_type=Union[Handle, UseEntry]),  # noqa: UP007
    ]
]
Drops = list[
    Annotated[
        DropItems,  # type: ignore[valid-type,unused-ignore]
        BeforeValidator(_bare("path"), json_schema_input_type=Union[str, DropItems]),  # noqa: UP007
    ]
]

USES_DESCRIPTION = (
    "Fragments merged under this spec, in order (docs/manifests.md, Fragments). "
    "An entry is a fragment handle or {fragment, targets}."
)
DROP_DESCRIPTION = (
    "Inherited values to leave out: a field path under spec (`tone`, "
    "`settings.voice.voice_profile`, a whole section `guard_rules`) or "
    "{<section>: [identity, ...]} for single items."
)


class Metadata(Strict):
    """Who the agent is to mhsync; nothing here is sent to the API."""

    name: Handle = Field(
        description="Stable lowercase handle: used by references (destination_agent) and in "
        "messages. Changing it is a rename; list the old one in previous_names."
    )
    uuid: Pin | None = Field(
        default=None,
        description="Pins this manifest to an existing live agent: one uuid (every target), or "
        "a mapping from target name to that target's uuid (targets without an entry match by "
        "spec.name). export and pull write the entry of their target.",
    )
    protected: bool = Field(default=False, description="mhsync refuses to delete this agent.")
    labels: dict[str, str] = Field(default_factory=dict, description="Free-form string labels.")
    ignore: list[str] = Field(
        default_factory=list,
        description="Field paths mhsync leaves alone, e.g. spec.settings.voice.voice_profile.",
    )
    previous_names: list[Handle] = Field(
        default_factory=list, description="Earlier handles of this agent, so a rename is a rename."
    )
    uses: Uses = Field(default_factory=list, description=USES_DESCRIPTION)
    drop: Drops = Field(default_factory=list, description=DROP_DESCRIPTION)


    def uuid_for(self, target: str | None) -> str | None:
        """The uuid this manifest is pinned to in ``target`` (a plain string: in every one)."""
        return pinned_uuid(self.uuid, target)


def pinned_uuid(value: object, target: str | None) -> str | None:
    """``metadata.uuid`` as read for ``target``: a string everywhere, a mapping per target."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and target is not None:
        entry = value.get(target)
        return entry if isinstance(entry, str) else None
    return None


class Envelope(Strict):
    """The top level of a document, checked before its parts."""

    apiVersion: Literal["mhsync/v1"]
    kind: Literal["Agent", "Fragment"]
    metadata: dict[str, Any]
    spec: dict[str, Any]


def spec_loc(descriptor: SectionDescriptor) -> tuple[str, ...]:
    """Where a section lives in a document: core fields sit directly under ``spec``."""
    return ("spec",) if descriptor is CORE else ("spec", descriptor.key)


def shorthand_field(descriptor: SectionDescriptor) -> str | None:
    """The field a bare string item stands for, in positional sections with one required field.

    ``- Greet the caller`` in ``notes`` means ``- content: Greet the caller``.
    """
    if not descriptor.positional:
        return None
    required = [n for n, f in descriptor.model.model_fields.items() if f.is_required()]
    return required[0] if len(required) == 1 else None


def _item_type(descriptor: SectionDescriptor) -> Any:
    field_name = shorthand_field(descriptor)
    if field_name is None:
        return descriptor.model

    def expand(value: Any) -> Any:
        return {field_name: value} if isinstance(value, str) else value

    input_type: Any = Union[str, descriptor.model]  # noqa: UP007 - built at run time
    return Annotated[descriptor.model, BeforeValidator(expand, json_schema_input_type=input_type)]


ITEM_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    d.key: TypeAdapter(_item_type(d)) for d in SECTIONS if d.kind == "collection"
}
"""Validators of one collection item, by section key."""


def _section_description(descriptor: SectionDescriptor) -> str:
    if descriptor.kind == "object":
        return "Omit to leave this section unmanaged."
    if descriptor.identity is None:
        match = "position and content"
    else:
        match = f"`{descriptor.identity}`"
        if descriptor.derive_identity is not None:
            match += " (derived from the name when omitted)"
    order = " List order is the order." if descriptor.positional else ""
    limit = f" At most {descriptor.limit} items." if descriptor.limit else ""
    return (
        f"Omit to leave unmanaged; a list (even empty) is authoritative.{order}{limit} "
        f"Items are matched by {match}."
    )


def _section_type(descriptor: SectionDescriptor) -> Any:
    """A section's type in a spec: its model, or a list of its items."""
    if descriptor.kind == "collection":
        return types.GenericAlias(list, (_item_type(descriptor),))
    return descriptor.model


def _spec_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for descriptor in SECTIONS:
        if descriptor is CORE:
            continue
        fields[descriptor.key] = (
            _section_type(descriptor) | None,
            Field(default=None, description=_section_description(descriptor)),
        )
    return fields


AgentSpec: type[BaseModel] = create_model(
    "AgentSpec",
    __base__=AgentCore,
    __doc__="The agent: core fields (API names), settings and sections.",
    **_spec_fields(),
)


def _whole_spec_fields() -> dict[str, Any]:
    """The sections as ``_WholeSpec`` types them: absent is the default, ``null`` is an error
    (as it is for the section alone), so no union with ``None`` changes how a value reads."""
    return {
        d.key: (_section_type(d), Field(default=None)) for d in SECTIONS if d is not CORE
    }


_ENVELOPE_VERSION: Any = Envelope.model_fields["apiVersion"].annotation
_ENVELOPE_KIND: Any = Envelope.model_fields["kind"].annotation
_WholeSpec: type[BaseModel] = create_model(
    "_WholeSpec", __base__=AgentCore, __doc__="The core and every section.", **_whole_spec_fields()
)

WHOLE_DOCUMENT: type[BaseModel] = create_model(
    "WholeDocument",
    __base__=Strict,
    __doc__="Envelope, metadata and spec in one model, each piece its own validator's type.",
    apiVersion=(_ENVELOPE_VERSION, ...),
    kind=(_ENVELOPE_KIND, ...),
    metadata=(Metadata, ...),
    spec=(_WholeSpec, ...),
)
"""One validation of a whole document: it passes only where every piece passes on its own,
with the same values (parse.py validates the pieces, which make the diagnostics, when it fails)."""

_VERSION_TYPE: Any = Literal["mhsync/v1"]
_KIND_TYPE: Any = Literal["Agent"]

AgentDocument: type[BaseModel] = create_model(
    "AgentDocument",
    __base__=Strict,
    __doc__="One Mindhunters agent managed by mhsync.",
    apiVersion=(_VERSION_TYPE, Field(description="Always mhsync/v1.")),
    kind=(_KIND_TYPE, Field(description="Always Agent.")),
    metadata=(Metadata, ...),
    spec=(AgentSpec, ...),
)
"""The whole document as one model: the JSON Schema and the hints are drawn from it."""


def model_at(
    loc: tuple[str | int, ...], root: type[BaseModel] = AgentDocument
) -> type[BaseModel] | None:
    """The model describing the mapping at ``loc`` of a ``root`` document, if there is one."""
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    return inner_model(annotation)


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation of ``part`` inside a value of type ``annotation``, or ``None``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType, Annotated):
        for arg in args:
            found = _step(arg, part)
            if found is not None:
                return found
        return None
    if origin is list:
        return args[0] if isinstance(part, int) else None
    if origin is dict:
        return args[1] if isinstance(part, str) else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
        info = annotation.model_fields.get(part)
        return info.annotation if info is not None else None
    return None
