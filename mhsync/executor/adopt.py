"""After a POST got no answer: did it land? Re-read the target and look for what it made.

The client never retries a POST whose answer was lost (it may have been applied). The executor
re-reads instead. An item counts as landed when the re-read shows one with the same identity
(positional sections: the same content) that was not there before, meaning its uuid is not one
this agent has seen; an agent counts as landed when exactly one unknown agent has its name. A
miss means the POST never took effect, so sending it once more cannot duplicate anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mhsync.convert import References, identity_of, item_from_api
from mhsync.errors import MhsyncError
from mhsync.executor.context import AgentRun, ExecutorClient
from mhsync.sections import CORE, SectionDescriptor, api_paths

AGENT_LIST_PAGE = 100


class AdoptionError(MhsyncError):
    """A lost answer left more than one candidate: mhsync will not guess which one it made."""


def find_landed_agent(
    client: ExecutorClient, after: Mapping[str, Any], known_uuids: set[str]
) -> dict[str, Any] | None:
    """The agent a lost ``POST /agents`` created, if it did: matched by name among unknowns."""
    name = (after.get(CORE.key) or {}).get("name")
    candidates = [
        raw
        for raw in client.paginate(api_paths.AGENTS, per_page=AGENT_LIST_PAGE)
        if raw.get("name") == name and raw.get("agent_uuid") not in known_uuids
    ]
    if len(candidates) > 1:
        raise AdoptionError(
            f"POST /agents got no answer and {len(candidates)} unknown agents named {name!r} "
            "now exist; keep one (pin it with metadata.uuid), delete the others, apply again"
        )
    return candidates[0] if candidates else None


def find_landed_item(
    client: ExecutorClient,
    run: AgentRun,
    descriptor: SectionDescriptor,
    after: Mapping[str, Any],
    refs: References,
    list_path: str,
) -> dict[str, Any] | None:
    """The item a lost ``POST`` of one item created, if it did.

    Embedded sections are read from ``GET /agents/{uuid}``, the others from their list
    endpoint (``list_path``, the path the POST went to). With several unseen matches (a
    positional section holding equal texts), the first is taken: any one of them is the item.
    """
    wanted = identity_of(descriptor, dict(after))
    seen = run.seen.get(descriptor.key, set())
    for raw in read_items(client, run, descriptor, list_path):
        uuid = raw.get(descriptor.uuid_field)
        if not uuid or uuid in seen:
            continue
        item = item_from_api(descriptor, raw, refs)
        if item is not None and item.key == wanted:
            return raw
    return None


def read_items(
    client: ExecutorClient, run: AgentRun, descriptor: SectionDescriptor, list_path: str
) -> list[dict[str, Any]]:
    """The live items of one section of ``run``'s agent, in the server's order."""
    if descriptor.embedded_as is None:
        return [dict(raw) for raw in client.get_list(list_path)]
    agent = client.get(api_paths.agent_path(str(run.uuid)))
    raw_items = agent.get(descriptor.embedded_as) if isinstance(agent, Mapping) else None
    return [dict(raw) for raw in raw_items or [] if isinstance(raw, Mapping)]
