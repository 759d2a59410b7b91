"""Live values written into an existing manifest in place, for ``pull``.

The file is edited as a round-trip document, so every line pull does not need to change stays
byte for byte as the author wrote it: comments, quoting, key order, ``${var:...}`` references.
What changes is decided on canonical values (the same comparison ``plan`` makes), section by
section from the descriptor table:

- object sections and items: only keys whose canonical values differ are touched; a key whose
  live value is the default (or gone) is removed, one the file lacks is inserted in canonical
  order;
- collection sections: items are paired by identity (positional ones by content); paired items
  keep their node (and comments) and are edited key by key; items gone from the workspace are
  removed; new ones are appended (identity sections) or placed where the workspace has them
  (positional sections, which take the live order);
- sections and paths the manifest does not manage (left out, ``metadata.ignore``) are not read.

New values come from the export of the live agent, so they are exactly what ``export`` would
write, including ``${env:MHSYNC_SECRET_...}`` placeholders for secrets the file lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from mhsync.export.comments import pop_tail, push_tail, set_eol_comment
from mhsync.export.document import ExportedAgent
from mhsync.export.layout import ordered_keys
from mhsync.export.text import SECRET_COMMENT
from mhsync.export.yamlstyle import block_safe, styled
from mhsync.manifest.document import spec_loc
from mhsync.manifest.yamlio import Loc
from mhsync.planner.ignore import IgnoreRules, drop
from mhsync.sections import CORE, SECTIONS, SectionDescriptor
from mhsync.state import AgentState, Item, JSONDict, comparable


@dataclass
class MergeResult:
    changed: bool = False
    secrets: list[str] = field(default_factory=list)
    """Placeholder variables pull wrote for secrets the file did not have."""


def merge_agent(
    document: CommentedMap,
    file_items: Mapping[str, Sequence[Item]],
    desired: AgentState,
    live: AgentState,
    exported: ExportedAgent,
) -> MergeResult:
    """Make ``document`` describe ``live`` where it differs; returns what was done.

    ``file_items`` holds each managed collection's items in canonical form in file order (the
    n-th item is the n-th list entry); ``exported`` is ``export_agent(live, complete=True)``.
    """
    merger = _Merger({slot.variable for slot in exported.secrets})
    spec = document["spec"]
    exported_spec = exported.document["spec"]
    ignore = IgnoreRules.parse(desired.ignore)
    for descriptor in SECTIONS:
        if ignore.skips(descriptor.key):
            continue
        ignored = ignore.fields(descriptor.key)
        if descriptor.kind == "object":
            if descriptor.key in desired.objects:
                merger.object(spec, exported_spec, descriptor, desired, live, ignored)
        elif descriptor.key in desired.collections:
            merger.collection(
                spec,
                descriptor,
                file_items.get(descriptor.key, ()),
                live.collections.get(descriptor.key, []),
                exported_spec.get(descriptor.key, []),
                ignored,
            )
    return merger.result


class _Merger:
    def __init__(self, variables: set[str]) -> None:
        self.variables = variables
        self.result = MergeResult()

    # --- objects and items ----------------------------------------------------------------------

    def object(
        self,
        spec: CommentedMap,
        exported_spec: JSONDict,
        descriptor: SectionDescriptor,
        desired: AgentState,
        live: AgentState,
        ignored: frozenset[str],
    ) -> None:
        want, have = comparable(
            descriptor,
            drop(desired.objects[descriptor.key], ignored),
            drop(live.objects.get(descriptor.key, {}), ignored),
        )
        if want == have:
            return
        if descriptor is CORE:
            fields = descriptor.model.model_fields
            self.mapping(spec, {k: v for k, v in exported_spec.items() if k in fields},
                         want, have, ("spec",))
            return
        target = spec.get(descriptor.key)
        if not isinstance(target, CommentedMap):
            target = styled({})
            spec[descriptor.key] = target
        self.mapping(target, exported_spec.get(descriptor.key, {}), want, have,
                     spec_loc(descriptor))

    def mapping(
        self, target: CommentedMap, new: Mapping[str, Any], want: Any, have: Any, loc: Loc
    ) -> None:
        """Edit ``target`` key by key where the canonical values ``want`` and ``have`` differ."""
        tail = pop_tail(target)
        for key in ordered_keys(loc, dict.fromkeys([*want, *have])):
            before, after = want.get(key), have.get(key)
            if before == after:
                continue
            self.result.changed = True
            if key not in new:
                target.pop(key, None)
                continue
            current = target.get(key)
            if isinstance(current, CommentedMap) and isinstance(before, dict) and isinstance(
                after, dict
            ):
                self.mapping(current, new[key], before, after, (*loc, key))
            elif _same_shape_lists(current, before, after, new[key]):
                for index, (old_item, new_item) in enumerate(zip(before, after, strict=True)):
                    if old_item != new_item:
                        self.mapping(current[index], new[key][index], old_item, new_item,
                                     (*loc, key, index))
            else:
                self.put(target, key, new[key], loc)
        push_tail(target, tail)

    def put(self, target: CommentedMap, key: str, value: Any, loc: Loc) -> None:
        node = _like(target.get(key), styled(value))
        if key in target:
            target[key] = node
        else:
            position = ordered_keys(loc, [*target, key]).index(key)
            target.insert(position, key, node)
        if self._is_placeholder(node):
            set_eol_comment(target, key, SECRET_COMMENT)
        else:
            self.annotate(node)

    def annotate(self, node: Any) -> None:
        """Comment every secret placeholder inside a node pull created."""
        if isinstance(node, CommentedMap):
            for key, child in node.items():
                if self._is_placeholder(child):
                    set_eol_comment(node, key, SECRET_COMMENT)
                else:
                    self.annotate(child)
        elif isinstance(node, CommentedSeq):
            for child in node:
                self.annotate(child)

    def _is_placeholder(self, value: Any) -> bool:
        if not isinstance(value, str) or not value.startswith("${env:"):
            return False
        variable = value[len("${env:") : -1]
        if variable in self.variables:
            self.result.secrets.append(variable)
            return True
        return False

    # --- collections ----------------------------------------------------------------------------

    def collection(
        self,
        spec: CommentedMap,
        descriptor: SectionDescriptor,
        file_items: Sequence[Item],
        live_items: Sequence[Item],
        exported: Sequence[JSONDict],
        ignored: frozenset[str],
    ) -> None:
        plan = _pair(descriptor, file_items, live_items)
        views = {
            index: comparable(
                descriptor,
                drop(file_items[index].fields, ignored),
                drop(live_items[live].fields, ignored),
            )
            for index, live in plan
            if index is not None
        }
        unchanged = [index for index, _ in plan] == list(range(len(file_items))) and all(
            want == have for want, have in views.values()
        )
        if unchanged:
            return
        self.result.changed = True
        seq = spec.get(descriptor.key)
        if not isinstance(seq, CommentedSeq):
            seq = styled([])
            spec[descriptor.key] = seq
        tail = pop_tail(seq)
        old, old_comments = list(seq), dict(seq.ca.items)
        nodes: list[Any] = []
        comments: dict[int, Any] = {}
        for position, (index, live) in enumerate(plan):
            if index is not None:
                node = old[index]
                if index in old_comments:
                    comments[position] = old_comments[index]
                want, have = views[index]
                if want != have:
                    self.mapping(node, exported[live], want, have,
                                 (*spec_loc(descriptor), position))
            else:
                value: Any = exported[live]
                if _is_bare(old, position) and list(value) == ["content"]:
                    value = value["content"]
                node = styled(value)
                self.annotate(node)
            nodes.append(node)
        seq.clear()
        seq.ca.items.clear()
        seq.extend(nodes)
        seq.ca.items.update(comments)
        if not old:
            seq.fa.set_block_style()
        push_tail(seq, tail)


def _pair(
    descriptor: SectionDescriptor, file_items: Sequence[Item], live_items: Sequence[Item]
) -> list[tuple[int | None, int]]:
    """The new list as (file index or None for a new item, live index) pairs.

    Identity sections keep the file's order and append new items; positional sections take
    the live order, reusing the file's item with the same content where there is one.
    """
    if descriptor.positional:
        unused = list(range(len(file_items)))
        out: list[tuple[int | None, int]] = []
        for live_index, item in enumerate(live_items):
            found = next((i for i in unused if file_items[i].key == item.key), None)
            if found is not None:
                unused.remove(found)
            out.append((found, live_index))
        return out
    live_by_key = {item.key: index for index, item in enumerate(live_items)}
    kept = [
        (index, live_by_key[item.key])
        for index, item in enumerate(file_items)
        if item.key in live_by_key
    ]
    taken = {live for _, live in kept}
    added = [(None, index) for index in range(len(live_items)) if index not in taken]
    return [*kept, *added]


def _same_shape_lists(current: Any, before: Any, after: Any, new: Any) -> bool:
    """Lists of mappings of one length: edited element by element, keeping their comments."""
    if not (isinstance(current, CommentedSeq) and isinstance(before, list)):
        return False
    if not (isinstance(after, list) and isinstance(new, list)):
        return False
    if not len(current) == len(before) == len(after) == len(new):
        return False
    return all(
        isinstance(node, CommentedMap) and isinstance(a, dict) and isinstance(b, dict)
        for node, a, b in zip(current, before, after, strict=True)
    )


def _is_bare(old: Sequence[Any], position: int) -> bool:
    """The file wrote this place of a positional list as a bare string (the shorthand)."""
    if position < len(old):
        return isinstance(old[position], str)
    return bool(old) and all(isinstance(node, str) for node in old)


def _like(old: Any, new: Any) -> Any:
    """``new`` in the block-scalar style the old value had, when it is text a block holds."""
    if isinstance(new, str) and not isinstance(new, LiteralScalarString) and block_safe(new):
        if isinstance(old, FoldedScalarString):
            return FoldedScalarString(new)
        if isinstance(old, LiteralScalarString):
            return LiteralScalarString(new)
    return new
