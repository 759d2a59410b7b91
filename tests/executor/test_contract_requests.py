"""Requests as documented (issue 11, item 1): every body mhsync sends, checked against CONTRACT.

Bodies are taken off the wire (the harness records them) after a real plan against the sandbox,
so what is asserted is what the API would receive. The last test proves the set semantics of
``selected_channels`` and ``events``: duplicated values in a manifest converge (apply, then plan
is empty) instead of being a perpetual diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from planner.factories import desired_agent, want, workspace

from mhsync.manifest import load_manifests
from mhsync.state import WorkspaceState

from .harness import Harness, Sent

HOOK_URL = "https://hooks.example.com/end"


def _agent(**hook: Any) -> WorkspaceState:
    fields = {"url": HOOK_URL, "events": ["conversation_end_report", "intent_call"], **hook}
    return workspace(desired_agent("sales", webhooks=[want("webhooks", **fields)]))


def _webhook_patch(harness: Harness, desired: WorkspaceState) -> Sent:
    _, report = harness.apply(desired)
    assert report.ok, report
    (patch,) = [s for s in harness.recorder.writes() if s.method == "PATCH"]
    assert "/webhooks/" in patch.path
    return patch


@pytest.mark.parametrize(
    ("before", "after", "extra"),
    [
        pytest.param({}, {"is_active": False}, {}, id="only-is-active-changed"),
        pytest.param(
            {}, {"secret_key": "<secret>"}, {"secret_key": "whsec-TOPSECRET-4242"},
            id="only-the-secret-was-added",
        ),
        pytest.param(
            {"secret_key": "<secret>"}, {}, {"secret_key": None}, id="only-the-secret-was-removed"
        ),
    ],
)  # fmt: skip
def test_every_webhook_patch_carries_url_events_and_is_active(
    harness: Harness,
    hook_secret: str,
    before: dict[str, Any],
    after: dict[str, Any],
    extra: dict[str, Any],
) -> None:
    """CONTRACT 5: url and events are required on PATCH; the vendor's client sends is_active."""

    def fill(fields: dict[str, Any]) -> dict[str, Any]:
        return {k: hook_secret if v == "<secret>" else v for k, v in fields.items()}

    harness.apply(_agent(**fill(before)))
    patch = _webhook_patch(harness, _agent(**fill(after)))
    assert patch.body == {
        "url": HOOK_URL,
        "events": ["conversation_end_report", "intent_call"],
        "is_active": after.get("is_active", True),
        **extra,
    }
    assert harness.remaining(_agent(**fill(after))) == []


def test_no_body_ever_carries_a_read_only_agent_field(harness: Harness) -> None:
    """CONTRACT 2.2: agent_uuid, recommendations, created_at, updated_at are never sent."""
    harness.apply(workspace(desired_agent("sales", core={"role": "seller"})))
    harness.apply(workspace(desired_agent("sales", core={"role": "closer"})))
    harness.recorder.clear()
    harness.apply(workspace(desired_agent("sales", core={"role": "buyer", "tone": "warm"})))
    (patch,) = harness.recorder.writes()
    assert patch.body == {"role": "buyer", "tone": "warm"}


DUPLICATED = """\
apiVersion: mhsync/v1
kind: Agent
metadata:
  name: sets
spec:
  name: Sets
  guard_rules:
    - name: Abuse
      when_condition: The caller is abusive.
      then_action: end_conversation
      selected_channels: [whatsapp, phone, whatsapp, phone]
  webhooks:
    - url: https://hooks.example.com/sets
      events: [intent_call, conversation_status, intent_call]
"""


def test_duplicated_set_values_in_a_manifest_converge(harness: Harness, tmp_path: Path) -> None:
    """Both sides read ``selected_channels`` and ``events`` as sets: apply then plan is empty."""
    path = tmp_path / "sets.yaml"
    path.write_text(DUPLICATED, encoding="utf-8")
    loaded = load_manifests([path])
    assert loaded.ok(strict=False), loaded.diagnostics
    _, report = harness.apply(loaded.workspace)
    assert report.ok, report
    assert harness.remaining(loaded.workspace) == []
    sent = {s.path.rsplit("/", 1)[-1]: s.body for s in harness.recorder.writes()}
    assert sent["webhooks"]["events"] == ["conversation_status", "intent_call"]
