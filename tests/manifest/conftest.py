"""Helpers for manifest tests: a valid agent to start from, and file writers."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mhsync.manifest import LoadResult

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

EXAMPLE_ENV = {
    "VOLVO_DMS_WEBHOOK_SECRET": "dms-secret",
    "VOLVO_CRM_WEBHOOK_SECRET": "crm-secret",
    "VOLVO_BOOKING_API_TOKEN": "booking-token",
    "SUPPORT_WEBHOOK_SECRET": "support-secret",
}
"""The environment variables the examples reference (documented in docs/manifests.md)."""

AGENT = """\
apiVersion: mhsync/v1
kind: Agent
metadata:
  name: test-agent
spec:
  name: Test agent
  role: Tester
  objective: Find bugs
  tone: Dry
  behavior_guidelines: Be brief.
  language: en
"""
"""A valid agent with every advised core field; tests append spec keys to it."""


def agent(extra: str = "", *, name: str = "test-agent") -> str:
    """``AGENT`` with ``extra`` (dedented, indented under spec) appended."""
    text = AGENT.replace("name: test-agent", f"name: {name}")
    if extra:
        text += textwrap.indent(textwrap.dedent(extra), "  ")
    return text


def lines(result: LoadResult) -> list[str]:
    """Diagnostics as printed, without the file part (tests compare these)."""
    return [str(d).split(":", 1)[1] if d.line else str(d) for d in result.diagnostics]


Writer = Callable[[str, str | bytes], Path]


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write a file under tmp_path: ``write("a.yaml", text)`` -> its Path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
