"""``export --all -o agents`` over manifests already there edits them in place, as pull does.

The README's adoption recipe run in a repository that already holds (unpinned) manifests used to
write ``agents/<derived handle>.yaml`` next to them or over them: comments, ``protected``,
labels, ``${env:...}`` references and the other documents of a file were lost, or the agent was
described twice. Now an agent a manifest in the output directory describes (pinned uuid, else
``spec.name``, as plan matches) is merged into that file; only its changed values and the uuid
pin are written. A file in the way that does not describe the agent is never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Project, Result
from tests.export.helpers import agent_named, dashboard, data

Mh = Callable[..., Result]
AGENTS = Path("agents")


@pytest.fixture
def applied(project: Project, mh: Mh) -> Project:
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    return project


def test_export_all_merges_into_existing_unpinned_manifests(applied: Project, mh: Mh) -> None:
    agents = applied.root / AGENTS
    service = agents / "volvo-service.yaml"
    support = agents / "whatsapp-support.yaml"
    # two agents in one file, the second after a document separator
    service.write_text(
        service.read_text(encoding="utf-8") + "---\n" + support.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    support.unlink()
    before = {path.name: path.read_text(encoding="utf-8") for path in agents.glob("*.yaml")}
    with dashboard(applied) as api:
        agent = agent_named(api, "Volvo Service Line")
        data(api.patch(f"/agents/{agent['agent_uuid']}", json={"tone": "Adopted tone"}))

    result = mh("export", "--all", "-o", "agents")

    assert result.code == 0, result.text
    after = {path.name: path.read_text(encoding="utf-8") for path in agents.glob("*.yaml")}
    assert sorted(after) == sorted(before), "no second file describes an agent"
    text = after["volvo-service.yaml"]
    assert "Adopted tone" in text
    for kept in (
        "# Inbound voice agent",  # comments
        "  protected: true\n",
        "    team: service\n",  # labels
        "${env:VOLVO_DMS_WEBHOOK_SECRET}",
        "${env:SUPPORT_WEBHOOK_SECRET}",  # the other document
        "name: whatsapp-support\n",
    ):
        assert kept in text, kept
    # each agent's uuid is pinned, as the entry of the target exported from (issue 15)
    assert text.count("\n  uuid:\n    local: ") == 2, "each agent's uuid is pinned"
    plan = mh("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.text
    again = mh("export", "--all", "-o", "agents")
    assert again.code == 0, again.text
    assert {p.name: p.read_text(encoding="utf-8") for p in agents.glob("*.yaml")} == after


def test_export_never_overwrites_a_file_it_did_not_write(applied: Project, mh: Mh) -> None:
    out = applied.root / "exported"
    out.mkdir()
    stranger = out / "volvo-parts-desk.yaml"
    stranger.write_text("# my notes, not a manifest\nservices: {}\n", encoding="utf-8")
    result = mh("export", "--all", "-o", "exported")
    assert result.code != 0, result.text
    assert "volvo-parts-desk.yaml" in result.text
    assert stranger.read_text(encoding="utf-8") == "# my notes, not a manifest\nservices: {}\n"
