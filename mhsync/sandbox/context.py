"""What a resource function gets for one request, and small helpers every resource needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import stamp
from .store import Doc, Tx
from .wire import not_found


@dataclass
class Ctx:
    """One request after auth and routing: open transaction, path params, query and JSON body."""

    tx: Tx
    params: dict[str, str]
    query: dict[str, list[str]] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    def agent(self) -> Doc:
        """The agent named in the path, or 404: soft-deleted agents and their children vanish."""
        doc = self.tx.load_agent(self.params["agent"])
        if doc is None:
            raise not_found("Agent")
        return doc


class AgentRefs:
    """Referential checks for one agent: live agents of the workspace, intents of this agent."""

    def __init__(self, tx: Tx, agent: Doc) -> None:
        self._tx = tx
        self._agent = agent

    def agent_is_live(self, agent_uuid: str) -> bool:
        return self._tx.agent_is_live(agent_uuid)

    def intent_exists(self, intent_uuid: str) -> bool:
        return any(intent["intent_uuid"] == intent_uuid for intent in self._agent["_intents"])


def touch(agent: Doc) -> str:
    """Mark the agent written; every write to it or to anything under it must move updated_at."""
    agent["updated_at"] = stamp(agent["updated_at"])
    return str(agent["updated_at"])


def seq_counter(agent: Doc) -> Callable[[], int]:
    """A callable handing out the agent's next insertion number for section items."""

    def next_seq() -> int:
        agent["_seq"] = int(agent.get("_seq", 0)) + 1
        return int(agent["_seq"])

    return next_seq
