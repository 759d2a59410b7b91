"""Request bodies, built from a change at the moment it is sent (docs/ARCHITECTURE.md, "The plan
<-> executor contract").

Built late on purpose: names in the change become uuids that may exist only since earlier
requests of the same apply, and secret references become values only inside the body being sent.
A secret marker without a reference (a value mhsync kept from the live side, e.g. an ignored
field) is left out of the body, so the server keeps what it holds rather than receiving the
marker text.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from mhsync.convert import References, SecretResolver, empty_value, fields_to_api
from mhsync.fieldpath import FieldPath
from mhsync.plan import CallKind, Change, sent_secrets
from mhsync.sections import CORE, SectionDescriptor, section
from mhsync.state import SECRET_SET, JSONDict, get_path, set_path


def build_body(kind: CallKind, change: Change, refs: References, resolve: SecretResolver) -> Any:
    """The JSON body of one call of ``change``; None for calls without a body (deletes)."""
    builder = _BUILDERS.get(kind)
    return None if builder is None else builder(change, refs, resolve)


def agent_create_body(change: Change, refs: References, resolve: SecretResolver) -> JSONDict:
    """Core fields at the top level, then each embedded section under its agent key.

    Positional items get ``order`` = their index, so the server keeps the manifest's order.
    """
    after: Mapping[str, Any] = change.after or {}
    body = fields_to_api(
        CORE,
        after.get(CORE.key, {}),
        refs=refs,
        secrets=_under(change.secrets, CORE.key),
        resolve_secret=resolve,
    )
    for key, value in after.items():
        if key == CORE.key:
            continue
        descriptor = section(key)
        target = descriptor.embedded_as or descriptor.wrapper or key
        secrets = _under(change.secrets, key)
        if descriptor.kind == "object":
            body[target] = fields_to_api(
                descriptor, value, refs=refs, secrets=secrets, resolve_secret=resolve
            )
        else:
            body[target] = _item_list(descriptor, value, secrets, refs, resolve)
    return body


def agent_update_body(change: Change, refs: References, resolve: SecretResolver) -> JSONDict:
    """Changed fields of an object section merged into the agent by PATCH.

    Core fields are top-level: each changed one is sent whole (or its empty value when removed).
    A section the agent carries under a key (``settings``) is sent as a nested object of the
    changed leaves only, since the server merges it key by key.
    """
    descriptor = section(change.section)
    converted = _convert(descriptor, change, refs, resolve)
    if descriptor.embedded_as is None:
        return _top_level_fields(descriptor, change, converted)
    nested: JSONDict = {}
    for field_change in change.fields:
        if _withheld(descriptor, change, field_change.path):
            continue
        set_path(nested, field_change.path, copy.deepcopy(get_path(converted, field_change.path)))
    return {descriptor.embedded_as: nested}


def section_replace_body(change: Change, refs: References, resolve: SecretResolver) -> Any:
    """``put_bare``: the object itself; ``put_wrapped``: ``{wrapper: [items]}``."""
    descriptor = section(change.section)
    if descriptor.kind == "object":
        return _convert(descriptor, change, refs, resolve)
    items = change.after or []
    wrapper = descriptor.wrapper or descriptor.key
    return {wrapper: _item_list(descriptor, items, change.secrets, refs, resolve)}


def item_create_body(change: Change, refs: References, resolve: SecretResolver) -> JSONDict:
    descriptor = section(change.section)
    body = _convert(descriptor, change, refs, resolve)
    _place(descriptor, body, change.position)
    return body


def item_update_body(change: Change, refs: References, resolve: SecretResolver) -> JSONDict:
    """Changed top-level fields, plus those every PATCH must carry, plus the new position.

    A changed dotted path ``a.b`` sends the whole of ``a``: the API merges only top-level
    fields of an item. ``whole_on_patch`` lists go whole whenever present (a PATCH with them
    replaces the list); ``patch_requires`` fields go even when unchanged.
    """
    descriptor = section(change.section)
    change = change.model_copy(update={"secrets": sent_secrets(change)})  # others unneeded
    converted = _convert(descriptor, change, refs, resolve)
    body = _top_level_fields(descriptor, change, converted)
    for name in sorted(descriptor.whole_on_patch | descriptor.patch_requires):
        if name in converted:
            body[name] = converted[name]
    _place(descriptor, body, change.position)
    return body


# --- helpers -------------------------------------------------------------------------------------


def _convert(
    descriptor: SectionDescriptor, change: Change, refs: References, resolve: SecretResolver
) -> JSONDict:
    after = change.after if isinstance(change.after, Mapping) else {}
    return fields_to_api(
        descriptor, after, refs=refs, secrets=change.secrets, resolve_secret=resolve
    )


def _item_list(
    descriptor: SectionDescriptor,
    items: list[Mapping[str, Any]],
    secrets: Mapping[FieldPath, str],
    refs: References,
    resolve: SecretResolver,
) -> list[JSONDict]:
    out = []
    for index, fields in enumerate(items):
        body = fields_to_api(
            descriptor,
            fields,
            refs=refs,
            secrets=_under(secrets, index),
            resolve_secret=resolve,
        )
        _place(descriptor, body, index)
        out.append(body)
    return out


def _place(descriptor: SectionDescriptor, body: JSONDict, position: int | None) -> None:
    if descriptor.positional and descriptor.order_field and position is not None:
        body[descriptor.order_field] = position


def _top_level_fields(
    descriptor: SectionDescriptor, change: Change, converted: Mapping[str, Any]
) -> JSONDict:
    """Each changed top-level field, by its API name, whole from ``converted`` or emptied."""
    api_names = {ref.name_field: ref.api_field for ref in descriptor.refs if ref.within is None}
    body: JSONDict = {}
    for field_change in change.fields:
        name = field_change.path.head
        if _withheld(descriptor, change, FieldPath.of(name)):
            continue
        api_name = api_names.get(name, name)
        if api_name in converted:
            body[api_name] = converted[api_name]
        else:
            body[api_name] = empty_value(descriptor, api_name)
    return body


def _withheld(descriptor: SectionDescriptor, change: Change, path: FieldPath) -> bool:
    """A secret field that holds the marker but no reference: it must not be sent at all."""
    if path not in descriptor.sensitive or path in change.secrets:
        return False
    after = change.after if isinstance(change.after, Mapping) else {}
    return bool(get_path(after, path) == SECRET_SET)


def _under(secrets: Mapping[FieldPath, str], prefix: str | int) -> dict[FieldPath, str]:
    """The references inside ``prefix`` (a section key, a list index), relative to it."""
    return {
        inner: ref for path, ref in secrets.items() if (inner := path.within(prefix)) is not None
    }


_BUILDERS = {
    CallKind.AGENT_CREATE: agent_create_body,
    CallKind.AGENT_UPDATE: agent_update_body,
    CallKind.SECTION_REPLACE: section_replace_body,
    CallKind.ITEM_CREATE: item_create_body,
    CallKind.ITEM_UPDATE: item_update_body,
}
