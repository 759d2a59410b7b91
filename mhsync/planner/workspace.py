"""``plan(desired, live)``: the whole workspace, with the safety rails for deletes.

Pure and deterministic: no I/O, no clock, no randomness; the same two states always give the
same plan. Agents arrive matched (a live agent paired with a desired one carries its handle);
live agents under other handles are prune candidates, deleted only with ``prune``.

Planning is split in two so that a caller reading the workspace can plan each agent as soon as
its live state is in (issue 16: the reads wait on the network, the planning needs the CPU):

- ``PlanSetup(desired, live_handles, options)`` holds what the per-agent step reads across
  agents, all of it known before any per-agent read: which desired agents are new (an agent's
  ``depends_on`` names the new agents it points to) and the options. ``setup.agent(handle,
  live)`` plans one agent (update, create, or a prune candidate's delete): the diff, the
  fingerprint, dangling-reference warnings and fragment marks. It writes nothing shared, so
  it may run in any thread while other agents are read.
- ``setup.finish(live, outcomes, target=...)`` is the workspace-wide part: agents without an
  outcome are planned there (new agents have no reads to wait for), then the prune decisions,
  possible renames, execution order across agents, ``--max-deletes`` and the ignore summary.

``plan()`` is exactly ``setup.finish(live, {})``: one code path, planned with or without overlap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from mhsync.errors import PlanError
from mhsync.plan import AgentPlan, Plan, Summary
from mhsync.planner.agents import plan_delete, plan_existing, plan_new
from mhsync.planner.options import PlanOptions
from mhsync.planner.ordering import order_agents
from mhsync.planner.provenance import annotate_agent
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
    return PlanSetup(desired, live.agents, options).finish(live, {}, target=target)


@dataclass(frozen=True)
class AgentOutcome:
    """One agent's part of a plan, made by ``PlanSetup.agent`` from ``desired`` and ``live``.

    ``plan`` is None for a live-only agent when the plan does not prune. A ``PlanError`` is
    kept in ``error`` rather than raised, so that ``finish`` raises the same error a plan made
    in one go would (the first agent's in handle order, after everything read before it).
    """

    desired: AgentState | None
    live: AgentState | None
    plan: AgentPlan | None = None
    warnings: tuple[str, ...] = ()
    error: PlanError | None = None
    refers_to: frozenset[str] = frozenset()
    """``agent_refs`` of the desired agent: every other agent it points to, new or not."""


class PlanSetup:
    """What the per-agent step needs of the whole workspace, fixed before any agent is planned."""

    def __init__(
        self,
        desired: WorkspaceState,
        live_handles: Collection[str],
        options: PlanOptions = _DEFAULT_OPTIONS,
    ) -> None:
        self.desired = desired
        self.options = options
        self.new = frozenset(h for h in desired.agents if h not in live_handles)

    def agent(self, handle: str, live: AgentState | None) -> AgentOutcome:
        """Plan one agent against its live state (None: a new agent). Pure: safe in any thread."""
        desired = self.desired.agents.get(handle)
        if desired is None:
            assert live is not None, f"agent[{handle}] is neither desired nor live"
            try:
                return AgentOutcome(None, live, plan_delete(live) if self.options.prune else None)
            except PlanError as error:
                return AgentOutcome(None, live, error=error)
        refs = frozenset(agent_refs(desired))
        try:
            depends_on = tuple(sorted(refs & self.new))
            if handle in self.new:
                made = plan_new(desired, depends_on)
                warnings: list[str] = []
            else:
                assert live is not None, f"agent[{handle}] has a live twin but none was given"
                made = plan_existing(
                    desired, live, depends_on, resend_secrets=self.options.resend_secrets
                )
                warnings = dangling_after(made, desired, live)
        except PlanError as error:
            return AgentOutcome(desired, live, error=error, refers_to=refs)
        made = annotate_agent(made, desired)
        return AgentOutcome(desired, live, made, tuple(warnings), refers_to=refs)

    def finish(
        self,
        live: WorkspaceState,
        outcomes: Mapping[str, AgentOutcome],
        *,
        target: str,
    ) -> Plan:
        """The plan of ``self.desired`` against ``live``, from the per-agent ``outcomes`` made
        with this setup (by handle; any agent missing is planned here)."""
        desired = self.desired
        if self.new != PlanSetup(desired, live.agents).new:
            raise ValueError("the live side is not the one this plan was set up for")
        planned: list[AgentPlan] = []
        warnings: list[str] = []
        for handle in sorted(desired.agents):
            outcome = self._outcome(handle, live, outcomes)
            if outcome.error is not None:
                raise outcome.error
            assert outcome.plan is not None
            planned.append(outcome.plan)
            warnings.extend(outcome.warnings)
        deletes, prune_warnings = self._prune(live, outcomes)
        prune_warnings += self._renames(live, deletes)
        agents = order_agents(planned) + deletes
        _check_max_deletes(agents, self.options)
        return Plan(
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

    def _outcome(
        self, handle: str, live: WorkspaceState, outcomes: Mapping[str, AgentOutcome]
    ) -> AgentOutcome:
        """The given outcome, checked to be of these very states; planned here if missing."""
        twin = live.agents.get(handle)
        outcome = outcomes.get(handle)
        if outcome is None:
            return self.agent(handle, twin)
        if outcome.live is not twin or outcome.desired is not self.desired.agents.get(handle):
            raise ValueError(f"agent[{handle}] was planned against other states")
        return outcome

    def _prune(
        self, live: WorkspaceState, outcomes: Mapping[str, AgentOutcome]
    ) -> tuple[tuple[AgentPlan, ...], tuple[str, ...]]:
        desired, options = self.desired, self.options
        candidates = [h for h in sorted(live.agents) if h not in desired.agents]
        if not options.prune or not candidates:
            return (), ()
        if not desired.agents and not options.named_scope:
            raise PlanError(
                "refusing to prune: no manifests loaded (every live agent would be deleted)"
            )
        deletes: list[AgentPlan] = []
        warnings: list[str] = []
        for handle in candidates:
            agent = live.agents[handle]
            if _protected(agent, options):
                warnings.append(f"agent[{agent.handle}] is protected; it is not deleted")
                continue
            outcome = self._outcome(handle, live, outcomes)
            if outcome.error is not None:
                raise outcome.error
            assert outcome.plan is not None
            deletes.append(outcome.plan)
        return tuple(deletes), tuple(warnings)

    def _renames(self, live: WorkspaceState, deletes: tuple[AgentPlan, ...]) -> tuple[str, ...]:
        """Warn of every create + delete pair that may be a rename; refuse the unconfirmed ones
        whose new side is protected."""
        options = self.options
        pairs = rename_pairs(
            (self.desired.agents[h] for h in sorted(self.new)),
            (live.agents[d.handle] for d in deletes),
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
