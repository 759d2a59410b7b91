"""The JSON Schema of an agent manifest, generated from the same models that validate it.

Editors use it (``# yaml-language-server: $schema=...``) for completion and early errors, so it
shows what validation enforces: the handle pattern, enums, descriptions, the bare-string form of
notes and guidelines, secrets as ``${env:NAME}`` only. Numbers and booleans also accept a
``${env:NAME}``/``${var:NAME}`` reference, which the loader substitutes before validation.
It is as strict as the loader wherever JSON Schema can say it, drawn from the same data: a
managed section is never ``null``, the section table's item limits (5 webhooks), the error rows
of the conditional rules table (``manifest/rules.py``: a forward guard rule needs a destination,
webhooks are https only), one of a name reference and its uuid, ignore paths under ``spec``.
What it cannot say (uniqueness by key, references across sections or documents, the
environment) is left to ``mhsync validate``; tests/manifest/test_schema_strictness.py lists it.
The file it is published as, and its writing and checking, are ``mhsync/workflows/schemas.py``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from mhsync.manifest.document import VARIABLE_NAME, AgentDocument, AgentSpec, spec_loc
from mhsync.manifest.fragment_model import FragmentDocument
from mhsync.manifest.rules import RULES, SET, Rule
from mhsync.sections import CORE, SECTIONS
from mhsync.sections.descriptor import SectionDescriptor
from mhsync.sections.introspect import inner_model

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_REFERENCE_DEF = "VariableReference"
_REFERENCE = {
    "type": "string",
    "pattern": rf"^\$\{{(env|var):{VARIABLE_NAME}\}}$",
    "description": "${env:NAME} or ${var:NAME}, substituted when manifests are loaded.",
}
_SECRET_PATTERN = rf"^\$\{{env:{VARIABLE_NAME}\}}$"
_OUTER_KEYS = ("title", "description", "default")


def agent_schema() -> dict[str, Any]:
    """The schema of one manifest document, as plain data."""
    return _document_schema(AgentDocument, "mhsync Agent manifest", whole_agent=True)


def fragment_schema() -> dict[str, Any]:
    """The schema of one ``kind: Fragment`` document (docs/manifests.md, Fragments)."""
    return _document_schema(FragmentDocument, "mhsync Fragment manifest")


def _document_schema(
    model: type[BaseModel], title: str, *, whole_agent: bool = False
) -> dict[str, Any]:
    """``whole_agent``: the rules that hold for a whole agent (a fragment is only a part of one,
    checked by ``validate`` once merged) are added too."""
    schema = model.model_json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    _pin_secrets(definitions)
    if whole_agent:
        _as_strict_as_the_loader(definitions)
    schema = _allow_references(schema)
    schema["$defs"][_REFERENCE_DEF] = dict(_REFERENCE)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, **schema}


def _pin_secrets(definitions: dict[str, Any]) -> None:
    """Secret fields accept only ``${env:NAME}``, in the schema as in the loader."""
    for descriptor in SECTIONS:
        for dotted in descriptor.sensitive:
            *parents, leaf = dotted.parts
            model = descriptor.model
            for part in parents:
                found = inner_model(model.model_fields[part].annotation)
                assert found is not None, f"{spec_loc(descriptor)}: {dotted}"
                model = found
            prop = definitions[model.__name__]["properties"][leaf]
            for option in prop.get("anyOf", [prop]):
                if option.get("type") == "string":
                    option["pattern"] = _SECRET_PATTERN


def _allow_references(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _allow_references(value) for key, value in node.items()}
    if out.get("type") in ("integer", "number", "boolean"):
        outer = {key: out.pop(key) for key in _OUTER_KEYS if key in out}
        return {**outer, "anyOf": [out, {"$ref": f"#/$defs/{_REFERENCE_DEF}"}]}
    return out


_URL_PATTERNS = {
    "https": r"^(https://|\$\{)",
    "url": r"^(https?://[^\s/?#]+\S*|\$\{.*)$",  # a host, no spaces (``checks._is_url``)
}
_UNSET: list[Any] = [None, "", [], {}]
"""What the rules table counts as not set (``checks._is_set``)."""


def _as_strict_as_the_loader(definitions: dict[str, Any]) -> None:
    spec = definitions[AgentSpec.__name__]["properties"]
    for descriptor in SECTIONS:
        if descriptor is CORE:
            continue
        prop = spec[descriptor.key]
        options = prop.get("anyOf", [prop])
        kept = [o for o in options if o.get("type") != "null"]  # null is not "unmanaged"
        if descriptor.limit is not None:
            for option in kept:
                if option.get("type") == "array":
                    option["maxItems"] = descriptor.limit
        if "anyOf" in prop:
            prop.pop("default", None)
            if len(kept) == 1:
                del prop["anyOf"]
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        for ref in descriptor.refs:
            holder = _holder_model(descriptor, ref.within)
            both = [_set(ref.name_field), _set(ref.api_field)]
            _add(definitions, holder, {"not": {"allOf": both}})
    for rule in RULES:
        if rule.severity != "error":
            continue
        for key in rule.sections:
            model = CORE.model if key == CORE.key else _descriptor(key).model
            # Core fields are written inline in ``spec``: their rules go on AgentSpec.
            holder = AgentSpec if key == CORE.key else model
            _add(definitions, holder, _rule_schema(rule, model))
    spec_fields = "|".join(sorted(AgentSpec.model_fields))
    ignore = definitions["Metadata"]["properties"]["ignore"]
    ignore["items"]["pattern"] = rf"^spec\.({spec_fields})(\.|$)"


def _descriptor(key: str) -> SectionDescriptor:
    return next(d for d in SECTIONS if d.key == key)


def _holder_model(descriptor: SectionDescriptor, within: str | None) -> type[BaseModel]:
    if within is None:
        return descriptor.model
    found = inner_model(descriptor.model.model_fields[within].annotation)
    assert found is not None, f"{descriptor.key}.{within}"
    return found


def _add(definitions: dict[str, Any], model: type[BaseModel], constraint: dict[str, Any]) -> None:
    definitions[model.__name__].setdefault("allOf", []).append(constraint)


def _set(field: str) -> dict[str, Any]:
    """``field`` is written with a value the rules table counts as set."""
    return {"required": [field], "properties": {field: {"not": {"enum": _UNSET}}}}


def _default_holds(model: type[BaseModel], field: str, values: frozenset[str | None]) -> bool:
    """Whether an absent ``field`` meets ``values``: the loader reads documented defaults."""
    default = model.model_fields[field].default if field in model.model_fields else None
    if default is PydanticUndefined or default in _UNSET:
        return None in values
    return SET in values or (isinstance(default, str) and default in values)


def _holds(model: type[BaseModel], field: str, values: frozenset[str | None]) -> dict[str, Any]:
    written: list[dict[str, Any]] = []
    if SET in values:
        written.append({"not": {"enum": _UNSET}})
    literals = sorted(v for v in values if v is not None and v != SET)
    if literals:
        written.append({"enum": literals})
    if None in values:
        written.append({"enum": _UNSET})
    present = {"required": [field], "properties": {field: {"anyOf": written}}}
    if _default_holds(model, field, values):
        return {"anyOf": [present, {"not": {"required": [field]}}]}
    return present


def _rule_schema(rule: Rule, model: type[BaseModel]) -> dict[str, Any]:
    everything = frozenset({SET})
    if rule.kind == "require":
        then: dict[str, Any] = {"anyOf": [_holds(model, f, everything) for f in rule.fields]}
    elif rule.kind == "forbid":
        then = {"allOf": [{"not": _set(f)} for f in rule.fields]}
    else:  # https / url; a ${...} reference is substituted later and checked then
        pattern = _URL_PATTERNS[rule.kind]
        then = {"properties": {f: {"pattern": pattern} for f in rule.fields}}
    if not rule.when:
        return then
    return {"if": {"allOf": [_holds(model, f, v) for f, v in rule.when]}, "then": then}
