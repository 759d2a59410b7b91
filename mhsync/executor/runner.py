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

from mhsync.convert import References, UnresolvedReferenceError, identity_of, item_from_api
from mhsync.errors import (
    ApiError,
    MhsyncError,
    OutcomeUnknownError,
    PlanError,
    UnexpectedResponseError,
)
from mhsync.executor.adopt import find_landed_agent, find_landed_item, read_items
from mhsync.executor.bodies import build_body
from mhsync.executor.concurrent import Settler, losing_items, twin_note
from mhsync.executor.context import AgentDirectory, AgentRun, ExecutorClient
from mhsync.executor.progress import Progress
from mhsync.executor.report import ChangeOutcome, ChangeStatus
from mhsync.executor.secrets import SecretBook
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Call, CallKind, Change
from mhsync.sections import SectionDescriptor, api_paths, section
from mhsync.state import AgentState


@dataclass
class Shared:
    """What every worker thread uses; each member is thread-safe."""

    client: ExecutorClient
    directory: AgentDirectory
    secrets: SecretBook
    progress: Progress
    settler: Settler
    check_at_once: frozenset[str] = frozenset()
    """Handles of created agents settled right after their create (other agents of this
    apply point at them); the others are settled once, after every agent has run."""
    stop: threading.Event = field(default_factory=threading.Event)
    """Set when the apply is being interrupted: agents stop before their next change."""
    _requests: int = 0
    _notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count_request(self) -> None:
        with self._lock:
            self._requests += 1

    def note(self, text: str) -> None:
        """Something the user should hear though nothing failed (for the report)."""
        with self._lock:
            self._notes.append(text)

    def notes(self) -> list[str]:
        with self._lock:
            return list(self._notes)

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
    taken: bool = False
    """The server refused the create because a concurrent run had just made the same item."""


ADOPTABLE = frozenset({CallKind.AGENT_CREATE, CallKind.ITEM_CREATE})
"""POSTs whose lost answer can be resolved by a re-read; any other is reported as failed."""


def not_attempted(changes: Iterable[Change], reason: str) -> list[ChangeOutcome]:
    return [ChangeOutcome(c.address, ChangeStatus.NOT_ATTEMPTED, reason) for c in changes]


def _settles_items(change: Change) -> bool:
    """Item creates in sections whose items have an identity can meet a concurrent twin."""
    if change.action is not Action.CREATE or change.section == AGENT_SECTION:
        return False
    return any(c.kind is CallKind.ITEM_CREATE for c in change.calls) and not section(
        change.section
    ).positional


def _maybe_taken(change: Change, call: Call, exc: ApiError) -> bool:
    """A refused item create that a concurrent run's same item may explain: a 409 conflict,
    or a 422 on the identity field itself (an intent key "already taken")."""
    if call.kind is not CallKind.ITEM_CREATE:
        return False
    descriptor = section(change.section)
    if descriptor.positional:
        return False
    return exc.status == CONFLICT or (
        exc.status == UNPROCESSABLE and exc.field is not None and exc.field == descriptor.identity
    )


CONFLICT = 409
UNPROCESSABLE = 422


def _same_batch(change: Change, following: Change) -> bool:
    return following.section == change.section and _settles_items(following)


def _yielded(changes: Iterable[Change], reason: str) -> list[ChangeOutcome]:
    note = f"left to the other run ({reason})"
    return [ChangeOutcome(c.address, ChangeStatus.YIELDED, note) for c in changes]


class AgentRunner:
    def __init__(self, agent_plan: AgentPlan, live: AgentState | None, shared: Shared) -> None:
        self.plan = agent_plan
        self.shared = shared
        self.run_state = AgentRun.start(agent_plan, live)
        self._answer: Mapping[str, Any] | None = None
        """The Agent JSON of the last embedded item create: it shows every item committed
        before ours, so settling that section needs no re-read."""

    def run(self) -> list[ChangeOutcome]:
        outcomes: list[ChangeOutcome] = []
        changes = list(self.plan.changes)
        batch: list[int] = []
        """Indexes (in ``outcomes``) of item creates of one section not yet settled."""
        for index, change in enumerate(changes):
            if self.shared.stop.is_set():
                outcomes.extend(not_attempted(changes[index:], "the apply was interrupted"))
                break
            outcome = self._run_change(change)
            if self._settles_now(change, outcome):
                outcome = self._settle(change, outcome)
            outcomes.append(outcome)
            if _settles_items(change) and outcome.succeeded and outcome.uuid:
                batch.append(len(outcomes) - 1)
            following = changes[index + 1] if index + 1 < len(changes) else None
            stops = outcome.status is ChangeStatus.FAILED
            if batch and (stops or following is None or not _same_batch(change, following)):
                self._settle_items(change, batch, outcomes)
                batch = []
            if outcome.status is ChangeStatus.YIELDED and change.section == AGENT_SECTION:
                rest = changes[index + 1 :]
                outcomes.extend(_yielded(rest, outcome.error or ""))
                self.shared.progress.skipped(len(rest))
                break
            if outcome.status is ChangeStatus.FAILED:
                rest = changes[index + 1 :]
                outcomes.extend(not_attempted(rest, f"{change.address} failed before it"))
                self.shared.progress.skipped(len(rest))
                break
        return outcomes

    def _settle_items(self, last: Change, batch: list[int], outcomes: list[ChangeOutcome]) -> None:
        """One re-read of the section the item creates of ``batch`` went to; each of ours that
        lost to an earlier twin (a concurrent run's) is deleted and the twin used instead."""
        descriptor = section(last.section)
        if self.run_state.uuid is None:
            return
        base = api_paths.agent_path(self.run_state.uuid)
        ours = {}
        for position in batch:
            uuid = outcomes[position].uuid
            if uuid is not None:
                ours[uuid] = position
        refs = self.run_state.references(self.shared.directory)
        try:
            listed = self._listed(descriptor, api_paths.section_path(base, descriptor))
            keys = {}
            for raw in listed:
                item = item_from_api(descriptor, raw, refs)
                uuid = raw.get(descriptor.uuid_field)
                if item is not None and uuid in ours:
                    keys[str(uuid)] = item.key
            known = set(self.run_state.known.get(descriptor.key, frozenset()))
            losers = losing_items(descriptor, listed, keys, known, refs)
        except (MhsyncError, UnresolvedReferenceError) as exc:
            for position in batch:
                done = outcomes[position]
                error = f"created, but the check for a concurrent twin failed: {exc}"
                outcomes[position] = ChangeOutcome(
                    done.address, ChangeStatus.FAILED, error, done.calls_made, done.uuid
                )
            return
        for uuid, kept in sorted(losers.items()):
            position = ours[uuid]
            done = outcomes[position]
            self.shared.count_request()
            try:
                self.shared.client.delete(api_paths.item_path(base, descriptor, uuid))
            except MhsyncError as exc:
                error = f"another run created the same item first ({kept}); deleting ours: {exc}"
                outcomes[position] = ChangeOutcome(
                    done.address, ChangeStatus.FAILED, error, done.calls_made + 1, uuid
                )
                continue
            self.run_state.replace_item(descriptor, uuid, kept, keys[uuid])
            note = f"{done.address}: another run created it at the same time ({kept}): kept"
            self.shared.note(note)
            outcomes[position] = ChangeOutcome(
                done.address, ChangeStatus.YIELDED, note, done.calls_made + 1, kept
            )

    def _listed(self, descriptor: SectionDescriptor, list_path: str) -> list[dict[str, Any]]:
        """The section's live items as of our last create: from its answer when that was the
        whole agent (embedded sections), else one re-read."""
        answer, self._answer = self._answer, None
        embedded = descriptor.embedded_as
        if embedded is not None and answer is not None and isinstance(answer.get(embedded), list):
            return [dict(raw) for raw in answer[embedded] if isinstance(raw, Mapping)]
        self.shared.count_request()
        return read_items(self.shared.client, self.run_state, descriptor, list_path)

    # --- a concurrent run's twin ------------------------------------------------------------

    def _settles_now(self, change: Change, outcome: ChangeOutcome) -> bool:
        return (
            change.section == AGENT_SECTION
            and change.action is Action.CREATE
            and outcome.succeeded
            and outcome.uuid is not None
            and self.plan.handle in self.shared.check_at_once
        )

    def _settle(self, change: Change, outcome: ChangeOutcome) -> ChangeOutcome:
        """Right after the create: does an earlier twin exist? Then ours goes, the twin's
        uuid is what the agents depending on this one will name."""
        assert outcome.uuid is not None
        try:
            settled = self.shared.settler.check({self.plan.handle: (self.plan.name, outcome.uuid)})
        except MhsyncError as exc:
            error = f"created, but the check for a concurrent twin failed: {exc}"
            return ChangeOutcome(change.address, ChangeStatus.FAILED, error, outcome.calls_made)
        if not settled:
            return outcome
        found = settled[0]
        calls = outcome.calls_made + 1 + 1
        if found.error is not None:
            error = twin_note(found.twin, found.error)
            return ChangeOutcome(change.address, ChangeStatus.FAILED, error, calls, outcome.uuid)
        self.shared.directory.register(self.plan.handle, found.twin.kept)
        self.shared.note(twin_note(found.twin))
        return ChangeOutcome(
            change.address, ChangeStatus.YIELDED, twin_note(found.twin), calls, found.twin.kept
        )

    # --- one change --------------------------------------------------------------------------

    def _run_change(self, change: Change) -> ChangeOutcome:
        tally = _Tally()
        sent = _Sent()
        try:
            for call in change.calls:
                result = self._call(change, call, tally)
                sent = _Sent(
                    result.uuid or sent.uuid, result.adopted or sent.adopted, result.taken
                )
        except (MhsyncError, UnresolvedReferenceError) as exc:
            error = self.shared.secrets.scrub(str(exc))
            self.shared.progress.settled(
                "change_failed", change.address, f"{change.action.value} {change.address}: {error}"
            )
            return ChangeOutcome(change.address, ChangeStatus.FAILED, error, tally.calls, sent.uuid)
        status = ChangeStatus.ADOPTED if sent.adopted else ChangeStatus.DONE
        note = " (adopted: it had landed before its answer was lost)" if sent.adopted else ""
        why: str | None = None
        if sent.taken:
            status, note = ChangeStatus.YIELDED, " (another run had just created it: kept)"
            why = f"{change.address}: another run created it at the same time ({sent.uuid}): kept"
            self.shared.note(why)
        self.shared.progress.settled(
            "change_done", change.address, f"{change.action.value} {change.address}{note}"
        )
        return ChangeOutcome(change.address, status, why, tally.calls, sent.uuid)

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
            except ApiError as exc:
                if not _maybe_taken(change, call, exc):
                    raise
                landed = self._find_landed(change, call, path, refs, tally)
                if landed is None:
                    raise
                found = self._learn_created(change, call, landed, adopted=True)
                return _Sent(found.uuid, taken=True)
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
        self._answer = answer if descriptor.embedded_as is not None and not adopted else None
        if descriptor.embedded_as is not None and not adopted:
            new = self.run_state.absorb_agent(answer).get(descriptor.key, set())
            if len(new) == 1:
                return _Sent(next(iter(new)), adopted)
            return _Sent(self._newest_like(change, answer, new), adopted)
        fallback = identity_of(descriptor, dict(change.after or {}))
        return _Sent(self.run_state.absorb_item(descriptor, answer, fallback), adopted)

    def _newest_like(
        self, change: Change, answer: Mapping[str, Any], new: set[str]
    ) -> str | None:
        """Ours, when the answer shows more than one unseen item (a concurrent run added one
        too): the last one with our identity, since the server appends in insertion order."""
        descriptor = section(change.section)
        wanted = identity_of(descriptor, dict(change.after or {}))
        refs = self.run_state.references(self.shared.directory)
        raw_items = answer.get(descriptor.embedded_as or "")
        found = None
        for raw in raw_items if isinstance(raw_items, list) else []:
            uuid = raw.get(descriptor.uuid_field) if isinstance(raw, Mapping) else None
            if uuid not in new:
                continue
            item = item_from_api(descriptor, raw, refs)
            if item is not None and item.key == wanted:
                found = str(uuid)
        return found

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
