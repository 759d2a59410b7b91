"""Runs one agent's changes in plan order: build each body, send, learn from the answer.

The first change that fails stops its agent (later changes may depend on it, e.g. procedures
naming an intent that was not created); the rest are reported ``not_attempted``. A POST whose
answer was lost is resolved by re-reading (:mod:`mhsync.executor.adopt`): adopted when it
landed, sent once more when it did not. Nothing here prints; outcomes go to the report and
events to :class:`~mhsync.executor.progress.Progress`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mhsync.convert import References, UnresolvedReferenceError, identity_of
from mhsync.errors import MhsyncError, OutcomeUnknownError, PlanError, UnexpectedResponseError
from mhsync.executor.adopt import find_landed_agent, find_landed_item
from mhsync.executor.bodies import build_body
from mhsync.executor.context import AgentDirectory, AgentRun, ExecutorClient
from mhsync.executor.progress import Progress
from mhsync.executor.report import ChangeOutcome, ChangeStatus
from mhsync.executor.secrets import SecretBook
from mhsync.plan import AgentPlan, Call, CallKind, Change
from mhsync.sections import section
from mhsync.state import AgentState


@dataclass
class Shared:
    """What every worker thread uses; each member is thread-safe."""

    client: ExecutorClient
    directory: AgentDirectory
    secrets: SecretBook
    progress: Progress
    stop: threading.Event = field(default_factory=threading.Event)
    """Set when the apply is being interrupted: agents stop before their next change."""
    _requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_request(self) -> None:
        with self._lock:
            self._requests += 1

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests


@dataclass
class _Tally:
    """Requests issued for one change."""

    calls: int = 0


@dataclass(frozen=True)
class _Sent:
    uuid: str | None = None
    adopted: bool = False


ADOPTABLE = frozenset({CallKind.AGENT_CREATE, CallKind.ITEM_CREATE})
"""POSTs whose lost answer can be resolved by a re-read; any other is reported as failed."""


def not_attempted(changes: Iterable[Change], reason: str) -> list[ChangeOutcome]:
    return [ChangeOutcome(c.address, ChangeStatus.NOT_ATTEMPTED, reason) for c in changes]


class AgentRunner:
    def __init__(self, agent_plan: AgentPlan, live: AgentState | None, shared: Shared) -> None:
        self.plan = agent_plan
        self.shared = shared
        self.run_state = AgentRun.start(agent_plan, live)

    def run(self) -> list[ChangeOutcome]:
        outcomes: list[ChangeOutcome] = []
        changes = list(self.plan.changes)
        for index, change in enumerate(changes):
            if self.shared.stop.is_set():
                outcomes.extend(not_attempted(changes[index:], "the apply was interrupted"))
                break
            outcome = self._run_change(change)
            outcomes.append(outcome)
            if outcome.status is ChangeStatus.FAILED:
                rest = changes[index + 1 :]
                outcomes.extend(not_attempted(rest, f"{change.address} failed before it"))
                self.shared.progress.skipped(len(rest))
                break
        return outcomes

    # --- one change --------------------------------------------------------------------------

    def _run_change(self, change: Change) -> ChangeOutcome:
        tally = _Tally()
        sent = _Sent()
        try:
            for call in change.calls:
                result = self._call(change, call, tally)
                sent = _Sent(result.uuid or sent.uuid, result.adopted or sent.adopted)
        except (MhsyncError, UnresolvedReferenceError) as exc:
            error = self.shared.secrets.scrub(str(exc))
            self.shared.progress.settled(
                "change_failed", change.address, f"{change.action.value} {change.address}: {error}"
            )
            return ChangeOutcome(change.address, ChangeStatus.FAILED, error, tally.calls, sent.uuid)
        status = ChangeStatus.ADOPTED if sent.adopted else ChangeStatus.DONE
        note = " (adopted: it had landed before its answer was lost)" if sent.adopted else ""
        self.shared.progress.settled(
            "change_done", change.address, f"{change.action.value} {change.address}{note}"
        )
        return ChangeOutcome(change.address, status, None, tally.calls, sent.uuid)

    def _call(self, change: Change, call: Call, tally: _Tally) -> _Sent:
        path = self.shared.directory.substitute(call.path)
        refs = self.run_state.references(self.shared.directory)
        body = build_body(call.kind, change, refs, self.shared.secrets.resolve)
        if call.method.upper() == "POST":
            return self._post(change, call, path, body, refs, tally)
        answer = self._send(call.method, path, body, tally)
        self._learn(change, call, answer)
        return _Sent()

    def _post(
        self, change: Change, call: Call, path: str, body: Any, refs: References, tally: _Tally
    ) -> _Sent:
        """POST; after a lost answer, adopt what landed or (once) send again."""
        retried = False
        while True:
            try:
                answer = self._send("POST", path, body, tally)
            except OutcomeUnknownError:
                if call.kind not in ADOPTABLE:
                    raise
                landed = self._find_landed(change, call, path, refs, tally)
                if landed is not None:
                    return self._learn_created(change, call, landed, adopted=True)
                if retried:
                    raise
                retried = True
                continue
            return self._learn_created(change, call, answer, adopted=False)

    def _send(self, method: str, path: str, body: Any, tally: _Tally) -> Any:
        tally.calls += 1
        self.shared.count_request()
        client = self.shared.client
        verb = method.upper()
        if verb == "POST":
            return client.post(path, body)
        if verb == "PUT":
            return client.put(path, body)
        if verb == "PATCH":
            return client.patch(path, body)
        if verb == "DELETE":
            return client.delete(path)
        raise PlanError(f"{verb} {path}: the executor does not send {verb} requests")

    # --- lost answers ------------------------------------------------------------------------

    def _find_landed(
        self, change: Change, call: Call, path: str, refs: References, tally: _Tally
    ) -> Mapping[str, Any] | None:
        tally.calls += 1
        self.shared.count_request()
        client = self.shared.client
        after: Mapping[str, Any] = change.after if isinstance(change.after, Mapping) else {}
        if call.kind is CallKind.AGENT_CREATE:
            return find_landed_agent(client, after, self.shared.directory.known_uuids())
        descriptor = section(change.section)
        return find_landed_item(client, self.run_state, descriptor, after, refs, path)

    # --- learning from answers ---------------------------------------------------------------

    def _learn_created(self, change: Change, call: Call, raw: Any, *, adopted: bool) -> _Sent:
        answer: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if call.kind is CallKind.AGENT_CREATE:
            uuid = answer.get("agent_uuid")
            if not isinstance(uuid, str) or not uuid:
                raise UnexpectedResponseError(
                    "the answer carries no agent_uuid", method="POST", path=call.path
                )
            self.run_state.uuid = uuid
            self.shared.directory.register(self.plan.handle, uuid)
            self.run_state.absorb_agent(answer)
            return _Sent(uuid, adopted)
        if call.kind is not CallKind.ITEM_CREATE:
            self._learn(change, call, raw)
            return _Sent(None, adopted)
        descriptor = section(change.section)
        if descriptor.embedded_as is not None and not adopted:
            new = self.run_state.absorb_agent(answer).get(descriptor.key, set())
            return _Sent(next(iter(new)) if len(new) == 1 else None, adopted)
        fallback = identity_of(descriptor, dict(change.after or {}))
        return _Sent(self.run_state.absorb_item(descriptor, answer, fallback), adopted)

    def _learn(self, change: Change, call: Call, raw: Any) -> None:
        """Keep uuids and intent keys current after a PUT, PATCH or DELETE."""
        if call.kind in (CallKind.AGENT_DELETE, CallKind.AGENT_UPDATE):
            return
        descriptor = section(change.section)
        if descriptor.embedded_as is not None:
            if isinstance(raw, Mapping):
                self.run_state.absorb_agent(raw)
            return
        if call.kind is CallKind.ITEM_DELETE:
            self.run_state.forget_item(descriptor, change.uuid)
        elif call.kind is CallKind.ITEM_UPDATE:
            answer = raw if isinstance(raw, Mapping) else {descriptor.uuid_field: change.uuid}
            fallback = identity_of(descriptor, dict(change.after or {}))
            self.run_state.absorb_item(descriptor, answer, fallback)
