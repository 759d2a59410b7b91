"""Plan files keep their format: paths are the same JSON strings, read back as ``FieldPath``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.fieldpath import FieldPath
from mhsync.plan import Plan

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
PLANS = sorted(GOLDEN.glob("*/expected.json"))


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.parent.name)
def test_a_plan_file_reads_and_writes_byte_for_byte(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    made = Plan.from_json(text)
    assert made.to_json() == text
    for change in made.changes:
        paths = [*change.sensitive, *change.secrets, *(f.path for f in change.fields)]
        assert all(type(p) is FieldPath for p in paths)


def test_the_golden_plans_hold_secret_paths() -> None:
    """So that the test above reads some (agent create with intents and webhooks)."""
    text = (GOLDEN / "006-new-agent-with-intents-and-procedures/expected.json").read_text()
    made = Plan.from_json(text)
    assert any(c.secrets and c.sensitive for c in made.changes)
