"""The agent a section planner works on: both sides, how to address it, what to ignore."""

from __future__ import annotations

from dataclasses import dataclass, field

from mhsync.planner import api_calls
from mhsync.planner.ignore import IgnoreRules
from mhsync.state import AgentState


@dataclass(frozen=True)
class AgentScope:
    """``live`` is an empty agent when ``new``: a new agent's sections plan as "all creates"."""

    desired: AgentState
    live: AgentState
    new: bool = False
    ignore: IgnoreRules = field(default_factory=IgnoreRules)
    resend_secrets: bool = False
    """Send every secret of a matched item again (``PlanOptions.resend_secrets``)."""

    @property
    def handle(self) -> str:
        return self.desired.handle

    @property
    def base_path(self) -> str:
        """``/agents/{uuid}``, or a new agent's placeholder; computed when a call needs it."""
        return api_calls.agent_path(self.handle, self.live.uuid, new=self.new)
