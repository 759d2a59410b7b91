"""``${env:NAME}`` resolution, and no secret value in anything the executor hands back."""

from __future__ import annotations

from typing import Any

import pytest

from mhsync.errors import ConfigError, ServerError
from mhsync.executor import ChangeStatus, SecretResolutionError, env_secret_resolver, execute
from mhsync.plan import Action, AgentPlan, Call, CallKind, Change, Plan
from mhsync.state import SECRET_SET, WorkspaceState

VALUE = "s3cr3t-XYZ-987"


def test_env_reference_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", VALUE)
    assert env_secret_resolver("${env:HOOK_SECRET}") == VALUE


@pytest.mark.parametrize(
    ("reference", "env", "message"),
    [
        pytest.param("${env:NOT_THERE_X}", None, "NOT_THERE_X is not set", id="unset"),
        pytest.param("${env:EMPTY_X}", "", "EMPTY_X is empty", id="empty"),
        pytest.param("plain-text", None, "not of the form", id="not-a-reference"),
        pytest.param("${var:X}", None, "not of the form", id="other-kind"),
    ],
)
def test_unresolvable_reference_names_the_variable_only(
    monkeypatch: pytest.MonkeyPatch, reference: str, env: str | None, message: str
) -> None:
    monkeypatch.delenv("NOT_THERE_X", raising=False)
    if env is not None:
        monkeypatch.setenv("EMPTY_X", env)
    with pytest.raises(SecretResolutionError, match=message) as raised:
        env_secret_resolver(reference)
    assert isinstance(raised.value, ConfigError)


class EchoingClient:
    """A server that echoes the request body in its error message (worst case)."""

    def __init__(self) -> None:
        self.bodies: list[Any] = []

    def post(self, path: str, json: Any = None) -> Any:
        self.bodies.append(json)
        raise ServerError(f"cannot store {json}", method="POST", path=path, status=500)

    def get(self, path: str) -> Any:
        raise AssertionError("unexpected GET")

    put = patch = post

    def delete(self, path: str) -> Any:
        raise AssertionError("unexpected DELETE")

    def paginate(self, path: str, per_page: int = 100, *, parallelism: int = 1) -> Any:
        raise AssertionError("unexpected read")

    def get_list(self, path: str) -> list[dict[str, Any]]:
        raise AssertionError("unexpected read")


def _webhook_plan() -> Plan:
    create = Change(
        address='agent[a].webhooks["https://h"]',
        agent="a",
        section="webhooks",
        action=Action.CREATE,
        after={"url": "https://h", "events": ["intent_call"], "secret_key": SECRET_SET},
        calls=(Call(method="POST", path="/agents/u-1/webhooks", kind=CallKind.ITEM_CREATE),),
        secrets={"secret_key": "${env:HOOK}"},
    )
    agent = AgentPlan(handle="a", name="A", uuid="u-1", action=Action.UPDATE, changes=(create,))
    return Plan(target="t", agents=(agent,))


def test_a_secret_echoed_by_the_server_is_scrubbed_from_report_and_events() -> None:
    client = EchoingClient()
    events: list[Any] = []
    report = execute(
        _webhook_plan(),
        WorkspaceState(),
        client,
        resolve_secret=lambda ref: VALUE,
        on_event=events.append,
    )
    assert client.bodies[0]["secret_key"] == VALUE  # it was sent
    [outcome] = report.outcomes
    assert outcome.status is ChangeStatus.FAILED
    assert outcome.error is not None and "***" in outcome.error
    texts = [outcome.error, *report.lines(), *(e.message for e in events)]
    assert not [t for t in texts if VALUE in t]


def test_resolver_errors_are_collected_before_anything_is_sent() -> None:
    client = EchoingClient()

    def refuse(reference: str) -> str:
        raise SecretResolutionError(f"{reference} refused")

    with pytest.raises(SecretResolutionError, match=r"nothing was sent: \$\{env:HOOK\} refused"):
        execute(_webhook_plan(), WorkspaceState(), client, resolve_secret=refuse)
    assert client.bodies == []
