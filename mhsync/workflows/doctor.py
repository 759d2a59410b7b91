"""The ``doctor`` use-case: a round-trip self-test of mhsync against one workspace.

It creates a throwaway agent that sets every field of every section (``doctor_agent``), through
the normal machinery (loader, planner, executor), reads it back, and reports what the server
changed, dropped, defaulted or added that mhsync's contract does not know; then it plans again,
which must show nothing (the promise that apply-then-plan is empty), and deletes the agent,
also when a step failed. Against a real workspace this is how the API's differences from the
contract surface before a user meets them as perpetual diffs.

Safety: the agent is named ``mhsync-doctor-<random>``; an agent that already carried that name
before the run is never touched. The webhook and intent secrets are generated for the run, live
only in a private mapping (never ``os.environ``), and are never part of the report.
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from mhsync.client import ApiClient
from mhsync.errors import MhsyncError, PlanError
from mhsync.executor import execute
from mhsync.live import list_agents
from mhsync.manifest import load_manifests
from mhsync.plan import ENV_REFERENCE
from mhsync.planner import plan
from mhsync.roundtrip import (
    Check,
    Finding,
    FindingKind,
    RoundTripReport,
    compare_agent,
    unknown_agent_fields,
    unknown_section_fields,
)
from mhsync.sections import COLLECTIONS, SECTIONS, SectionDescriptor, api_paths
from mhsync.state import WorkspaceState
from mhsync.workflows.connect import Connection, connect
from mhsync.workflows.doctor_agent import (
    INTENT_TOKEN_VAR,
    WEBHOOK_SECRET_VAR,
    DoctorAgent,
    doctor_manifest,
)
from mhsync.workflows.doctor_contract import ContractProbe
from mhsync.workflows.livestate import LiveRead, read_live
from mhsync.workspace import Workspace

OnStep = Callable[[str], None]


@dataclass(frozen=True)
class DoctorRequest:
    keep: bool = False
    """Leave the agent in the workspace (to inspect it); its name is in the report."""


def run_doctor(
    workspace: Workspace,
    request: DoctorRequest,
    *,
    on_step: OnStep | None = None,
    make_secret: Callable[[], str] = lambda: secrets.token_urlsafe(24),
) -> RoundTripReport:
    target = workspace.target
    suffix = secrets.token_hex(4)
    agent = DoctorAgent(
        handle=f"mhsync-doctor-{suffix}",
        webhook_url=f"https://hooks.example.com/mhsync-doctor/{suffix}",
        schedule_uuid=str(uuid.uuid4()),
    )
    env = {WEBHOOK_SECRET_VAR: make_secret(), INTENT_TOKEN_VAR: make_secret()}
    desired = load_doctor_agent(agent, env)
    report = RoundTripReport(target.name, agent.handle, kept=request.keep)
    step = on_step or _quiet
    step(f"round trip on target {target.name!r} with the temporary agent {agent.handle}")
    with connect(target) as connection:
        trip = _RoundTrip(connection, desired, agent.handle, env, report, step)
        try:
            trip.run()
            step("probing the contract's ASSUMED facts on the temporary agent")
            probe = ContractProbe(connection.client, desired.agents[agent.handle], report.uuid)
            report.facts = probe.run(on_fact=lambda r: step(f"{r.status.value:<12}{r.fact.fact}"))
        finally:
            if not request.keep:
                trip.delete()
        report.requests = connection.counter.total
    return report


def load_doctor_agent(agent: DoctorAgent, env: dict[str, str]) -> WorkspaceState:
    """The doctor agent as desired state, read through the ordinary manifest loader."""
    with tempfile.TemporaryDirectory(prefix="mhsync-doctor-") as directory:
        path = Path(directory) / f"{agent.handle}.yaml"
        with path.open("w", encoding="utf-8") as handle:
            YAML().dump(doctor_manifest(agent), handle)
        result = load_manifests([path], env=env)
    if result.errors:
        problems = "; ".join(str(d) for d in result.errors)
        raise PlanError(f"the built-in doctor manifest does not validate (a bug): {problems}")
    return result.workspace


class _RoundTrip:
    """The steps of one run, each recorded as a ``Check``; a failed create ends the run."""

    def __init__(
        self,
        connection: Connection,
        desired: WorkspaceState,
        handle: str,
        env: dict[str, str],
        report: RoundTripReport,
        on_step: OnStep,
    ) -> None:
        self.client = _RecordingClient(connection.client)
        self.connection = connection
        self.desired = desired
        self.handle = handle
        self.env = env
        self.report = report
        self.on_step = on_step
        self.existing: set[str] = set()
        """Uuids of agents that had the doctor's name before it began: never deleted."""
        self.started = False
        """Whether anything was sent that may have created the agent."""

    def run(self) -> None:
        """Create, read back, plan again; the last two both run when the agent is there."""
        if not self._record("create the agent with every field and section", self.create):
            return
        self._record("read it back: every field as sent", self.read_back)
        if self.report.uuid is not None:
            self._record("plan after apply is empty", self.replan)

    def _record(self, name: str, step: Callable[[], tuple[bool, str]]) -> bool:
        try:
            ok, detail = step()
        except MhsyncError as exc:
            ok, detail = False, str(exc)
        self.report.checks.append(Check(name, ok, detail))
        self.on_step(("ok    " if ok else "FAIL  ") + name)
        return ok

    def create(self) -> tuple[bool, str]:
        live = read_live(self.client, self.desired, include_unmatched=False)
        self.existing = {raw.uuid for raw in live.matching.matched.values()}
        if self.existing:
            return False, f"an agent named {self.handle} already exists; run doctor again"
        made = plan(self.desired, live.state, target=self.connection.target.name)
        self.started = True
        outcome = execute(
            made, live.for_executor(), self.client, resolve_secret=self._secret, parallelism=1
        )
        failed = [o for o in outcome.outcomes if not o.succeeded]
        if failed:
            return False, "; ".join(f"{o.address}: {o.error or o.status.value}" for o in failed)
        return True, f"{len(made.changes)} changes, {outcome.requests} requests"

    def read_back(self) -> tuple[bool, str]:
        live = self._read()
        agent = live.state.agents.get(self.handle)
        if agent is None:
            return False, "the agent is not in the workspace"
        self.report.uuid = agent.uuid
        raw = live.matching.matched[self.handle]
        findings = compare_agent(self.desired.agents[self.handle], agent)
        unknown = {
            *(("read back", p) for p in unknown_agent_fields(raw.data)),
            *(
                ("read back", p)
                for d in COLLECTIONS
                for p in unknown_section_fields(d, raw.separate.get(d.key, []))
            ),
            *self.client.unknown_in_answers(),
        }
        findings += [Finding(FindingKind.UNKNOWN, where, path) for where, path in sorted(unknown)]
        self.report.findings = findings
        problems = [f for f in findings if f.problem]
        return not problems, (f"{len(problems)} changed, dropped or added" if problems else "")

    def replan(self) -> tuple[bool, str]:
        live = self._read()
        again = plan(self.desired, live.state, target=self.connection.target.name)
        self.report.replan = [
            f"{c.address}: {c.action.value}"
            + (" " + ", ".join(f.path for f in c.fields) if c.fields else "")
            for c in again.changes
        ]
        left = len(again.changes)
        return not left, (f"{left} change(s) left: perpetual diffs" if left else "")

    def delete(self) -> None:
        """Delete every agent with the doctor's name that this run made, and record it."""
        if self.started:
            self._record("delete the agent", self._delete)

    def _delete(self) -> tuple[bool, str]:
        doomed = [
            raw.uuid
            for raw in list_agents(self.client)
            if raw.name == self.handle and raw.uuid not in self.existing
        ]
        for agent_uuid in doomed:
            self.client.delete(api_paths.agent_path(agent_uuid))
        left = [raw.uuid for raw in list_agents(self.client) if raw.uuid in doomed]
        if left:
            return False, f"still listed: {', '.join(left)}; delete {self.handle} by hand"
        return True, ""

    def _read(self) -> LiveRead:
        return read_live(self.client, self.desired, include_unmatched=False)

    def _secret(self, reference: str) -> str:
        match = ENV_REFERENCE.fullmatch(reference.strip())
        if match is None or match.group(1) not in self.env:
            raise PlanError(f"the doctor agent names an unknown secret {reference}")
        return self.env[match.group(1)]


class _RecordingClient:
    """The API client, noting the unknown fields of every write's answer (never the values)."""

    def __init__(self, client: ApiClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._unknown: set[tuple[str, str]] = set()

    def get(self, path: str) -> Any:
        return self._client.get(path)

    def post(self, path: str, json: Any = None) -> Any:
        return self._note("POST", path, self._client.post(path, json=json))

    def put(self, path: str, json: Any = None) -> Any:
        return self._note("PUT", path, self._client.put(path, json=json))

    def patch(self, path: str, json: Any = None) -> Any:
        return self._note("PATCH", path, self._client.patch(path, json=json))

    def delete(self, path: str) -> Any:
        return self._client.delete(path)

    def paginate(
        self, path: str, per_page: int = 100, *, parallelism: int = 1, identity: str | None = None
    ) -> Iterator[dict[str, Any]]:
        return self._client.paginate(
            path, per_page=per_page, parallelism=parallelism, identity=identity
        )

    def get_list(self, path: str) -> list[dict[str, Any]]:
        return self._client.get_list(path)

    def unknown_in_answers(self) -> set[tuple[str, str]]:
        with self._lock:
            return set(self._unknown)

    def _note(self, method: str, path: str, answer: Any) -> Any:
        descriptor = _section_of(path)
        where = f"{method} {_template(path, descriptor)}"
        if descriptor is None or _is_agent(answer, descriptor):
            found = unknown_agent_fields(answer) if isinstance(answer, dict) else []
        else:
            found = unknown_section_fields(descriptor, answer)
        with self._lock:
            self._unknown.update((where, p) for p in found)
        return answer


def _section_of(path: str) -> SectionDescriptor | None:
    """The section a request path addresses (``None``: the agent itself)."""
    rest = path.split("?", 1)[0].split("/", 3)[3:]  # drop "", "agents", "<uuid>"
    if not rest:
        return None
    tail = "/" + rest[0]
    return next(
        (d for d in SECTIONS if d.path and (tail == d.path or tail.startswith(d.path + "/"))),
        None,
    )


def _template(path: str, descriptor: SectionDescriptor | None) -> str:
    """``/agents/{uuid}/guard-rules/{uuid}`` (paths without ids, so findings group)."""
    if path.rstrip("/") == api_paths.AGENTS:
        return api_paths.AGENTS
    base = api_paths.agent_path(api_paths.UUID)
    if descriptor is None:
        return base
    if path.split(descriptor.path, 1)[1].strip("/"):
        return api_paths.item_path(base, descriptor, api_paths.UUID)
    return api_paths.section_path(base, descriptor)


def _is_agent(answer: Any, descriptor: SectionDescriptor) -> bool:
    """Section writes may be answered with the whole agent, which carries the section inside."""
    return (
        isinstance(answer, dict)
        and descriptor.embedded_as is not None
        and descriptor.embedded_as in answer
    )


def _quiet(_: str) -> None:
    return None
