"""Plans one object section (core, settings, appointments): at most one update change.

An object is never created or deleted on its own; it changes field by field. ``core`` and
``settings`` are merged into the agent with ``PATCH /agents/{uuid}`` (the executor sends the
changed fields); ``appointments`` is put whole (``after`` is the body).
"""

from __future__ import annotations

from mhsync.plan import Action, Change
from mhsync.planner import api_calls
from mhsync.planner.diff import field_changes, same_view
from mhsync.planner.ignore import drop, overlay
from mhsync.planner.scope import AgentScope
from mhsync.planner.sensitive import sensitive_paths
from mhsync.sections import SectionDescriptor
from mhsync.state import comparable


def plan_object(scope: AgentScope, descriptor: SectionDescriptor) -> list[Change]:
    ignored = scope.ignore.fields(descriptor.key)
    desired = scope.desired.objects[descriptor.key]
    live = scope.live.objects.get(descriptor.key, {})
    plain = not ignored and not descriptor.partial
    if plain and same_view(desired, live, descriptor.compare_only_when_set):
        return []  # read the same, settled without building the views
    want, have = comparable(descriptor, drop(desired, ignored), drop(live, ignored))
    fields = field_changes(have, want)
    if not fields:
        return []
    after = overlay(desired, live, ignored)
    return [
        Change(
            address=api_calls.section_address(scope.handle, descriptor.key),
            agent=scope.handle,
            section=descriptor.key,
            action=Action.UPDATE,
            before=have,
            after=after,
            fields=fields,
            calls=(api_calls.object_write(descriptor, scope.base_path),),
            sensitive=sensitive_paths(descriptor, have, after),
            secrets=dict(scope.desired.secrets.get(descriptor.key, {})),
        )
    ]
