"""The committed JSON Schema is fresh and shows what validation enforces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import jsonschema
from click.testing import CliRunner

from mhsync.cli.schema import schema_command
from mhsync.manifest.document import HANDLE_PATTERN
from mhsync.manifest.schema import agent_schema, fragment_schema
from mhsync.manifest.yamlio import parse_text
from mhsync.workflows.schemas import SCHEMA_FILES, is_fresh, schema_text

from .conftest import EXAMPLES, REPO, agent

SCHEMA_FILE = REPO / SCHEMA_FILES["agent"]


def test_committed_schema_is_fresh() -> None:
    assert is_fresh("agent", SCHEMA_FILE), (
        "schemas/agent.schema.json is stale: run `mhsync schema --write`"
    )


def _group() -> click.Group:
    return click.Group(commands=[schema_command])


def test_schema_check_command(tmp_path: Path) -> None:
    runner = CliRunner()
    stale = tmp_path / "s.json"
    result = runner.invoke(_group(), ["schema", "--check", "--output", str(stale)])
    assert result.exit_code == 1 and "stale" in result.stderr
    result = runner.invoke(_group(), ["schema", "--write", "--output", str(stale)])
    assert result.exit_code == 0 and stale.read_text(encoding="utf-8") == schema_text("agent")
    result = runner.invoke(_group(), ["schema", "--check", "--output", str(stale)])
    assert result.exit_code == 0
    assert (
        runner.invoke(_group(), ["schema", "--check", "--output", str(SCHEMA_FILE)]).exit_code == 0
    )
    printed = runner.invoke(_group(), ["schema"])
    assert printed.exit_code == 0 and json.loads(printed.stdout) == agent_schema()
    assert runner.invoke(_group(), ["schema", "--write", "--check"]).exit_code == 2


def test_schema_shows_patterns_enums_and_descriptions() -> None:
    schema: dict[str, Any] = agent_schema()
    defs = schema["$defs"]
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"apiVersion", "kind", "metadata", "spec"}
    assert schema["additionalProperties"] is False
    assert defs["Metadata"]["properties"]["name"]["pattern"] == HANDLE_PATTERN
    assert "description" in defs["Metadata"]["properties"]["name"]
    assert defs["GuardRule"]["properties"]["then_action"]["enum"] == ["forward", "end_conversation"]
    notes = defs["AgentSpec"]["properties"]["notes"]["items"]["anyOf"]  # a list, never null
    assert {"type": "string"} in notes
    secret = defs["Webhook"]["properties"]["secret_key"]["anyOf"][0]
    assert secret["pattern"] == r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$"
    token = defs["IntentWebhook"]["properties"]["auth_token"]["anyOf"][0]
    assert token["pattern"] == secret["pattern"]
    prompts = defs["Interaction"]["properties"]["max_silence_prompts"]["anyOf"][0]
    assert {"$ref": "#/$defs/VariableReference"} in prompts["anyOf"]


def test_schema_accepts_the_examples_as_written() -> None:
    """What an editor sees: the raw example documents (references unsubstituted) are valid."""
    validator = jsonschema.Draft202012Validator(agent_schema())
    fragments = jsonschema.Draft202012Validator(fragment_schema())
    for path in sorted((EXAMPLES / "agents").glob("*.yaml")):
        for doc in parse_text(path.read_text(encoding="utf-8"), str(path)).docs:
            check = fragments if doc.data.get("kind") == "Fragment" else validator
            errors = [e.message for e in check.iter_errors(doc.data)]
            assert errors == [], path.name
    bad = parse_text(agent("speed: quick\n"), "x").docs[0].data
    assert [e.message for e in validator.iter_errors(bad)] == [
        "'quick' is not one of ['normal', 'fast']"
    ]


def test_committed_fragment_schema_is_fresh_and_covers_fragments() -> None:
    assert is_fresh("fragment", REPO / SCHEMA_FILES["fragment"]), (
        "schemas/fragment.schema.json is stale: run `mhsync schema fragment --write`"
    )
    schema = fragment_schema()
    assert schema["properties"]["kind"]["const"] == "Fragment"
    assert "name" not in schema["$defs"]["FragmentSpec"].get("required", [])
    agent_meta = agent_schema()["$defs"]["Metadata"]["properties"]
    assert {"uses", "drop"} <= set(agent_meta)


def test_output_without_write_writes_the_file_instead_of_ignoring_it(tmp_path: Path) -> None:
    target = tmp_path / "editor" / "agent.json"
    result = CliRunner().invoke(schema_command, ["--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == schema_text("agent")
    assert result.stdout == ""  # the schema went to the file, not to stdout as well
