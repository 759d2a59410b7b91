"""A sandbox workspace wired to the real client, plus the steps every executor test repeats.

``Recorder`` sits between the client and the sandbox transport: it keeps every request body as
sent on the wire and the most requests ever in flight at once (to see parallelism happen).
``Harness.read`` reads the live side the way mhsync does (list, separate sections,
``convert.agent_from_api``), naming agents by the desired handles; ``Harness.apply`` plans with
the real planner and executes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mhsync.client import ApiClient, RetryPolicy, Token
from mhsync.convert import agent_from_api
from mhsync.executor import ExecutionReport, ProgressEvent, execute
from mhsync.live import list_agents, read_separate_sections
from mhsync.plan import Plan
from mhsync.planner import PlanOptions, plan
from mhsync.sandbox import Sandbox
from mhsync.state import WorkspaceState

TOKEN = "executor-test-token"
BASE_URL = "http://127.0.0.1/api/v1"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    body: Any


class Recorder(httpx.BaseTransport):
    """Delegates to the sandbox; records bodies and the peak number of requests in flight."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[Sent] = []
        self.in_flight = 0
        self.peak = 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raw = request.read()
        body = json.loads(raw) if raw else None
        with self._lock:
            self.sent.append(Sent(request.method, request.url.path.removeprefix(API_PREFIX), body))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return self.inner.handle_request(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def writes(self) -> list[Sent]:
        return [s for s in self.sent if s.method != "GET"]

    def clear(self) -> None:
        with self._lock:
            self.sent.clear()
            self.peak = 0


def fast_retries() -> RetryPolicy:
    return RetryPolicy(max_attempts=3, base_delay=0.0, max_delay=0.0, sleep=lambda _: None)


@dataclass
class Harness:
    sandbox: Sandbox
    recorder: Recorder
    client: ApiClient
    events: list[ProgressEvent] = field(default_factory=list)

    def read(self, desired: WorkspaceState | None = None) -> WorkspaceState:
        """Every live agent, under its desired handle when one has its name."""
        raws = list_agents(self.client)
        read_separate_sections(self.client, raws)
        by_name = {a.name: a.handle for a in (desired.agents.values() if desired else ())}
        handles = {r.uuid: by_name.get(r.name, r.name) for r in raws}
        return WorkspaceState(
            {
                handles[r.uuid]: agent_from_api(
                    r.data, handle=handles[r.uuid], agent_handles=handles, separate=r.separate
                )
                for r in raws
            }
        )

    def plan(self, desired: WorkspaceState, *, prune: bool = False) -> tuple[Plan, WorkspaceState]:
        live = self.read(desired)
        options = PlanOptions(prune=prune)
        return plan(desired, live, target="sandbox", options=options), live

    def execute(self, made: Plan, live: WorkspaceState, **kwargs: Any) -> ExecutionReport:
        kwargs.setdefault("on_event", self.events.append)
        self.recorder.clear()
        return execute(made, live, self.client, **kwargs)

    def apply(
        self, desired: WorkspaceState, *, prune: bool = False, **kwargs: Any
    ) -> tuple[Plan, ExecutionReport]:
        made, live = self.plan(desired, prune=prune)
        return made, self.execute(made, live, **kwargs)

    def remaining(self, desired: WorkspaceState, *, prune: bool = False) -> list[str]:
        """Addresses a fresh plan still wants to change (empty once applied)."""
        made, _ = self.plan(desired, prune=prune)
        return [c.address for c in made.changes]

    def agent_json(self, name: str) -> dict[str, Any]:
        found = [a for a in self.client.paginate("/agents") if a.get("name") == name]
        assert len(found) == 1, f"{len(found)} agents named {name!r}"
        return found[0]

    def log(self, method: str | None = None) -> list[tuple[str, str, int]]:
        return [
            (e.method, e.path.removeprefix(API_PREFIX), e.status)
            for e in self.sandbox.request_log()
            if method is None or e.method == method
        ]


def make_harness(
    sandbox: Sandbox, wrap: Callable[[Recorder], httpx.BaseTransport] | None = None
) -> Harness:
    recorder = Recorder(sandbox.transport())
    transport = wrap(recorder) if wrap else recorder
    client = ApiClient(BASE_URL, Token(TOKEN), transport=transport, retry=fast_retries())
    return Harness(sandbox, recorder, client)
