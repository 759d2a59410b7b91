"""Concurrent creations: when two runs create the same agent, the later creation is undone.

The API has no locks, ETags or unique names, so two applies of the same new manifest (a CI job
and a laptop, two pipelines) both plan "create" and both create. Without server support the
runs settle it themselves, and agree without talking to each other:

- after creating an agent, a run re-reads the agent list and looks for *twins*: live agents
  with the same name that it did not know when it planned (so they were created since);
- of ours and its twins, the earliest creation wins: the smallest server ``created_at``, then
  the smallest uuid. Both runs read the same values, so both pick the same winner;
- only the creator of a losing copy deletes it, and it deletes only its own copy. A winner
  never waits and never deletes, so a run that lost nothing behaves exactly as before.

The later of two creations always sees the earlier one when it re-reads (the earlier was
committed before the later was made), which is why checking once after one's own create is
enough. The limits (a server whose ``created_at`` order differs from its commit order, a list
that skips an agent while another run deletes one) are in docs/operations.md.

When the re-read happens: right after the create for an agent other agents of the same apply
point at (their rules must name the copy that stays), otherwise once for all created agents
after every agent has run (one list read instead of one per agent).

Items of sections with an identity (intents by key, webhooks by url, procedures and guard rules
by name, ...) are settled the same way, per agent and section: after the last create of a run
of creates in one section, one re-read of that section (a run that planned against an agent
another run was still filling creates the same items). Positional sections (guidelines, notes)
may hold equal texts on purpose and are not settled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mhsync.convert import References, item_from_api
from mhsync.errors import MhsyncError
from mhsync.executor.adopt import AGENT_LIST_PAGE
from mhsync.executor.context import ExecutorClient
from mhsync.sections import SectionDescriptor, api_paths

CREATED_AT = "created_at"
"""Server timestamp of an object's creation (CONTRACT 1, DOC)."""
AGENT_UUID = "agent_uuid"
_LAST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Twin:
    """This run's copy of an agent lost to an earlier creation of the same name."""

    handle: str
    name: str
    ours: str
    """The uuid this run created (deleted by this run)."""
    kept: str
    """The uuid of the earlier creation, which stays."""


def _created(raw: Mapping[str, Any]) -> datetime:
    """``created_at`` as a time; unreadable or absent: the latest possible."""
    stamp = raw.get(CREATED_AT)
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return _LAST
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return _LAST


def creation_rank(raw: Mapping[str, Any]) -> tuple[datetime, str]:
    """Sort key of agents: earlier ``created_at`` first, then smaller uuid."""
    return _created(raw), str(raw.get(AGENT_UUID) or "")


def earlier_twin(
    roster: Iterable[Mapping[str, Any]], name: str, ours: str, known: set[str]
) -> Mapping[str, Any] | None:
    """The agent that beats ours (``ours`` is its uuid), or None when ours stays.

    Candidates are the live agents named ``name`` that were not known at plan time (``known``
    holds those uuids); ours is one of them. When ours is no longer listed there is nothing to
    settle.
    """
    candidates = [
        raw
        for raw in roster
        if raw.get("name") == name
        and (raw.get(AGENT_UUID) == ours or raw.get(AGENT_UUID) not in known)
    ]
    if not any(raw.get(AGENT_UUID) == ours for raw in candidates):
        return None
    winner = min(candidates, key=creation_rank)
    return None if winner.get(AGENT_UUID) == ours else winner


def read_roster(client: ExecutorClient) -> list[dict[str, Any]]:
    """Every live agent (one paginated read)."""
    return [dict(raw) for raw in client.paginate(api_paths.AGENTS, per_page=AGENT_LIST_PAGE)]


def find_twins(
    roster: list[dict[str, Any]], created: Mapping[str, tuple[str, str]], known: set[str]
) -> list[Twin]:
    """Each created agent (handle -> (name, uuid)) that lost to an earlier twin."""
    twins = []
    for handle, (name, ours) in sorted(created.items()):
        winner = earlier_twin(roster, name, ours, known)
        if winner is not None:
            twins.append(Twin(handle, name, ours, str(winner.get(AGENT_UUID))))
    return twins


def losing_items(
    descriptor: SectionDescriptor,
    listed: list[dict[str, Any]],
    ours: Mapping[str, str],
    known: set[str],
    refs: References,
) -> dict[str, str]:
    """Items this run created (uuid -> identity) that lost to an earlier twin: ours -> kept.

    Twins share the identity and were unknown at plan time. Items rank by ``created_at``
    (intents, webhooks), then by their place in the list (the server keeps other sections in
    insertion order), then by uuid.
    """
    ranked: dict[str, list[tuple[tuple[datetime, int, str], str]]] = {}
    for position, raw in enumerate(listed):
        uuid = str(raw.get(descriptor.uuid_field) or "")
        if not uuid or (uuid in known and uuid not in ours):
            continue
        item = item_from_api(descriptor, raw, refs)
        if item is None:
            continue
        ranked.setdefault(item.key, []).append(((_created(raw), position, uuid), uuid))
    losers = {}
    for uuid, key in ours.items():
        contenders = ranked.get(key, [])
        if not any(candidate == uuid for _, candidate in contenders):
            continue
        winner = min(contenders)[1]
        if winner != uuid:
            losers[uuid] = winner
    return losers


def twin_note(twin: Twin, error: str | None = None) -> str:
    """What happened, for the report; ``error``: deleting this run's copy failed."""
    fate = "was deleted" if error is None else f"could not be deleted ({error})"
    return (
        f"another run created agent {twin.name!r} at the same time (uuid {twin.kept}, "
        f"created first); that one is kept and this run's copy ({twin.ours}) {fate}"
    )


@dataclass(frozen=True)
class Settled:
    """A twin found by a check, and whether deleting this run's copy failed (the error)."""

    twin: Twin
    error: str | None = None


class Settler:
    """Runs the checks of one apply: re-read, find twins, delete this run's losing copies.

    ``known`` are the uuids of the agents live when the plan was made; ``count_request`` is
    called once per request sent (the executor's tally). Thread-safe: it keeps no state.
    """

    def __init__(
        self, client: ExecutorClient, known: set[str], count_request: Callable[[], None]
    ) -> None:
        self._client = client
        self._known = frozenset(known)
        self._count = count_request

    def check(self, created: Mapping[str, tuple[str, str]]) -> list[Settled]:
        """Settle ``created`` (handle -> (name, uuid)); raises only when the re-read fails."""
        if not created:
            return []
        self._count()
        twins = find_twins(read_roster(self._client), created, set(self._known))
        settled = []
        for twin in twins:
            self._count()
            try:
                self._client.delete(api_paths.agent_path(twin.ours))
            except MhsyncError as exc:
                settled.append(Settled(twin, str(exc)))
                continue
            settled.append(Settled(twin))
        return settled
