"""``validate`` and ``plan`` through a selection: problems of other agents do not count.

Every manifest is still read (references span files), so problems outside any agent document
(YAML syntax, the project's ignore list) always count, and so does anything in a selected one.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, edit


def break_parts(project: Project) -> None:
    edit(project.root / "agents" / "volvo-parts.yaml", "  role:", "  rol:")


def test_validate_reports_only_the_selected_agents(project: Project, mh: Mh) -> None:
    break_parts(project)
    whole = mh("validate")
    assert whole.code == 1
    assert "agents/volvo-parts.yaml" in whole.out

    service = mh("validate", "--selector", "team=service")
    assert service.code == 0, service.text
    assert "volvo-parts.yaml" not in service.out
    assert service.out.splitlines()[-1] == (
        "valid: 1 agent in 4 files (selection: team=service; 1 problem of other agents not shown)"
    )
    parts = mh("validate", "--agent", "volvo-parts")
    assert parts.code == 1
    assert "did you mean `role`" in parts.out
    assert project.sandbox.request_log() == []


def test_plan_of_a_team_needs_neither_other_teams_fixes_nor_secrets(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_all(mh)
    break_parts(project)
    monkeypatch.delenv("SUPPORT_WEBHOOK_SECRET")
    assert mh("plan", "--selector", "team=service", "--detailed-exitcode").code == 0
    support = mh("plan", "--selector", "team=support")
    assert support.code == 0, support.text  # secrets are compared by presence, never read
    assert "volvo-parts.yaml" not in support.err


def test_yaml_errors_count_in_every_selection(project: Project, mh: Mh) -> None:
    (project.root / "agents" / "broken.yaml").write_text(
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata: [unclosed\n", "utf-8"
    )
    result = mh("validate", "--selector", "team=service")
    assert result.code == 1
    assert "broken.yaml" in result.out


def test_two_agents_in_one_file_are_told_apart(project: Project, mh: Mh) -> None:
    service = project.root / "agents" / "volvo-service.yaml"
    parts = project.root / "agents" / "volvo-parts.yaml"
    second = parts.read_text("utf-8")
    assert second.count("  role:") == 1
    second = second.replace("  role:", "  rol:")
    service.write_text(service.read_text("utf-8") + "---\n" + second, "utf-8")
    parts.unlink()
    assert mh("validate", "--agent", "volvo-service").code == 0
    broken = mh("validate", "--agent", "volvo-parts")
    assert broken.code == 1
    assert "volvo-service.yaml:" in broken.out and "did you mean `role`" in broken.out
