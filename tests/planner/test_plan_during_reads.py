"""``mhsync plan`` plans each agent while the other agents are still being read (issue 16).

Reading the workspace waits on the network; planning one agent needs only that agent's live
state and what matching fixed before the reads (which agents are new, the options). So
``plan_against`` plans each agent as its reads complete (``PlanAsRead``), and only the
workspace-wide finish is left for after the last read. These tests hold that plan to
``plan()`` of the very states read, on the example project edited into every kind of case
(edits, creates pointing at each other, a prune candidate, a possible rename of a protected
agent, selections), and prove that the per-agent step runs before the last read is in.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import mhsync.workflows.plan as plan_module
from mhsync.errors import PlanError
from mhsync.live import SEPARATE_SECTIONS
from mhsync.plan import Action, Plan
from mhsync.planner import AgentOutcome, PlanSetup, plan
from mhsync.selection import Selection
from mhsync.state import AgentState
from mhsync.workflows.apply import ApplyRequest, run_apply
from mhsync.workflows.connect import connect
from mhsync.workflows.livestate import LiveRead
from mhsync.workflows.plan import (
    PlanRequest,
    check_outside_references,
    load_scope,
    plan_against,
    plan_options,
)
from mhsync.workspace import Workspace, resolve_workspace
from tests.e2e.conftest import SECRETS, copy_examples

NEW_AGENTS = {
    # Points at an existing agent and at another new one (depends_on).
    "new-desk": (
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: new-desk\nspec:\n"
        "  name: New Desk\n  routing_rules:\n"
        "    - department_name: Parts\n      detection_mode: exact\n"
        "      trigger_keyword: parts\n      destination_type: agent\n"
        "      destination_agent: volvo-parts\n"
        "    - department_name: Lane\n      detection_mode: exact\n"
        "      trigger_keyword: lane\n      destination_type: agent\n"
        "      destination_agent: new-lane\n"
    ),
    "new-lane": "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: new-lane\nspec:\n"
    "  name: New Lane\n",
    # Looks like whatsapp-support (deleted from the manifests): a possible rename; protected.
    "chat-support": "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: chat-support\n"
    "  protected: true\nspec:\n  name: Nordstaden Chat Support 2\n",
}


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """The examples applied to the embedded sandbox, then edited: one agent's manifest gone
    (its live twin is a prune candidate), three new ones, one existing agent changed."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    root = copy_examples(tmp_path / "project")
    seeded = run_apply(
        resolve_workspace(cwd=root), ApplyRequest(), confirm=lambda _: True, on_event=None
    )
    assert seeded.report is not None and seeded.report.ok
    agents = root / "agents"
    (agents / "whatsapp-support.yaml").unlink()
    for handle, text in NEW_AGENTS.items():
        (agents / f"{handle}.yaml").write_text(text, encoding="utf-8")
    parts = agents / "volvo-parts.yaml"
    text = parts.read_text(encoding="utf-8")
    parts.write_text(text.replace("Knowledgeable and helpful", "Brief"), encoding="utf-8")
    return resolve_workspace(cwd=root)


class Spy:
    """Records the live read ``plan_against`` made and which agents were planned inside it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.live: LiveRead | None = None
        self.reading = False
        self.during: list[str] = []
        real_read, real_agent = plan_module.read_live, PlanSetup.agent

        def read_live(*args: Any, **kwargs: Any) -> LiveRead:
            self.reading = True
            try:
                self.live = real_read(*args, **kwargs)
            finally:
                self.reading = False
            return self.live

        def agent(setup: PlanSetup, handle: str, live: AgentState | None) -> AgentOutcome:
            if self.reading:
                self.during.append(handle)
            return real_agent(setup, handle, live)

        monkeypatch.setattr(plan_module, "read_live", read_live)
        monkeypatch.setattr(PlanSetup, "agent", agent)


def _plans(workspace: Workspace, request: PlanRequest, spy: Spy) -> tuple[Plan | str, Plan | str]:
    """(``plan_against``'s plan, ``plan()`` of the same states), or each one's PlanError."""
    scoped = load_scope(workspace, request.paths, request.selection, prune=request.prune)
    overlapped: Plan | str
    try:
        with connect(workspace.target) as connection:
            overlapped = plan_against(connection, scoped, request, workspace).plan
    except PlanError as error:
        overlapped = f"PlanError: {error}"
    assert spy.live is not None
    reference: Plan | str
    try:
        check_outside_references(scoped, spy.live.references.values(), {})
        options = plan_options(scoped, request)
        reference = plan(scoped.selected, spy.live.state, target=workspace.name, options=options)
    except PlanError as error:
        reference = f"PlanError: {error}"
    return overlapped, reference


CONFIRMED = frozenset({"nordstaden-chat-support"})
"""whatsapp-support's live twin, named by the handle its name derives once no manifest has it."""
CASES = {
    "everything": PlanRequest(),
    "prune, rename of a protected agent unconfirmed": PlanRequest(prune=True),
    "prune confirmed": PlanRequest(prune=True, confirmed_deletes=CONFIRMED),
    "prune over --max-deletes": PlanRequest(prune=True, confirmed_deletes=CONFIRMED, max_deletes=0),
    "prune of a live-only agent named": PlanRequest(
        prune=True, selection=Selection.parse(["nordstaden-chat-support", "volvo-parts"])
    ),
    "selection by glob": PlanRequest(selection=Selection.parse(["volvo-*"])),
    "selection by label, one excluded": PlanRequest(
        selection=Selection.parse(selector="channel=voice", excluded=["volvo-parts"])
    ),
    "selection pointing outside": PlanRequest(selection=Selection.parse(["new-desk"])),
    "creates only": PlanRequest(selection=Selection.parse(["new-*"])),
    "resend secrets": PlanRequest(resend_secrets=True, parallelism=1),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_plan_made_during_the_reads_is_plan_of_the_states_read(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    spy = Spy(monkeypatch)
    request = CASES[case]
    overlapped, reference = _plans(workspace, request, spy)
    assert spy.live is not None
    matched = set(spy.live.state.agents)
    assert matched <= set(spy.during), "every live agent read is planned during the reads"
    if isinstance(overlapped, str) or isinstance(reference, str):
        assert overlapped == reference
        return
    assert overlapped.agents == reference.agents
    assert (overlapped.ignored, overlapped.fingerprinted) == (
        reference.ignored,
        reference.fingerprinted,
    )
    assert overlapped.warnings[: len(reference.warnings)] == reference.warnings


def test_the_cases_cover_creates_deletes_renames_errors_and_references(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The corpus above is only as good as its cases: each kind of plan occurs in it."""
    seen: dict[str, Plan | str] = {}
    unconfirmed = "prune, rename of a protected agent unconfirmed"
    for case in ("everything", "prune confirmed", unconfirmed, "selection pointing outside"):
        seen[case] = _plans(workspace, CASES[case], Spy(monkeypatch))[0]
    everything, pruned = seen["everything"], seen["prune confirmed"]
    assert isinstance(everything, Plan) and isinstance(pruned, Plan)
    actions = {(a.handle, a.action.value if a.action else None) for a in everything.agents}
    assert {("new-desk", "create"), ("new-lane", "create"), ("volvo-parts", "update")} <= actions
    assert next(a for a in everything.agents if a.handle == "new-desk").depends_on == ("new-lane",)
    deleted = [a.handle for a in pruned.agents if a.action is Action.DELETE]
    assert deleted == ["nordstaden-chat-support"]
    assert any("possible rename" in w for w in pruned.warnings)
    assert "is protected: confirm the delete" in str(seen[unconfirmed])
    assert "outside the selection" in str(seen["selection pointing outside"])


class GatedClient:
    """The real client, except that the last per-agent read waits (at most ``TIMEOUT`` s) until
    every other agent read has been planned, and records how many were."""

    TIMEOUT = 5.0

    def __init__(self, inner: Any, agents: int, planned: list[str]) -> None:
        self.inner = inner
        self.expected = agents * len(SEPARATE_SECTIONS)
        self.agents = agents
        self.planned = planned
        self.reads = 0
        self.planned_before_last_read: int | None = None
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get_list(self, path: str, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.reads += 1
            last = self.reads == self.expected
        if last:
            deadline = threading.Event()
            for _ in range(int(self.TIMEOUT / 0.01)):
                if len(self.planned) >= self.agents - 1:
                    break
                deadline.wait(0.01)
            self.planned_before_last_read = len(self.planned)
        return self.inner.get_list(path, *args, **kwargs)


def test_agents_are_planned_before_the_last_read_completes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails when planning waits for the reads: the agents read first are planned while the
    last agent's read is still outstanding (one request at a time, so that read is last)."""
    planned: list[str] = []
    real_agent = PlanSetup.agent

    def agent(setup: PlanSetup, handle: str, live: AgentState | None) -> AgentOutcome:
        if live is not None:
            planned.append(handle)
        return real_agent(setup, handle, live)

    monkeypatch.setattr(PlanSetup, "agent", agent)
    request = PlanRequest(parallelism=1, selection=Selection.parse(["volvo-*"]))
    scoped = load_scope(workspace, request.paths, request.selection)
    with connect(workspace.target) as connection:
        gate = GatedClient(connection.client, agents=2, planned=planned)
        connection.client = gate  # type: ignore[assignment]
        made = plan_against(connection, scoped, request, workspace).plan
    assert gate.reads == gate.expected
    assert gate.planned_before_last_read == 1
    assert sorted(planned) == ["volvo-parts", "volvo-service"]
    assert made.has_changes
