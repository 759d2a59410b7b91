"""``plan(desired, live)``: the whole workspace, with the safety rails for deletes.

Pure and deterministic: no I/O, no clock, no randomness; the same two states always give the
same plan. Agents arrive matched (a live agent paired with a desired one carries its handle);
live agents under other handles are prune candidates, deleted only with ``prune``.
"""

from __future__ import annotations

from mhsync.errors import PlanError
from mhsync.plan import AgentPlan, Plan, Summary
from mhsync.planner.agents import plan_delete, plan_existing, plan_new
from mhsync.planner.options import PlanOptions
from mhsync.planner.ordering import order_agents
from mhsync.planner.provenance import annotate
from mhsync.planner.refs import agent_refs, dangling_after
from mhsync.planner.renames import rename_pairs
from mhsync.sections import SECTIONS
from mhsync.state import AgentState, WorkspaceState

_DEFAULT_OPTIONS = PlanOptions()


def plan(
    desired: WorkspaceState,
    live: WorkspaceState,
    *,
    target: str,
    options: PlanOptions = _DEFAULT_OPTIONS,
) -> Plan:
    """Every change that makes ``live`` read like ``desired``, in execution order."""
    new = frozenset(h for h in desired.agents if h not in live.agents)
    planned = []
    warnings: list[str] = []
    for handle in sorted(desired.agents):
        agent = desired.agents[handle]
        depends_on = tuple(sorted(agent_refs(agent) & new))
        if handle in new:
            planned.append(plan_new(agent, depends_on))
        else:
            planned.append(
                plan_existing(
                    agent, live.agents[handle], depends_on, resend_secrets=options.resend_secrets
                )
            )
            warnings.extend(dangling_after(planned[-1], agent, live.agents[handle]))
    deletes, prune_warnings = _prune(desired, live, options)
    prune_warnings += _renames(desired, live, new, deletes, options)
    agents = order_agents(planned) + deletes
    _check_max_deletes(agents, options)
    planned_all = Plan(
        target=target,
        agents=agents,
        ignored={
            handle: tuple(sorted(set(agent.ignore)))
            for handle, agent in sorted(desired.agents.items())
            if agent.ignore
        },
        warnings=(*warnings, *prune_warnings),
        fingerprinted=tuple(sorted(d.key for d in SECTIONS)),
    )
    return annotate(planned_all, desired)


def _prune(
    desired: WorkspaceState, live: WorkspaceState, options: PlanOptions
) -> tuple[tuple[AgentPlan, ...], tuple[str, ...]]:
    candidates = [live.agents[h] for h in sorted(live.agents) if h not in desired.agents]
    if not options.prune or not candidates:
        return (), ()
    if not desired.agents and not options.named_scope:
        raise PlanError(
            "refusing to prune: no manifests loaded (every live agent would be deleted)"
        )
    deletes: list[AgentPlan] = []
    warnings: list[str] = []
    for agent in candidates:
        if _protected(agent, options):
            warnings.append(f"agent[{agent.handle}] is protected; it is not deleted")
        else:
            deletes.append(plan_delete(agent))
    return tuple(deletes), tuple(warnings)


def _renames(
    desired: WorkspaceState,
    live: WorkspaceState,
    new: frozenset[str],
    deletes: tuple[AgentPlan, ...],
    options: PlanOptions,
) -> tuple[str, ...]:
    """Warn of every create + delete pair that may be a rename; refuse the unconfirmed ones
    whose new side is protected."""
    pairs = rename_pairs(
        (desired.agents[h] for h in sorted(new)), (live.agents[d.handle] for d in deletes)
    )
    refused = [
        pair
        for pair in pairs
        if _protected(pair.created, options)
        and not {pair.deleted.handle, pair.deleted.uuid} & options.confirmed_deletes
    ]
    if refused:
        raise PlanError(
            "refusing to prune: "
            + "; ".join(
                f"{pair.message()}. agent[{pair.created.handle}] is protected: confirm the "
                f"delete with --confirm-delete {pair.deleted.handle}"
                for pair in refused
            )
        )
    return tuple(pair.message() for pair in pairs)


def _protected(agent: AgentState, options: PlanOptions) -> bool:
    return agent.protected or bool({agent.handle, agent.uuid} & options.protected)


def _check_max_deletes(agents: tuple[AgentPlan, ...], options: PlanOptions) -> None:
    if options.max_deletes is None:
        return
    count = Summary.of(c for a in agents for c in a.changes).delete
    if count > options.max_deletes:
        raise PlanError(
            f"the plan deletes {count} objects, more than --max-deletes {options.max_deletes}; "
            "raise the limit if this is intended"
        )
