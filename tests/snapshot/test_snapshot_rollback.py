"""Snapshots taken by apply, and ``mhsync rollback`` putting the earlier state back exactly."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import Project, Result
from tests.export.helpers import PLACEHOLDER, assert_no_secret_values, canonical_workspace

Mh = Callable[..., Result]
SNAPSHOT_LINE = re.compile(r"Snapshot saved: (\S+)")
CRM_WEBHOOK = (
    "    - url: https://crm.example-dealer.se/webhooks/ai\n"
    "      events:\n"
    "        - intent_call\n"
    "        - voice_evaluation\n"
    "      secret_key: ${env:VOLVO_CRM_WEBHOOK_SECRET}\n"
    "      is_active: true\n"
)


def snapshot_of(result: Result) -> Path:
    found = SNAPSHOT_LINE.search(result.err)
    assert found, result.text
    return Path(found.group(1))


def break_examples(root: Path) -> None:
    """Edits an apply should be able to undo: a field, a deleted webhook, an emptied section,
    an intent edit next to an unchanged secret, a change in a second agent."""
    service = root / "agents" / "volvo-service.yaml"
    text = service.read_text(encoding="utf-8")
    for old, new in [
        ("  tone: Calm, friendly and precise\n", "  tone: Grumpy\n"),
        (CRM_WEBHOOK, ""),
        (
            "  notes:\n"
            "    - The workshop is open 07:00-17:00 on weekdays and closed on weekends.\n"
            "    - content: Courtesy cars must be requested at least two days ahead.\n",
            "  notes: []\n",
        ),
        (
            "      description: The caller wants a workshop appointment.\n",
            "      description: Booking.\n",
        ),
    ]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    service.write_text(text, encoding="utf-8")
    support = root / "agents" / "whatsapp-support.yaml"
    text = support.read_text(encoding="utf-8")
    assert text.count("  speed: fast\n") == 1
    support.write_text(text.replace("  speed: fast\n", "  speed: normal\n"), encoding="utf-8")


def test_apply_snapshots_touched_agents_and_rollback_restores_them_exactly(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = mh("apply", "--auto-approve")
    assert first.code == 0, first.text
    assert "Snapshot saved" not in first.err  # only creates: nothing existed to save
    assert not (project.root / ".mhsync" / "snapshots").exists()
    before = canonical_workspace(project)

    break_examples(project.root)
    applied = mh("apply", "--auto-approve")
    assert applied.code == 0, applied.text
    snapshot = snapshot_of(applied)
    assert snapshot.parent == project.root / ".mhsync" / "snapshots"
    assert re.fullmatch(r"\d{8}T\d{6}Z-local", snapshot.name)
    assert sorted(p.name for p in snapshot.iterdir()) == [
        "snapshot.json",
        "volvo-service.yaml",
        "whatsapp-support.yaml",
    ]
    info = json.loads((snapshot / "snapshot.json").read_text(encoding="utf-8"))
    assert info["target"] == "local" and sorted(info["agents"]) == [
        "volvo-service", "whatsapp-support",
    ]
    assert_no_secret_values(snapshot)
    service = (snapshot / "volvo-service.yaml").read_text(encoding="utf-8")
    assert "destination_agent_uuid:" in service  # volvo-parts is outside the snapshot
    assert len(PLACEHOLDER.findall(service)) == 3
    broken = canonical_workspace(project)
    assert broken != before

    refused = mh("rollback", str(snapshot), "--auto-approve")
    assert refused.code == 1
    crm = "MHSYNC_SECRET_VOLVO_SERVICE_WEBHOOKS_CRM_EXAMPLE_DEALER_SE_WEBHOOKS_AI_SECRET_KEY"
    assert crm in refused.err and "Nothing was changed" in refused.err
    assert "BOOK_APPOINTMENT" not in refused.err  # the intent's token is not sent again
    assert canonical_workspace(project) == broken

    monkeypatch.setenv(crm, "sec-RESTORED")
    rolled = mh("rollback", str(snapshot), "--auto-approve")
    assert rolled.code == 0, rolled.text
    assert "Rollback complete" in rolled.out
    assert canonical_workspace(project) == before
    undo = snapshot_of(rolled)  # the rollback saved what it overwrote, too
    assert (undo / "volvo-service.yaml").is_file()

    again = mh("rollback", str(snapshot), "--auto-approve")
    assert again.code == 0 and "Nothing to roll back" in again.out


def test_no_snapshot_flag_skips_it(project: Project, mh: Mh) -> None:
    assert mh("apply", "--auto-approve").code == 0
    break_examples(project.root)
    result = mh("apply", "--auto-approve", "--no-snapshot")
    assert result.code == 0, result.text
    assert "Snapshot saved" not in result.err
    assert not (project.root / ".mhsync" / "snapshots").exists()


def test_rollback_refuses_another_target_and_a_missing_directory(
    project: Project, mh: Mh
) -> None:
    assert mh("apply", "--auto-approve").code == 0
    break_examples(project.root)
    snapshot = snapshot_of(mh("apply", "--auto-approve"))
    other = mh("rollback", str(snapshot), "--target", "sandbox", "--auto-approve")
    assert other.code == 1
    assert "was taken from target 'local', not 'sandbox'" in other.err
    missing = mh("rollback", str(project.root / "nope"), "--auto-approve")
    assert missing.code == 1 and "not a snapshot directory" in missing.err
