"""``apply --resend-secrets``: rotating webhook secrets and intent auth tokens (issue 15).

Secrets are write-only and compared by presence, so a new value in the environment alone plans
nothing; ``--resend-secrets`` sends every one in scope again. Witnesses: the sandbox's request
log (one PATCH per webhook and per intent with a token, nothing else), the values the sandbox
stored (read from its own database), and the output, which holds no value, old or new.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MARKERS, SECRETS, Project, Result
from tests.scope.helpers import Mh, apply_all, uuids

ROTATED = {name: f"rot-{name}-NEWVALUE-{i}" for i, name in enumerate(SECRETS)}


def stored_secrets(project: Project) -> dict[str, dict[str, Any]]:
    """Display name -> {webhook url: secret_key, intent key: auth_token}, from the database."""
    database = project.root.parent / "remote.db"  # where the e2e fixture keeps the sandbox
    out: dict[str, dict[str, Any]] = {}
    with sqlite3.connect(database) as conn:
        for (text,) in conn.execute("SELECT doc FROM agents WHERE deleted_at IS NULL"):
            doc = json.loads(text)
            found: dict[str, Any] = {}
            for hook in doc.get("_webhooks") or []:
                found[hook["url"]] = hook.get("secret_key")
            for intent in doc.get("_intents") or []:
                found[intent["name"]] = (intent.get("webhook") or {}).get("auth_token")
            out[doc["name"]] = found
    return out


def rotate(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ROTATED.items():
        monkeypatch.setenv(name, value)


def assert_no_values(result: Result) -> None:
    for value in (*MARKERS, *ROTATED.values()):
        assert value not in result.text


def secret_patches(project: Project) -> list[str]:
    return sorted(
        e.path for e in project.sandbox.request_log()
        if e.method == "PATCH" and ("/webhooks/" in e.path or "/intents/" in e.path)
    )


def test_a_rotated_value_alone_plans_nothing(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_all(mh)
    rotate(monkeypatch)
    assert mh("plan", "--detailed-exitcode").code == 0


def test_resend_secrets_sends_each_secret_again_and_prints_no_value(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_all(mh)
    rotate(monkeypatch)
    planned = mh("plan", "--resend-secrets")
    assert planned.code == 0, planned.text
    assert planned.out.count("secret re-sent") == 4, planned.out
    assert "secret_key: secret re-sent" in planned.out
    assert "webhook.auth_token: secret re-sent" in planned.out
    assert_no_values(planned)
    as_json = mh("plan", "--resend-secrets", "--json")
    assert_no_values(as_json)
    assert sorted(json.loads(as_json.out)["secrets_needed"]) == sorted(SECRETS)
    project.sandbox.clear_request_log()

    applied = mh("apply", "--auto-approve", "--resend-secrets")
    assert applied.code == 0, applied.text
    assert_no_values(applied)
    patches = secret_patches(project)
    assert len(patches) == 4, patches
    assert sum("/webhooks/" in p for p in patches) == 3
    assert [e for e in project.sandbox.request_log() if e.method in ("POST", "PUT", "DELETE")] == []
    stored = stored_secrets(project)
    assert set(stored["Volvo Service Line"].values()) >= {
        ROTATED["VOLVO_DMS_WEBHOOK_SECRET"], ROTATED["VOLVO_CRM_WEBHOOK_SECRET"],
        ROTATED["VOLVO_BOOKING_API_TOKEN"],
    }
    assert ROTATED["SUPPORT_WEBHOOK_SECRET"] in stored["Nordstaden Chat Support"].values()
    assert mh("plan", "--detailed-exitcode").code == 0


def test_resend_secrets_respects_the_selection(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_all(mh)
    rotate(monkeypatch)
    support = uuids(project)["whatsapp-support"]
    project.sandbox.clear_request_log()
    for args in (("--agent", "whatsapp-*"), ("--exclude-agent", "volvo-*"), ("-l", "team=support")):
        result = mh("apply", "--auto-approve", "--resend-secrets", *args)
        assert result.code == 0, result.text
        assert_no_values(result)
        patches = secret_patches(project)
        assert len(patches) == 1 and support in patches[0], patches
        project.sandbox.clear_request_log()
    stored = stored_secrets(project)
    assert ROTATED["SUPPORT_WEBHOOK_SECRET"] in stored["Nordstaden Chat Support"].values()
    assert ROTATED["VOLVO_DMS_WEBHOOK_SECRET"] not in stored["Volvo Service Line"].values()


def test_resend_secrets_needs_every_variable_before_the_first_write(
    project: Project, mh: Mh, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_all(mh)
    monkeypatch.delenv("VOLVO_CRM_WEBHOOK_SECRET")
    project.sandbox.clear_request_log()
    result = mh("apply", "--auto-approve", "--resend-secrets")
    assert result.code == 1
    assert "VOLVO_CRM_WEBHOOK_SECRET" in result.err
    assert project.writes() == []


def test_a_saved_plan_takes_no_resend_flag(project: Project, mh: Mh, tmp_path: Path) -> None:
    apply_all(mh)
    saved = tmp_path / "rotate.json"
    assert mh("plan", "--resend-secrets", "--out", str(saved)).code == 0
    refused = mh("apply", str(saved), "--auto-approve", "--resend-secrets")
    assert refused.code == 1 and "--resend-secrets belongs to plan" in refused.err
    project.sandbox.clear_request_log()
    assert mh("apply", str(saved), "--auto-approve").code == 0
    assert len(secret_patches(project)) == 4


def test_a_resent_webhook_patch_carries_url_events_and_is_active() -> None:
    """CONTRACT section 5: every webhook PATCH carries url, events and is_active."""
    from mhsync.executor.bodies import build_body
    from mhsync.planner import PlanOptions, plan
    from mhsync.state import SECRET_SET, WorkspaceState
    from tests.planner.factories import desired_agent, have, live_agent, want

    hook = {"url": "https://h.example.com/x", "events": ["intent_call"]}
    desired = desired_agent(
        "a", webhooks=[want("webhooks", **hook, secret_key="${env:HOOK}")]
    )
    live_hook = have("webhooks", "w-1", **hook)
    live_hook.fields["secret_key"] = SECRET_SET
    live = live_agent("a", "u-1", webhooks=[live_hook])
    made = plan(
        WorkspaceState({"a": desired}),
        WorkspaceState({"a": live}),
        target="t",
        options=PlanOptions(resend_secrets=True),
    )
    [change] = made.changes
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("secret_key", SECRET_SET, SECRET_SET)
    ]
    body = build_body(change.calls[0].kind, change, {}, lambda reference: "sec-VALUE")
    assert body == {**hook, "is_active": True, "secret_key": "sec-VALUE"}
    unchanged = plan(WorkspaceState({"a": desired}), WorkspaceState({"a": live}), target="t")
    assert not unchanged.has_changes
