"""A protected agent whose ``spec.name`` changed without ``previous_names`` is no longer matched:
``--prune`` would delete the live agent and create a new one. The plan calls the pair out as a
possible rename and refuses it unless the delete is confirmed by name."""

from __future__ import annotations

import json

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, live_agents


def _rename_protected(project: Project) -> None:
    manifest = project.root / "agents" / "volvo-parts.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("  name: volvo-parts\n", "  name: volvo-parts\n  protected: true\n")
    text = text.replace("name: Volvo Parts Desk", "name: Volvo Parts Counter")
    manifest.write_text(text, "utf-8")


def test_prune_of_a_renamed_protected_agent_is_refused(project: Project, mh: Mh) -> None:
    apply_all(mh)
    _rename_protected(project)
    project.sandbox.clear_request_log()
    result = mh("apply", "--auto-approve", "--prune")
    assert result.code == 1
    assert "possible rename" in result.err
    assert "agent[volvo-parts]" in result.err and "agent[volvo-parts-desk]" in result.err
    assert "--confirm-delete volvo-parts-desk" in result.err
    assert [e for e in project.sandbox.request_log() if e.method != "GET"] == []
    assert "Volvo Parts Desk" in live_agents(project)


def test_plan_calls_out_the_pair_and_a_confirmed_delete_goes_ahead(
    project: Project, mh: Mh
) -> None:
    apply_all(mh)
    _rename_protected(project)
    planned = mh("plan", "--json", "--prune", "--confirm-delete", "volvo-parts-desk")
    assert planned.code == 0, planned.text
    warnings = json.loads(planned.out)["warnings"]
    assert any("possible rename" in w and "previous_names" in w for w in warnings), warnings
    result = mh("apply", "--auto-approve", "--prune", "--confirm-delete", "volvo-parts-desk")
    assert result.code == 0, result.text
    names = live_agents(project)
    assert "Volvo Parts Counter" in names and "Volvo Parts Desk" not in names
