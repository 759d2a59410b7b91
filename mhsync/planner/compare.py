"""Two live workspaces side by side: every field and item that differs, agent by agent.

Pure, like the planner, and built from its pieces: both sides are canonical ``WorkspaceState``
values (the form ``plan`` compares), items pair with ``match_items`` and fields differ by
``field_changes``, with ``metadata.ignore`` paths dropped from both sides first. Agents are
paired by handle: the caller reads each workspace through its own target's manifests (per-target
pin, else name), so one handle means one agent in both; live agents no manifest describes carry
the handle derived from their name.

Whether the manifests explain a difference (``Explanation``): each workspace is planned against
its own target's rendering of the manifests. A difference is **expected** when neither plan
touches that place (each workspace reads exactly as its manifests say there) and both manifests
manage it: then the two desired states differ there, by a per-target ``vars`` value or a
target-limited fragment. Anything else - a place one workspace has drifted at, or that no
manifest manages - is **unexpected**. Without manifests every difference is unexpected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mhsync.fieldpath import FieldPath
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Change, Plan
from mhsync.planner.api_calls import agent_address, item_address, section_address
from mhsync.planner.diff import field_changes
from mhsync.planner.ignore import IgnoreRules, drop
from mhsync.planner.matching_items import match_items
from mhsync.sections import SECTIONS, SectionDescriptor
from mhsync.state import AgentState, WorkspaceState, get_path


@dataclass(frozen=True)
class Difference:
    """One place that differs. ``path`` is a field path inside the object or item, or None when
    the whole item (or agent) exists on one side only; ``a``/``b`` are canonical values (a
    secret is only ever the marker), None where a side has nothing."""

    address: str
    section: str
    path: str | None
    a: Any
    b: Any
    expected: bool


@dataclass(frozen=True)
class AgentComparison:
    handle: str
    name: str
    in_a: bool
    in_b: bool
    differences: tuple[Difference, ...] = ()

    @property
    def unexpected(self) -> int:
        return sum(1 for d in self.differences if not d.expected)


@dataclass(frozen=True)
class Comparison:
    """``a``/``b`` name the two workspaces; ``explained``: manifests told expected from not."""

    a: str
    b: str
    explained: bool
    agents: tuple[AgentComparison, ...]
    identical: tuple[str, ...] = ()
    """Handles of agents that read the same in both workspaces."""
    warnings: tuple[str, ...] = ()

    @property
    def differences(self) -> list[Difference]:
        return [d for agent in self.agents for d in agent.differences]

    @property
    def unexpected(self) -> int:
        return sum(1 for d in self.differences if not d.expected)

    @property
    def expected(self) -> int:
        return sum(1 for d in self.differences if d.expected)


@dataclass(frozen=True)
class Explanation:
    """Each workspace's manifests (rendered for its target) and its plan against them."""

    desired_a: WorkspaceState
    desired_b: WorkspaceState
    plan_a: Plan
    plan_b: Plan
    _by_handle: dict[str, tuple[AgentPlan | None, AgentPlan | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        a = {agent.handle: agent for agent in self.plan_a.agents}
        b = {agent.handle: agent for agent in self.plan_b.agents}
        for handle in {*a, *b}:
            self._by_handle[handle] = (a.get(handle), b.get(handle))

    def explains(
        self, handle: str, descriptor: SectionDescriptor, key: str | None, path: str | None
    ) -> bool:
        if handle not in self.desired_a.agents or handle not in self.desired_b.agents:
            return False
        if not all(
            _manages(desired.agents[handle], descriptor, path)
            for desired in (self.desired_a, self.desired_b)
        ):
            return False
        plans = self._by_handle.get(handle, (None, None))
        return not any(
            _touches(change, descriptor, key, path)
            for agent in plans
            if agent is not None
            for change in agent.changes
        )

    def explains_agent(self, handle: str, in_a: bool, in_b: bool) -> bool:
        """An agent on one side only: the manifests of exactly that side describe it."""
        return (handle in self.desired_a.agents) == in_a and (
            handle in self.desired_b.agents
        ) == in_b


def compare_workspaces(
    live_a: WorkspaceState,
    live_b: WorkspaceState,
    *,
    a: str,
    b: str,
    explanation: Explanation | None = None,
    ignore: Mapping[str, Iterable[str]] | None = None,
) -> Comparison:
    """Every difference between ``live_a`` and ``live_b``, agent by agent (sorted by handle).

    ``ignore`` maps handles to ``metadata.ignore`` paths, left out on both sides."""
    agents: list[AgentComparison] = []
    identical: list[str] = []
    for handle in sorted({*live_a.agents, *live_b.agents}):
        one, other = live_a.agents.get(handle), live_b.agents.get(handle)
        if one is None or other is None:
            present = one or other
            assert present is not None
            expected = explanation is not None and explanation.explains_agent(
                handle, one is not None, other is not None
            )
            whole = Difference(
                agent_address(handle), AGENT_SECTION, None,
                present.name if one is not None else None,
                present.name if other is not None else None,
                expected,
            )
            agents.append(
                AgentComparison(handle, present.name, one is not None, other is not None, (whole,))
            )
            continue
        rules = IgnoreRules.parse((ignore or {}).get(handle, ()))
        found = tuple(_agent_differences(handle, one, other, rules, explanation))
        if found:
            agents.append(AgentComparison(handle, one.name, True, True, found))
        else:
            identical.append(handle)
    return Comparison(a, b, explanation is not None, tuple(agents), tuple(identical))


def _agent_differences(
    handle: str,
    a: AgentState,
    b: AgentState,
    rules: IgnoreRules,
    explanation: Explanation | None,
) -> Iterable[Difference]:
    def verdict(descriptor: SectionDescriptor, key: str | None, path: str | None) -> bool:
        return explanation is not None and explanation.explains(handle, descriptor, key, path)

    for descriptor in SECTIONS:
        if rules.skips(descriptor.key):
            continue
        ignored = rules.fields(descriptor.key)
        if descriptor.kind == "object":
            address = section_address(handle, descriptor.key)
            left = drop(a.objects.get(descriptor.key, {}), ignored)
            right = drop(b.objects.get(descriptor.key, {}), ignored)
            for change in field_changes(left, right):
                yield Difference(
                    address, descriptor.key, change.path, change.before, change.after,
                    verdict(descriptor, None, change.path),
                )
            continue
        left_items = a.collections.get(descriptor.key, [])
        right_items = b.collections.get(descriptor.key, [])
        matching = match_items(descriptor, left_items, right_items)
        for pair in matching.pairs:
            key = None if descriptor.positional else pair.desired.key
            address = item_address(handle, descriptor, pair.desired.key, pair.desired_index)
            left = drop(pair.desired.fields, ignored)
            right = drop(pair.live.fields, ignored)
            for change in field_changes(left, right):
                yield Difference(
                    address, descriptor.key, change.path, change.before, change.after,
                    verdict(descriptor, key, change.path),
                )
        for index, item in matching.creates:
            yield Difference(
                item_address(handle, descriptor, item.key, index), descriptor.key, None,
                item.fields, None, verdict(descriptor, _key(descriptor, item.key), None),
            )
        for index, item in matching.deletes:
            yield Difference(
                item_address(handle, descriptor, item.key, index), descriptor.key, None,
                None, item.fields, verdict(descriptor, _key(descriptor, item.key), None),
            )


def _key(descriptor: SectionDescriptor, key: str) -> str | None:
    return None if descriptor.positional else key


def _manages(agent: AgentState, descriptor: SectionDescriptor, path: str | None) -> bool:
    """Whether ``agent``'s manifest says what ``path`` of this section must be."""
    if descriptor.kind == "collection":
        return descriptor.key in agent.collections
    fields = agent.objects.get(descriptor.key)
    if fields is None:
        return False
    if path is None:
        return True
    top = FieldPath(path).head
    if descriptor.partial or top in descriptor.compare_only_when_set:
        return get_path(fields, path) is not None or get_path(fields, top) is not None
    return True


def _touches(
    change: Change, descriptor: SectionDescriptor, key: str | None, path: str | None
) -> bool:
    """Whether a plan's change writes the place (section, item ``key``, field ``path``)."""
    if change.section == AGENT_SECTION:
        return True
    if change.section != descriptor.key:
        return False
    if change.action is Action.REPLACE or descriptor.positional:
        return True  # positional items have no stable key across workspaces: the whole section
    if descriptor.kind == "collection" and change.key != key:
        return False
    if change.action is not Action.UPDATE or path is None:
        return True
    place = FieldPath(path)
    return any(f.path.is_inside(place) or place.is_inside(f.path) for f in change.fields)
