"""Plans one collection section, choosing per-item calls or one whole-section replace.

The cost rule (docs/ARCHITECTURE.md, "Per-section strategy"; also docs/plan.md):

* per-item cost = creates + deletes + updates + moves, where an update that also moves is one
  PATCH (it carries ``order``);
* replace cost = 1 (one ``PUT`` of the whole section; every item gets a new uuid);
* a section that has both replace (``put_wrapped``) and single-item calls is replaced only when
  that is strictly cheaper **and** no matched item must keep its uuid (one matched through
  ``previous_keys``: a rename the user asked to preserve). Ties go to per-item calls, which keep
  uuids. A section with only one of the two ways uses that way.

So: editing one guideline is one PATCH; adding a guard rule is one POST; reordering five notes is
one PUT; a procedure renamed with ``previous_keys`` is one PATCH that keeps its uuid.

Positional items (guidelines, notes) have their list order as identity. A matched item whose live
``order`` differs from its target index, or that has no ``order`` at all, is a move (the reader
sorts items without one last, so they must be given one). A positional section whose live items
already read, in server order, exactly as the manifest lists them needs nothing, whatever
``order`` numbers the server holds: equal canonical states never cost a call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mhsync.fieldpath import FieldPath
from mhsync.plan import Action, Change, FieldChange
from mhsync.planner import api_calls
from mhsync.planner.diff import field_changes, same, same_pairs, same_view
from mhsync.planner.ignore import drop, overlay
from mhsync.planner.matching_items import Pair, match_items
from mhsync.planner.scope import AgentScope
from mhsync.planner.sensitive import list_sensitive, prefixed_map, sensitive_paths
from mhsync.sections import SectionDescriptor
from mhsync.state import SECRET_SET, Item, JSONDict, comparable, get_path


def plan_collection(scope: AgentScope, descriptor: SectionDescriptor) -> list[Change]:
    return _SectionPlanner(scope, descriptor).plan()


class _SectionPlanner:
    """One section of one agent; holds what every helper needs so signatures stay short."""

    def __init__(self, scope: AgentScope, descriptor: SectionDescriptor) -> None:
        self.scope = scope
        self.descriptor = descriptor
        self.ignored = scope.ignore.fields(descriptor.key)
        self.desired = scope.desired.collections[descriptor.key]
        self.live = scope.live.collections.get(descriptor.key, [])

    def plan(self) -> list[Change]:
        if self._unchanged():
            return []
        matching = match_items(self.descriptor, self.desired, self.live)
        per_item = [
            *(self._delete(index, item) for index, item in matching.deletes),
            *(c for pair in matching.pairs if (c := self._update(pair)) is not None),
            *(self._create(index, item) for index, item in matching.creates),
        ]
        if not per_item:
            return []
        if self._replace_wins(len(per_item), matching.pairs):
            return [self._replace(matching.pairs, per_item)]
        return per_item

    # --- the rule ---------------------------------------------------------------------------

    def _replace_wins(self, cost: int, pairs: Sequence[Pair]) -> bool:
        if self.descriptor.replace != "put_wrapped":
            return False
        if not self.descriptor.item_ops:
            return True
        keeps_uuid = any(pair.renamed for pair in pairs)
        return cost > 1 and not keeps_uuid

    # --- comparison -------------------------------------------------------------------------

    def _views(self, desired: JSONDict, live: JSONDict) -> tuple[JSONDict, JSONDict]:
        return comparable(self.descriptor, drop(desired, self.ignored), drop(live, self.ignored))

    def _unchanged(self) -> bool:
        """Whether the section needs no change, settled before any matching (issue 16: most
        sections of most plans are unchanged, and matching, views and one ``_update`` per item
        were most of the planner's time).

        A positional section needs nothing when its live items, in server order, read as the
        manifest lists them (whatever ``order`` numbers the server holds). An identity section
        needs nothing when each desired item has the live item of its key (unique keys on both
        sides, or the same keys in the same order: the pairs ``match_items`` makes) and every
        pair reads the same; with ``resend_secrets``, a section holding a secret reference
        always takes the full path (``_resent``). Without ignored fields, a pair is compared
        without building its views (``same_view``).
        """
        desired, live = self.desired, self.live
        if len(desired) != len(live):
            return False
        pairs: Iterable[tuple[Item, Item]]
        if self.descriptor.positional:
            pairs = zip(desired, live, strict=True)
        elif self.scope.resend_secrets and any(item.secrets for item in desired):
            return False
        elif (keys := [item.key for item in desired]) == [item.key for item in live]:
            pairs = zip(desired, live, strict=True)
        else:
            by_key = {item.key: item for item in live}
            unique = set(keys)
            if len(by_key) != len(live) or len(unique) != len(keys) or unique != by_key.keys():
                return False
            pairs = zip(desired, map(by_key.__getitem__, keys), strict=True)
        plain = not self.ignored and not self.descriptor.partial
        left_out = self.descriptor.compare_only_when_set
        for want, have in pairs:
            a, b = want.fields, have.fields
            if not plain:
                if not same(*self._views(a, b)):
                    return False
            elif a.keys() == b.keys():  # the views are the fields themselves (most items)
                if not same_pairs(zip(a.values(), map(b.__getitem__, a))):  # noqa: B905
                    return False
            elif not same_view(a, b, left_out):
                return False
        return True

    # --- per-item changes -------------------------------------------------------------------

    def _address(self, key: str, index: int) -> str:
        return api_calls.item_address(self.scope.handle, self.descriptor, key, index)

    def _key(self, item: Item) -> str | None:
        return None if self.descriptor.positional else item.key

    def _position(self, index: int) -> int | None:
        return index if self.descriptor.positional else None

    def _create(self, index: int, item: Item) -> Change:
        return Change(
            agent=self.scope.handle,
            section=self.descriptor.key,
            action=Action.CREATE,
            address=self._address(item.key, index),
            key=self._key(item),
            position=self._position(index),
            after=item.fields,
            calls=(api_calls.item_create(self.descriptor, self.scope.base_path),),
            sensitive=sensitive_paths(self.descriptor, item.fields),
            secrets=dict(item.secrets),
        )

    def _delete(self, index: int, item: Item) -> Change:
        address = self._address(item.key, index)
        return Change(
            agent=self.scope.handle,
            section=self.descriptor.key,
            action=Action.DELETE,
            address=address,
            key=self._key(item),
            uuid=item.uuid,
            previous_position=item.position,
            before=item.fields,
            calls=(
                api_calls.item_delete(self.descriptor, self.scope.base_path, item.uuid, address),
            ),
            sensitive=sensitive_paths(self.descriptor, item.fields),
        )

    def _update(self, pair: Pair) -> Change | None:
        want, have = self._views(pair.desired.fields, pair.live.fields)
        fields = field_changes(have, want) + self._resent(pair.desired, have)
        moved = self.descriptor.positional and pair.live.position != pair.desired_index
        if not fields and not moved:
            return None
        address = self._address(pair.desired.key, pair.desired_index)
        after = overlay(pair.desired.fields, pair.live.fields, self.ignored)
        uuid = pair.live.uuid
        return Change(
            agent=self.scope.handle,
            section=self.descriptor.key,
            action=Action.UPDATE if fields else Action.MOVE,
            address=address,
            key=self._key(pair.desired),
            uuid=uuid,
            position=self._position(pair.desired_index),
            previous_position=pair.live.position,
            before=have,
            after=after,
            fields=fields,
            calls=(api_calls.item_update(self.descriptor, self.scope.base_path, uuid, address),),
            sensitive=sensitive_paths(self.descriptor, have, after),
            secrets=dict(pair.desired.secrets),
        )

    def _resent(self, desired: Item, have: JSONDict) -> tuple[FieldChange, ...]:
        """With ``resend_secrets``: each secret the manifest references and the live item holds,
        as a change from the marker to the marker ("secret re-sent"), so its top-level field
        goes into the PATCH and the executor resolves its reference again."""
        if not self.scope.resend_secrets:
            return ()
        return tuple(
            FieldChange(path=path, before=SECRET_SET, after=SECRET_SET)
            for path in sorted(desired.secrets)
            if path.head not in self.ignored and path not in self.ignored
            and get_path(have, path) == SECRET_SET
        )

    # --- whole-section replace --------------------------------------------------------------

    def _replace(self, pairs: Sequence[Pair], per_item: Sequence[Change]) -> Change:
        """One ``PUT``; ``per_item`` (what the cost rule weighed) stays as its description."""
        live_of = {pair.desired_index: pair.live for pair in pairs}
        after = [
            overlay(item.fields, live_of[i].fields, self.ignored) if i in live_of else item.fields
            for i, item in enumerate(self.desired)
        ]
        before = [item.fields for item in self.live]
        secrets: dict[FieldPath, str] = {}
        for index, item in enumerate(self.desired):
            secrets.update(prefixed_map(index, mapping=item.secrets))
        sensitive = sorted(
            {*list_sensitive(self.descriptor, before), *list_sensitive(self.descriptor, after)}
        )
        return Change(
            agent=self.scope.handle,
            section=self.descriptor.key,
            action=Action.REPLACE,
            address=api_calls.section_address(self.scope.handle, self.descriptor.key),
            before=before,
            after=after,
            calls=(api_calls.section_replace(self.descriptor, self.scope.base_path),),
            sensitive=tuple(sensitive),
            secrets=secrets,
            item_changes=tuple(_described(c) for c in per_item),
        )


def _described(change: Change) -> Change:
    """An item change as part of a replace's description: no calls, no secret references, and
    updates and moves without whole values (the replace's ``before``/``after`` hold them; their
    ``fields`` and positions say what changes), so a plan file holds no value twice."""
    if change.action in (Action.UPDATE, Action.MOVE):
        return change.model_copy(update={"calls": (), "secrets": {}, "before": None, "after": None})
    return change.model_copy(update={"calls": (), "secrets": {}})
