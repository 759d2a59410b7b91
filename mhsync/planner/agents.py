"""Plans one agent: a new one (create), a matched one (update), or a pruned one (delete)."""

from __future__ import annotations

from typing import Any

from mhsync.fieldpath import FieldPath
from mhsync.plan import AGENT_SECTION, Action, AgentPlan, Change
from mhsync.planner import api_calls
from mhsync.planner.collection_sections import plan_collection
from mhsync.planner.ignore import IgnoreRules
from mhsync.planner.object_sections import plan_object
from mhsync.planner.ordering import order_changes
from mhsync.planner.refs import resolvable_at_create
from mhsync.planner.scope import AgentScope
from mhsync.planner.sensitive import list_sensitive, prefixed, prefixed_map, sensitive_paths
from mhsync.sections import CORE, SectionDescriptor
from mhsync.state import AgentState, fingerprint


def plan_section(scope: AgentScope, descriptor: SectionDescriptor) -> list[Change]:
    if descriptor.kind == "object":
        return plan_object(scope, descriptor)
    return plan_collection(scope, descriptor)


def plan_existing(
    desired: AgentState,
    live: AgentState,
    depends_on: tuple[str, ...],
    *,
    resend_secrets: bool = False,
) -> AgentPlan:
    scope = AgentScope(
        desired, live, ignore=IgnoreRules.parse(desired.ignore), resend_secrets=resend_secrets
    )
    changes = [
        change
        for descriptor in desired.managed_sections()
        if not scope.ignore.skips(descriptor.key)
        for change in plan_section(scope, descriptor)
    ]
    return AgentPlan(
        handle=desired.handle,
        name=desired.name,
        uuid=live.uuid,
        action=Action.UPDATE if changes else None,
        fingerprint=fingerprint(live),
        depends_on=depends_on,
        changes=order_changes(changes),
    )


def plan_new(desired: AgentState, depends_on: tuple[str, ...]) -> AgentPlan:
    """``agent.create`` carrying what it can, then the other sections against an empty agent.

    Ignore rules do not apply: a new agent is created as the manifest says.
    """
    empty = AgentState(handle=desired.handle, uuid=None, objects={}, collections={})
    scope = AgentScope(desired, empty, new=True)
    managed = desired.managed_sections()
    embedded = [
        d
        for d in managed
        if d is CORE or (d.create_with_agent and resolvable_at_create(desired, d))
    ]
    later = [
        change
        for descriptor in managed
        if descriptor not in embedded
        for change in plan_section(scope, descriptor)
    ]
    return AgentPlan(
        handle=desired.handle,
        name=desired.name,
        action=Action.CREATE,
        depends_on=depends_on,
        changes=order_changes([_create_change(desired, embedded), *later]),
    )


def _create_change(desired: AgentState, embedded: list[SectionDescriptor]) -> Change:
    after: dict[str, Any] = {}
    secrets: dict[FieldPath, str] = {}
    sensitive: list[FieldPath] = []
    for descriptor in embedded:
        key = descriptor.key
        if descriptor.kind == "object":
            fields = desired.objects[key]
            if not fields and descriptor is not CORE:
                continue
            after[key] = fields
            secrets.update(prefixed_map(key, mapping=desired.secrets.get(key, {})))
            sensitive.extend(prefixed(key, sensitive_paths(descriptor, fields)))
            continue
        items = desired.collections[key]
        if not items:
            continue
        after[key] = [item.fields for item in items]
        for index, item in enumerate(items):
            secrets.update(prefixed_map(key, index, mapping=item.secrets))
        sensitive.extend(prefixed(key, list_sensitive(descriptor, after[key])))
    return Change(
        address=api_calls.agent_address(desired.handle),
        agent=desired.handle,
        section=AGENT_SECTION,
        action=Action.CREATE,
        after=after,
        calls=(api_calls.agent_create(),),
        sensitive=tuple(sensitive),
        secrets=secrets,
    )


def plan_delete(live: AgentState) -> AgentPlan:
    address = api_calls.agent_address(live.handle)
    change = Change(
        address=address,
        agent=live.handle,
        section=AGENT_SECTION,
        action=Action.DELETE,
        uuid=live.uuid,
        before=live.objects.get(CORE.key, {}),
        calls=(api_calls.agent_delete(api_calls.agent_path(live.handle, live.uuid, new=False)),),
    )
    return AgentPlan(
        handle=live.handle,
        name=live.name,
        uuid=live.uuid,
        action=Action.DELETE,
        fingerprint=fingerprint(live),
        changes=(change,),
    )
