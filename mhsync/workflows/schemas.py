"""Writes or checks ``schemas/plan.schema.json``, the published shape of plan files.

``python -m mhsync.workflows.schemas --write`` regenerates it; ``--check`` exits 1 when it is stale.
``write_plan_schema(path)`` is the function a CLI command can call.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mhsync import atomic
from mhsync.plan import plan_json_schema

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"
"""The committed copy, at the repository root (an editable install)."""


def plan_schema_text() -> str:
    """The schema as committed: two-space indent, sorted keys, final newline."""
    return json.dumps(plan_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_plan_schema(path: Path = DEFAULT_PATH) -> bool:
    """Write the schema; ``True`` when the file changed."""
    text = plan_schema_text()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, text)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mhsync.workflows.schemas")
    parser.add_argument("--write", action="store_true", help="regenerate the schema file")
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    if args.write:
        changed = write_plan_schema(args.path)
        print(f"{args.path}: {'written' if changed else 'up to date'}")
        return 0
    fresh = args.path.exists() and args.path.read_text(encoding="utf-8") == plan_schema_text()
    print(f"{args.path}: {'up to date' if fresh else 'stale; run with --write'}")
    return 0 if fresh else 1


if __name__ == "__main__":
    sys.exit(main())
