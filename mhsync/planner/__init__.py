"""The planner: ``plan(desired, live)`` -> ``Plan``, pure and deterministic.

Module map: ``workspace`` (the entry point, prune and delete limits; ``PlanSetup`` splits a plan
into a per-agent step and a workspace-wide finish), ``agents`` (one agent), ``object_sections``
and ``collection_sections`` (one section; the cost rule lives in the latter), ``matching_items``
(pairing items), ``ordering`` (execution order, agent dependencies), ``api_calls`` (addresses,
methods, paths), ``ignore``, ``diff``, ``refs``, ``sensitive``.
"""

from mhsync.planner.options import PlanOptions
from mhsync.planner.workspace import AgentOutcome, PlanSetup, plan

__all__ = ["AgentOutcome", "PlanOptions", "PlanSetup", "plan"]
