"""Pull writes YAML that reads back as the workspace, and leaves other documents as written.

Before: dashboard text holding NEL, U+2028 or a control character next to a line break was
pulled as a ``|`` block that does not parse; a comment-only document of the file came back as
``--- null`` (its comments gone, and a null document that fails validation).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Project, Result
from tests.export.helpers import agent_named, dashboard, data

Mh = Callable[..., Result]
SERVICE = Path("agents/volvo-service.yaml")


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return project


def _set_tone(project: Project, tone: str) -> None:
    with dashboard(project) as api:
        agent = agent_named(api, "Volvo Service Line")
        data(api.patch(f"/agents/{agent['agent_uuid']}", json={"tone": tone}))


@pytest.mark.parametrize(
    "tone",
    ["Warm\n\x85and kind", "Warm\n\u2028and kind", "Warm\x1b[1m\nand kind", "Warm\rand\nkind"],
    ids=["nel", "line-separator", "escape", "lone-cr"],
)
def test_pulled_hostile_text_reads_back(applied: Project, mh: Mh, tone: str) -> None:
    _set_tone(applied, tone)
    pulled = mh("pull")
    assert pulled.code == 0, pulled.text
    after = mh("plan", "--detailed-exitcode")
    assert after.code == 0, after.text


def test_pull_keeps_a_comment_only_document(applied: Project, mh: Mh) -> None:
    path = applied.root / SERVICE
    text = path.read_text(encoding="utf-8")
    extra = "---\n# Retired: the old after-hours agent lived here until 2025.\n"
    path.write_text(text + extra, encoding="utf-8")
    _set_tone(applied, "Pulled tone")
    pulled = mh("pull")
    assert pulled.code == 0, pulled.text
    written = path.read_text(encoding="utf-8")
    assert "Pulled tone" in written
    assert written.endswith(extra)
    assert "null" not in written
    assert mh("plan", "--detailed-exitcode").code == 0
