"""The JSON Schema is as strict as ``mhsync validate`` wherever JSON Schema can say it.

Measured over the invalid-fixture corpus: every fixture the loader rejects with an error must be
rejected by the schema too, except the ones listed in ``BEYOND_JSON_SCHEMA`` with the reason no
JSON Schema can express their rule. Fixtures that only warn must stay valid for the schema: an
editor must not mark as wrong what ``validate`` accepts.
"""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from mhsync.manifest import load_manifests
from mhsync.manifest.schema import agent_schema, fragment_schema
from mhsync.manifest.yamlio import parse_text

from .conftest import EXAMPLES

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(CORPUS.glob("*.yaml"))
VARIABLES = {"ext": "201"}
ENV = {"HOOK_SECRET": "set"}

_UNIQUE = "uniqueness by a key field (JSON Schema's uniqueItems compares whole items)"
_ACROSS = "a rule across documents or files (a schema sees one document)"
_RUNTIME = "depends on the environment or the target, not on the document"
_YAML = "a YAML-level problem: the document never reaches JSON"
BEYOND_JSON_SCHEMA = {
    "026-routing-unknown-agent": "a reference to another document's agent; " + _ACROSS,
    "028-duplicate-guard-rule-names": _UNIQUE,
    "029-duplicate-derived-intent-key": _UNIQUE + "; the key is derived from the name",
    "030-step-names-unknown-intent": "a reference to a key in another section of the agent",
    "039-undefined-target-variable": _RUNTIME,
    "040-unset-env-embedded": _RUNTIME,
    "043-duplicate-yaml-keys": _YAML,
    "044-tab-indentation": _YAML,
    "045-yaml-syntax-error": _YAML,
    "047-duplicate-agent-names": _ACROSS,
    "048-duplicate-pinned-uuid": _ACROSS,
    "057-unsupported-yaml-tag": _YAML,
    "058-malformed-reference": (
        "a malformed ${...} anywhere inside any string: expressible only as a pattern on every "
        "string field, which editors would report on ordinary text"
    ),
}


def schema_accepts(case: Path) -> bool:
    """Each document against the schema of its kind (an agent's, or a fragment's)."""
    validators = {
        "Agent": jsonschema.Draft202012Validator(agent_schema()),
        "Fragment": jsonschema.Draft202012Validator(fragment_schema()),
    }
    try:
        docs = parse_text(case.read_text(encoding="utf-8"), str(case)).docs
    except Exception:  # the reader refuses it: it is not JSON-shaped data at all
        return True
    for doc in docs:
        kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
        validator = validators.get(kind if isinstance(kind, str) else "", validators["Agent"])
        if list(validator.iter_errors(doc.data)):
            return False
    return True


def loader_verdict(case: Path) -> str:
    result = load_manifests([case], variables=VARIABLES, env=ENV)
    return "error" if any(d.severity == "error" for d in result.diagnostics) else "warning"


def test_the_schema_rejects_every_invalid_fixture_it_can_express() -> None:
    accepted = {c.stem for c in CASES if loader_verdict(c) == "error" and schema_accepts(c)}
    assert sorted(accepted - BEYOND_JSON_SCHEMA.keys()) == []
    assert sorted(BEYOND_JSON_SCHEMA.keys() - accepted) == []  # the list stays honest


@pytest.mark.parametrize(
    "case", [c for c in CASES if loader_verdict(c) == "warning"], ids=lambda c: c.stem
)
def test_a_fixture_that_only_warns_stays_valid_for_the_schema(case: Path) -> None:
    assert schema_accepts(case)


def test_the_examples_stay_valid() -> None:
    for path in sorted((EXAMPLES / "agents").glob("*.yaml")):
        assert schema_accepts(path), path.name


def test_generated_valid_workspaces_stay_valid_for_the_schema() -> None:
    """The proof suites' random manifests (every section, references, secrets) all pass."""
    from tests.proof.generate import edit, workspace

    validator = jsonschema.Draft202012Validator(agent_schema())
    for seed in range(12):
        documents = workspace(seed)
        for doc in [*documents, *edit(documents, seed)]:
            assert list(validator.iter_errors(doc)) == [], seed
