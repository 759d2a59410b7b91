"""Fields managed elsewhere: ``metadata.ignore`` and the project-wide ``ignore`` of mhsync.yaml.

An ignored field changed in the dashboard is neither planned nor reverted by an apply that
writes the same object for another reason; the plan header lists the ignored paths once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import Project
from tests.scope.helpers import Mh, apply_all, dashboard, edit, patch_agent, uuids

SERVICE_IGNORE = (
    "  ignore:\n    - spec.settings.voice.voice_profile.voice_uuid\n",
    "  ignore:\n    - spec.settings.voice.voice_profile\n",
)


def settings_of(project: Project, uuid: str) -> dict[str, Any]:
    with dashboard(project) as api:
        data: dict[str, Any] = api.get(f"/agents/{uuid}").json()["data"]["settings"]
    return data


def test_dashboard_managed_voice_profile_is_left_alone(project: Project, mh: Mh) -> None:
    manifest = project.root / "agents" / "volvo-service.yaml"
    edit(manifest, *SERVICE_IGNORE)
    apply_all(mh)
    service = uuids(project)["volvo-service"]
    profile = {"language": "sv-SE", "voice_name": "Nova", "voice_uuid": "0f0e0d0c-aaaa-bbbb"}
    patch_agent(project, service, {"settings": {"voice": {"voice_profile": profile}}})

    result = mh("plan", "--detailed-exitcode")
    assert result.code == 0, result.text
    assert "No changes" in result.out
    assert "agent[volvo-service]: spec.settings.voice.voice_profile," in result.out

    edit(manifest, "silence_message: Are you still there?", "silence_message: Hello?")
    plan = mh("plan")
    assert "Plan: 0 agents to create, 1 to update (1 change), 0 to delete." in plan.out
    assert "voice_profile" not in plan.out.split("Symbols:")[1]
    assert mh("apply", "--auto-approve").code == 0
    voice = settings_of(project, service)["voice"]
    assert voice["interaction"]["silence_message"] == "Hello?"
    assert voice["voice_profile"] == profile
    assert mh("plan", "--detailed-exitcode").code == 0


def _add_note(project: Project, uuid: str) -> None:
    with dashboard(project) as api:
        api.post(f"/agents/{uuid}/notes", json={"content": "Added by hand."}).raise_for_status()


def _edit_guard_rule_phrases(project: Project, uuid: str) -> None:
    with dashboard(project) as api:
        rules = api.get(f"/agents/{uuid}").json()["data"]["guard_rules"]
        spam = next(r for r in rules if r["name"] == "Spam")
        api.patch(
            f"/agents/{uuid}/guard-rules/{spam['uuid']}",
            json={"example_phrases": ["Free money", "Win a car", "Cheap pills"]},
        ).raise_for_status()


def _edit_description(project: Project, uuid: str) -> None:
    patch_agent(project, uuid, {"description": "Rewritten by marketing."})


@pytest.mark.parametrize(
    ("path", "dashboard_edit"),
    [
        pytest.param("spec.notes", _add_note, id="whole-section"),
        pytest.param("spec.guard_rules.example_phrases", _edit_guard_rule_phrases, id="item-field"),
        pytest.param("spec.description", _edit_description, id="core-field"),
    ],
)
def test_ignored_paths_produce_no_plan(
    project: Project, mh: Mh, path: str, dashboard_edit: Callable[[Project, str], None]
) -> None:
    edit(
        project.root / "agents" / "whatsapp-support.yaml",
        "    channel: text\n",
        f"    channel: text\n  ignore:\n    - {path}\n",
    )
    apply_all(mh)
    support = uuids(project)["whatsapp-support"]
    dashboard_edit(project, support)
    result = mh("plan", "--detailed-exitcode")
    assert result.code == 0, result.text
    assert f"agent[whatsapp-support]: {path}" in result.out


def test_project_wide_ignore_applies_to_every_agent(project: Project, mh: Mh) -> None:
    apply_all(mh)
    edit(
        project.root / "mhsync.yaml",
        "- spec.settings.voice.voice_profile.voice_uuid\n",
        "- spec.settings.voice.voice_profile.voice_uuid\n- spec.description\n",
    )
    for uuid in uuids(project).values():
        _edit_description(project, uuid)
    result = mh("plan", "--detailed-exitcode")
    assert result.code == 0, result.text
    header = result.out.split("\n\n")[0]
    for handle in ("volvo-parts", "volvo-service", "whatsapp-support"):
        assert f"agent[{handle}]: spec.description, " in header
    selected = mh("plan", "--agent", "volvo-parts").out.split("\n\n")[0]
    assert "agent[volvo-parts]" in selected and "agent[volvo-service]" not in selected


def test_project_wide_ignore_path_is_checked(project: Project, mh: Mh) -> None:
    edit(
        project.root / "mhsync.yaml",
        "- spec.settings.voice.voice_profile.voice_uuid\n",
        "- spec.settings.voice.voice_profile.voice_uuid\n- settings.voice\n",
    )
    result = mh("validate")
    assert result.code == 1
    assert "mhsync.yaml: ignore[1]: must be a field path under spec" in result.out
    plan = mh("plan")
    assert plan.code == 1
    assert "mhsync.yaml: ignore[1]" in plan.err
    assert project.sandbox.request_log() == []
