"""``metadata.ignore`` paths and unchanged sections are not pulled where values live elsewhere.

Pull routes edits of values written by a fragment or by ``${file:...}`` before it merges the
document; that routing must see the same differences plan sees, so an ignored path (which plan
never shows and apply never writes) is neither written into its prose file nor reported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Project, Result
from tests.export.helpers import agent_named, dashboard, data

Mh = Callable[..., Result]


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return project


def _ignore(manifest: Path, anchor: str, entry: str) -> None:
    text = manifest.read_text(encoding="utf-8")
    assert text.count(anchor) == 1
    manifest.write_text(text.replace(anchor, f"{anchor}{entry}"), encoding="utf-8")


def _edit_pull(project: Project, mh: Mh, agent: str, body: dict[str, str]) -> Result:
    """Edit ``agent`` in the dashboard (plan sees nothing: the path is ignored), then pull."""
    with dashboard(project) as api:
        data(api.patch(f"/agents/{agent_named(api, agent)['agent_uuid']}", json=body))
    assert mh("plan", "--detailed-exitcode").code == 0
    result = mh("pull")
    assert result.code == 0, result.text
    return result


def test_an_ignored_prompt_file_is_not_pulled(applied: Project, mh: Mh) -> None:
    """Bug: routing compared raw values without the ignore rules, so pull overwrote the
    ``${file:}`` prompt in git with a dashboard edit of a path the manifest ignores."""
    manifest = applied.root / "agents/volvo-service.yaml"
    _ignore(manifest, "  ignore:\n", "    - spec.custom_prompt\n")
    prompt = applied.root / "agents/prompts/volvo-service.md"
    kept = {p: p.read_bytes() for p in (manifest, prompt)}
    result = _edit_pull(
        applied, mh, "Volvo Service Line", {"custom_prompt": "Edited in the dashboard."}
    )
    assert {p: p.read_bytes() for p in kept} == kept
    assert "Nothing to pull" in result.err


def test_an_ignored_fragment_value_is_not_reported(applied: Project, mh: Mh) -> None:
    """Bug: the same comparison reported an ignored value a fragment writes as "not pulled"."""
    manifest = applied.root / "agents/volvo-parts.yaml"
    _ignore(manifest, "metadata:\n", "  ignore:\n    - spec.company_name\n")
    result = _edit_pull(applied, mh, "Volvo Parts Desk", {"company_name": "Renamed Motors"})
    assert "not pulled" not in result.err
    assert "Nothing to pull" in result.err


def test_an_unchanged_inherited_section_is_not_reported(project: Project, mh: Mh) -> None:
    """Bug: routing compared whole items (uuids included), so every section holding an item a
    fragment wrote read as edited: pull reported it "not pulled" on every run, drift or not."""
    fragment = project.root / "agents/nordstaden-defaults.yaml"
    text = fragment.read_text(encoding="utf-8")
    fragment.write_text(text + "  notes:\n    - Calls are recorded.\n", encoding="utf-8")
    assert mh("apply", "--auto-approve", "--no-snapshot").code == 0
    assert mh("plan", "--detailed-exitcode").code == 0
    result = mh("pull")
    assert result.code == 0, result.text
    assert "not pulled" not in result.err
    assert "Nothing to pull" in result.err
