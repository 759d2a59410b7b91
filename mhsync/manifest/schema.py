"""The JSON Schema of an agent manifest, generated from the same models that validate it.

Editors use it (``# yaml-language-server: $schema=...``) for completion and early errors, so it
shows what validation enforces: the handle pattern, enums, descriptions, the bare-string form of
notes and guidelines, secrets as ``${env:NAME}`` only. Numbers and booleans also accept a
``${env:NAME}``/``${var:NAME}`` reference, which the loader substitutes before validation.
Rules that span fields (a forward guard rule needs a destination) are left to ``mhsync validate``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mhsync import atomic
from mhsync.manifest.document import VARIABLE_NAME, AgentDocument, spec_loc
from mhsync.manifest.fragment_model import FragmentDocument
from mhsync.sections import SECTIONS
from mhsync.sections.introspect import inner_model

DEFAULT_SCHEMA_PATH = Path("schemas/agent.schema.json")
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
    return _document_schema(AgentDocument, "mhsync Agent manifest")


def fragment_schema() -> dict[str, Any]:
    """The schema of one ``kind: Fragment`` document (docs/manifests.md, Fragments)."""
    return _document_schema(FragmentDocument, "mhsync Fragment manifest")


def _document_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    definitions: dict[str, Any] = schema.setdefault("$defs", {})
    _pin_secrets(definitions)
    schema = _allow_references(schema)
    schema["$defs"][_REFERENCE_DEF] = dict(_REFERENCE)
    return {"$schema": JSON_SCHEMA_DIALECT, "title": title, **schema}


def schema_text() -> str:
    """The schema as the committed file holds it: sorted keys, two-space indent."""
    return _text(agent_schema())


def fragment_schema_text() -> str:
    """The fragment schema as ``schemas/fragment.schema.json`` holds it."""
    return _text(fragment_schema())


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def is_fresh(path: Path) -> bool:
    """True when ``path`` holds exactly the schema the models generate now."""
    try:
        return path.read_text(encoding="utf-8") == schema_text()
    except OSError:
        return False


def write_schema(path: Path) -> bool:
    """Write the schema to ``path``; True when the file changed."""
    if is_fresh(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, schema_text())
    return True


def _pin_secrets(definitions: dict[str, Any]) -> None:
    """Secret fields accept only ``${env:NAME}``, in the schema as in the loader."""
    for descriptor in SECTIONS:
        for dotted in descriptor.sensitive:
            *parents, leaf = dotted.split(".")
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
