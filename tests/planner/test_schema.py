"""The committed plan schema matches the Plan model; regenerate with
``mhsync schema plan --write``."""

from __future__ import annotations

import json
from pathlib import Path

from mhsync.plan import PLAN_FORMAT_VERSION, plan_json_schema
from mhsync.workflows.schemas import SCHEMA_FILES, is_fresh, schema_text, write_schema

REPO = Path(__file__).resolve().parents[2]


def test_committed_schema_is_fresh() -> None:
    assert is_fresh("plan", REPO / SCHEMA_FILES["plan"]), (
        "schemas/plan.schema.json is stale: run `mhsync schema plan --write`"
    )


def test_schema_describes_the_plan_file() -> None:
    schema = plan_json_schema()
    assert schema["title"] == "Plan"
    assert schema["properties"]["format_version"]["default"] == PLAN_FORMAT_VERSION
    assert "previous_position" in schema["$defs"]["Change"]["properties"]


def test_write_and_check(tmp_path: Path) -> None:
    target = tmp_path / "plan.schema.json"
    assert not is_fresh("plan", target)
    assert write_schema("plan", target) is True
    assert write_schema("plan", target) is False
    assert is_fresh("plan", target)
    assert json.loads(target.read_text(encoding="utf-8")) == plan_json_schema()
    assert target.read_text(encoding="utf-8") == schema_text("plan")
    target.write_bytes(b"\xff not a schema")
    assert not is_fresh("plan", target)
    assert write_schema("plan", target) is True
