"""The committed plan schema matches the Plan model; regenerate with
``python -m mhsync.workflows.schemas --write``."""

from __future__ import annotations

import json
from pathlib import Path

from mhsync.plan import PLAN_FORMAT_VERSION, plan_json_schema
from mhsync.workflows.schemas import DEFAULT_PATH, main, plan_schema_text, write_plan_schema


def test_committed_schema_is_fresh() -> None:
    assert DEFAULT_PATH.read_text(encoding="utf-8") == plan_schema_text(), (
        "schemas/plan.schema.json is stale: run python -m mhsync.workflows.schemas --write"
    )


def test_schema_describes_the_plan_file() -> None:
    schema = plan_json_schema()
    assert schema["title"] == "Plan"
    assert schema["properties"]["format_version"]["default"] == PLAN_FORMAT_VERSION
    assert "previous_position" in schema["$defs"]["Change"]["properties"]


def test_write_and_check(tmp_path: Path) -> None:
    target = tmp_path / "plan.schema.json"
    assert main(["--path", str(target)]) == 1
    assert write_plan_schema(target) is True
    assert write_plan_schema(target) is False
    assert main(["--path", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == plan_json_schema()
