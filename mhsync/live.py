"""Reads the live workspace with the fewest requests.

The agent list carries every embedded section, so one paginated walk at ``per_page=100`` gives
all agents; only sections the API keeps apart (intents, webhooks: descriptors without
``embedded_as``) cost one request each per agent in scope, and those run concurrently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Protocol

from mhsync.errors import ListChangedError
from mhsync.sections import COLLECTIONS, api_paths

SEPARATE_SECTIONS = tuple(d for d in COLLECTIONS if d.embedded_as is None)
"""Sections read from their own list endpoint rather than from the agent JSON."""

LIST_PAGE_SIZE = 100
AGENT_IDENTITY = "agent_uuid"
"""The field naming each agent in the list (DOC): an agent seen twice means the pages shifted."""
CONFIRM_READS = 3


class ReadClient(Protocol):
    """The part of ``ApiClient`` the reader needs (so tests can pass a fake)."""

    def paginate(
        self, path: str, per_page: int = ..., *, parallelism: int = ..., identity: str | None = ...
    ) -> Iterable[dict[str, Any]]: ...

    def get_list(self, path: str) -> list[dict[str, Any]]: ...


@dataclass
class RawAgent:
    """One live agent as the API returned it, plus its separately read sections."""

    data: dict[str, Any]
    separate: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def uuid(self) -> str:
        return str(self.data.get("agent_uuid") or "")

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")


def list_agents(client: ReadClient, *, parallelism: int = 1) -> list[RawAgent]:
    """Every live agent, embedded sections included, in the API's order.

    The client reads the list again when it moved while it was read (``mhsync.client.pages``).
    With ``parallelism`` above 1, pages after the first are read concurrently.
    """
    pages = client.paginate(
        api_paths.AGENTS,
        per_page=LIST_PAGE_SIZE,
        parallelism=parallelism,
        identity=AGENT_IDENTITY,
    )
    return [RawAgent(dict(a)) for a in pages]


def confirm_agents(
    client: ReadClient, first: list[RawAgent], *, parallelism: int = 1
) -> list[RawAgent]:
    """The agent list read again until two reads in a row name the same agents.

    Called before anything would be created: without paging meta, an agent deleted in the
    dashboard while the pages were read shifts a later agent onto a page already read, and
    that agent, missed, would be created a second time. A second read after the first sees
    it; reads that disagree are repeated (``CONFIRM_READS``), then ``ListChangedError``.
    """
    previous = first
    for _ in range(CONFIRM_READS):
        current = list_agents(client, parallelism=parallelism)
        if {a.uuid for a in current} == {a.uuid for a in previous}:
            return current
        previous = current
    raise ListChangedError(
        f"the agent list differed on each of {CONFIRM_READS + 1} reads; nothing will be "
        "created from it: run again when the workspace is quiet",
        method="GET",
        path=api_paths.AGENTS,
    )


def read_separate_sections(
    client: ReadClient,
    agents: Iterable[RawAgent],
    *,
    parallelism: int = 8,
    on_agent: Callable[[RawAgent], None] | None = None,
) -> None:
    """Fill ``RawAgent.separate`` for each agent, one request per section, concurrently.

    ``on_agent(agent)`` is called in the calling thread as soon as all of an agent's sections
    are in, while other requests are still in flight: turning agents into canonical state
    there overlaps that CPU work with network waits instead of running it after them.
    """
    agents = list(agents)
    jobs = [
        (agent, d.key, api_paths.section_path(api_paths.agent_path(agent.uuid), d))
        for agent in agents
        for d in SEPARATE_SECTIONS
    ]
    if not jobs:
        for agent in agents:
            if on_agent is not None:
                on_agent(agent)
        return
    waiting = {id(agent): len(SEPARATE_SECTIONS) for agent in agents}
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(jobs)))) as pool:
        futures = {pool.submit(client.get_list, path): (agent, key) for agent, key, path in jobs}
        for future in as_completed(futures):
            agent, key = futures[future]
            agent.separate[key] = [dict(i) for i in future.result()]
            waiting[id(agent)] -= 1
            if waiting[id(agent)] == 0 and on_agent is not None:
                on_agent(agent)


def index_by_uuid(agents: Iterable[RawAgent]) -> Mapping[str, RawAgent]:
    return {a.uuid: a for a in agents if a.uuid}
