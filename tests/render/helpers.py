"""Hand-built plans for renderer tests: renderers must not depend on the planner's choices."""

from __future__ import annotations

from typing import Any

from mhsync.plan import Action, AgentPlan, Call, CallKind, Change, FieldChange, Plan


def change(action: Action, address: str, **values: Any) -> Change:
    section = address.split(".")[1].split("[")[0] if "." in address else "agent"
    call = Call(method="PATCH", path="/agents/u-1", kind=CallKind.ITEM_UPDATE)
    return Change(
        address=address,
        agent="a",
        section=section,
        action=action,
        calls=(call,),
        **values,
    )


def one_agent(*changes: Change, action: Action = Action.UPDATE, **plan_values: Any) -> Plan:
    agent = AgentPlan(handle="a", name="Agent A", uuid="u-1", action=action, changes=changes)
    return Plan(target="prod", agents=(agent,), **plan_values)


def field(path: str, before: Any, after: Any) -> FieldChange:
    return FieldChange(path=path, before=before, after=after)
