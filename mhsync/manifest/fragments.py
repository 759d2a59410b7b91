"""Fragments: ``kind: Fragment`` documents merged into the agents that name them in ``uses``.

This is one stage of loading, between reading YAML and validating agents: it takes every
document read, checks the fragments, and hands back the agent documents with their fragments
merged in (``merge`` holds the rules). Everything after it (variables, validation, checks,
building the desired state) sees an agent document as if it had been written out by hand, except
that each merged value remembers where it was written: a ``ComposedDoc`` points a diagnostic at
the fragment's own ``file:line:col`` and names the agent that used it.

An agent without ``uses`` and ``drop`` is handed back untouched, so manifests that do not use
fragments cost nothing here.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from mhsync.fieldpath import FieldPath
from mhsync.manifest.diagnostics import Diagnostic, Severity, UsedBy, did_you_mean
from mhsync.manifest.document import DropItems, Drops, UseEntry, Uses
from mhsync.manifest.files import MARKER, FileReader, inline_files
from mhsync.manifest.fragment_model import FRAGMENT_KIND, FragmentDocument, FragmentEnvelope
from mhsync.manifest.merge import (
    Origin,
    Spec,
    drop_items,
    drop_path,
    known_identities,
    known_paths,
    layer,
    materialize,
    merge,
)
from mhsync.manifest.translate import close_match, diagnostics_from
from mhsync.manifest.variables import Sources, substitute
from mhsync.manifest.yamlio import Anchor, Loc, Mark, ReadResult, SourceDoc
from mhsync.sections import CORE, SECTIONS

SECTION_BY_KEY = {d.key: d for d in SECTIONS if d is not CORE}

_USES: TypeAdapter[Any] = TypeAdapter(Uses)
_DROPS: TypeAdapter[Any] = TypeAdapter(Drops)
_SPEC: Loc = ("spec",)


@dataclass
class ComposedDoc(SourceDoc):
    """An agent document with fragments merged in: ``data`` is the merged document.

    ``marks`` stay the agent's own (they tell which lines the agent's document spans);
    positions of merged values are found through ``origins``.
    """

    own: SourceDoc | None = None
    handle: str = ""
    origins: dict[Loc, Origin] = field(default_factory=dict)
    used_at: dict[str, Mark] = field(default_factory=dict)
    """Fragment handle -> the agent's ``uses`` entry that brought it in."""

    def source(self, loc: Loc) -> tuple[SourceDoc, Loc, Origin | None]:
        """The document, place and origin where the value at ``loc`` was written."""
        for end in range(len(loc), 0, -1):
            origin = self.origins.get(loc[:end])
            if origin is not None:
                return origin.doc, (*origin.loc, *loc[end:]), origin
        assert self.own is not None
        return self.own, loc, None

    def value_mark(self, loc: Loc) -> Mark:
        doc, at, _ = self.source(loc)
        return doc.value_mark(at)

    def key_mark(self, loc: Loc) -> Mark:
        doc, at, _ = self.source(loc)
        return doc.key_mark(at)

    def fragment_of(self, loc: Loc) -> str | None:
        """The fragment that wrote the value at ``loc``; ``None`` for the agent's own values."""
        origin = self.source(loc)[2]
        return origin.fragment if origin is not None else None

    def diagnostic(
        self,
        loc: Loc,
        message: str,
        *,
        code: str,
        at: Anchor = "value",
        severity: Severity = "error",
        hint: str | None = None,
    ) -> Diagnostic:
        inner = at == "container" and bool(loc)  # a missing key: look up its mapping
        doc, where, origin = self.source(loc[:-1] if inner else loc)
        if inner:
            where = (*where, loc[-1])
        found = doc.diagnostic(where, message, code=code, at=at, severity=severity, hint=hint)
        if origin is None or origin.fragment is None:
            return found
        mark = self.used_at.get(origin.fragment, Mark(1, 1))
        assert self.own is not None
        used = UsedBy(self.handle, origin.fragment, self.own.file, mark.line, mark.col)
        return dataclasses.replace(found, used_by=used)


@dataclass
class Composition:
    """The documents to validate as agents, and the problems of the fragments themselves."""

    docs: list[SourceDoc] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unused: list[SourceDoc] = field(default_factory=list)
    """Fragments no agent uses (in any target)."""


@dataclass
class _Fragment:
    doc: SourceDoc
    handle: str
    uses: list[Any]
    drops: list[Any]
    resolved: Spec | None = None
    closure: frozenset[str] = frozenset()


def compose_files(
    files: Sequence[tuple[Path, ReadResult]],
    *,
    target: str | None,
    root: Path,
    sources: Sources | None = None,
) -> Composition:
    """The loading stage: ``${file:...}`` read into every document, then fragments merged.

    With ``sources``, a fragment no agent uses is validated on its own, so that its problems
    show before an agent first uses it (used ones are validated inside each agent).
    """
    reader = FileReader(root)
    problems: list[Diagnostic] = []
    docs: list[SourceDoc] = []
    for path, read in files:
        for doc in read.docs:
            if MARKER in read.text:
                problems.extend(inline_files(doc, path, reader))
            docs.append(doc)
    composition = compose(docs, target=target)
    composition.diagnostics[:0] = problems
    if sources is not None:
        for doc in composition.unused:
            composition.diagnostics.extend(_alone(doc, sources))
    return composition


def _alone(doc: SourceDoc, sources: Sources) -> list[Diagnostic]:
    """The problems of an unused fragment's spec (variables substituted in a copy)."""
    alone = SourceDoc(doc.file, doc.index, copy.deepcopy(doc.data), doc.marks)
    problems = substitute(alone, sources)
    try:
        FragmentDocument.model_validate(alone.data)
    except ValidationError as exc:
        problems.extend(diagnostics_from(exc, alone, (), root=FragmentDocument))
    return problems


def compose(docs: Sequence[SourceDoc], *, target: str | None) -> Composition:
    """Agent documents with their fragments merged in, for ``target`` (``None``: no target)."""
    out = Composition()
    fragments = _collect(docs, out.diagnostics)
    used: set[str] = set()
    resolver = _Resolver(fragments, target, out.diagnostics)
    for doc in docs:
        if _is_fragment(doc):
            continue
        uses, drops = _composition_of(doc)
        if not uses and not drops:
            out.docs.append(doc)
            continue
        composed = resolver.agent(doc, uses, drops)
        used |= resolver.referenced(uses)
        out.docs.append(composed)
    for handle, fragment in sorted(fragments.items()):
        if handle not in used:
            out.unused.append(fragment.doc)
            out.diagnostics.append(
                fragment.doc.diagnostic(
                    ("metadata", "name"),
                    f"fragment `{handle}` is used by no agent",
                    code="unused-fragment",
                    severity="warning",
                )
            )
    return out


def _is_fragment(doc: SourceDoc) -> bool:
    return isinstance(doc.data, dict) and doc.data.get("kind") == FRAGMENT_KIND


def _composition_of(doc: SourceDoc) -> tuple[list[Any], list[Any]]:
    """The ``uses`` and ``drop`` of an agent; invalid ones are left to metadata validation."""
    data = doc.data
    metadata = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(metadata, dict) or not isinstance(data.get("spec", {}), dict):
        return [], []
    return _valid(_USES, metadata.get("uses")), _valid(_DROPS, metadata.get("drop"))


def _valid(adapter: TypeAdapter[Any], value: Any) -> list[Any]:
    if value is None:
        return []
    try:
        return list(adapter.validate_python(value))
    except ValidationError:
        return []


def _collect(docs: Sequence[SourceDoc], problems: list[Diagnostic]) -> dict[str, _Fragment]:
    fragments: dict[str, _Fragment] = {}
    for doc in docs:
        if not _is_fragment(doc):
            continue
        try:
            envelope = FragmentEnvelope.model_validate(doc.data)
        except ValidationError as exc:
            root: type[BaseModel] = FragmentDocument
            problems.extend(diagnostics_from(exc, doc, (), root=root))
            continue
        handle = envelope.metadata.name
        first = fragments.get(handle)
        if first is not None:
            line = first.doc.value_mark(("metadata", "name")).line
            where = f"line {line}" if first.doc.file == doc.file else f"{first.doc.file}:{line}"
            problems.append(
                doc.diagnostic(
                    ("metadata", "name"),
                    f"duplicate fragment name `{handle}` (first at {where})",
                    code="duplicate-fragment",
                )
            )
            continue
        metadata = envelope.metadata
        fragments[handle] = _Fragment(doc, handle, list(metadata.uses), list(metadata.drop))
    return fragments


class _Resolver:
    """Resolves fragments (each once, with what it uses) and composes agents on top."""

    def __init__(
        self, fragments: dict[str, _Fragment], target: str | None, problems: list[Diagnostic]
    ) -> None:
        self.fragments = fragments
        self.target = target
        self.problems = problems
        self.cycles: set[frozenset[str]] = set()
        self.unknown: set[tuple[str, int, Loc]] = set()

    def agent(self, doc: SourceDoc, uses: list[Any], drops: list[Any]) -> ComposedDoc:
        handle = _handle(doc)
        base, used_at = self._inherit(doc, uses, [])
        self._drop(doc, base, drops)
        spec = doc.data.get("spec")
        own = layer(spec if isinstance(spec, dict) else {}, Origin(doc, _SPEC))
        merged, origins = materialize(merge(base, own), _SPEC)
        data = {**doc.data, "spec": merged} if "spec" in doc.data else doc.data
        return ComposedDoc(doc.file, doc.index, data, doc.marks, doc, handle, origins, used_at)

    def referenced(self, uses: list[Any]) -> set[str]:
        """Every fragment ``uses`` reaches, whatever the target."""
        found: set[str] = set()
        stack = [_name(entry) for entry in uses]
        while stack:
            name = stack.pop()
            fragment = self.fragments.get(name)
            if name in found or fragment is None:
                continue
            found.add(name)
            stack.extend(_name(entry) for entry in fragment.uses)
        return found

    def _inherit(
        self, doc: SourceDoc, uses: list[Any], stack: list[str]
    ) -> tuple[Spec, dict[str, Mark]]:
        """What ``doc``'s ``uses`` bring, merged in order; and where each fragment came in."""
        base: Spec = {}
        used_at: dict[str, Mark] = {}
        for index, entry in enumerate(uses):
            if not self._applies(entry):
                continue
            name = _name(entry)
            loc: Loc = ("metadata", "uses", index)
            fragment = self.fragments.get(name)
            if fragment is None:
                self._unknown(doc, loc, name)
                continue
            if name in stack:
                self._cycle(doc, loc, [*stack[stack.index(name) :], name])
                continue
            resolved = self._resolve(fragment, stack)
            base = merge(base, resolved)
            mark = doc.value_mark(loc)
            for inner in sorted(fragment.closure | {name}):
                used_at.setdefault(inner, mark)
        return base, used_at

    def _resolve(self, fragment: _Fragment, stack: list[str]) -> Spec:
        if fragment.resolved is not None:
            return fragment.resolved
        inner = [*stack, fragment.handle]
        base, used_at = self._inherit(fragment.doc, fragment.uses, inner)
        self._drop(fragment.doc, base, fragment.drops)
        spec = fragment.doc.data.get("spec") or {}
        own = layer(spec, Origin(fragment.doc, _SPEC, fragment.handle))
        resolved = merge(base, own)
        fragment.closure = frozenset(used_at)
        if not stack:  # inside a cycle the result depends on where it was entered: not kept
            fragment.resolved = resolved
        return resolved

    def _applies(self, entry: Any) -> bool:
        assert isinstance(entry, UseEntry)
        return entry.targets is None or (self.target is not None and self.target in entry.targets)

    def _unknown(self, doc: SourceDoc, loc: Loc, name: str) -> None:
        key = (doc.file, doc.index, loc)
        if key in self.unknown:
            return
        self.unknown.add(key)
        near = close_match(name, self.fragments)
        self.problems.append(
            doc.diagnostic(
                loc,
                f"no fragment named `{name}` in these manifests",
                code="unknown-fragment",
                hint=did_you_mean(near) if near else None,
            )
        )

    def _cycle(self, doc: SourceDoc, loc: Loc, cycle: list[str]) -> None:
        members = frozenset(cycle)
        if members in self.cycles:
            return
        self.cycles.add(members)
        self.problems.append(
            doc.diagnostic(
                loc,
                "fragments use each other in a cycle: " + " -> ".join(cycle),
                code="fragment-cycle",
            )
        )

    def _drop(self, doc: SourceDoc, base: Spec, drops: list[Any]) -> None:
        for index, entry in enumerate(drops):
            loc: Loc = ("metadata", "drop", index)
            assert isinstance(entry, DropItems)
            sections = entry.model_dump(exclude_none=True)
            path = sections.pop("path", None)
            if path is not None and not drop_path(base, path):
                self._nothing(doc, loc, f"`{path}`", path, known_paths(base))
            for section, identities in sections.items():
                for missing in drop_items(base, section, identities):
                    where = (*loc, section, identities.index(missing))
                    known = known_identities(base, section)
                    self._nothing(doc, where, f"`{missing}` in {section}", missing, iter(known))

    def _nothing(
        self, doc: SourceDoc, loc: Loc, what: str, word: str, known: Iterator[str]
    ) -> None:
        near = close_match(word, list(known))
        self.problems.append(
            doc.diagnostic(
                loc,
                f"nothing to drop: no fragment used here sets {what}",
                code="drop-nothing",
                severity="warning",
                hint=did_you_mean(near) if near else None,
            )
        )


def _name(entry: Any) -> str:
    assert isinstance(entry, UseEntry)
    return entry.fragment


def _handle(doc: SourceDoc) -> str:
    name = doc.get(("metadata", "name"))
    return name if isinstance(name, str) else "?"


def inherited_values(doc: SourceDoc, items: dict[str, list[tuple[int, str]]]) -> dict[str, str]:
    """What fragments wrote in a composed agent, keyed as ``AgentState.inherited`` documents.

    ``items`` gives, per collection, each validated item's position in the merged list and its
    canonical key.
    """
    if not isinstance(doc, ComposedDoc):
        return {}
    out: dict[str, str] = {}
    for loc, origin in doc.origins.items():
        if origin.fragment is None or len(loc) < 2 or loc[1] in items:
            continue
        descriptor = SECTION_BY_KEY.get(str(loc[1]))
        if descriptor is None:
            out[FieldPath.of(CORE.key, loc[1])] = origin.fragment
        elif descriptor.kind == "object":
            out[FieldPath.of(*loc[1:])] = origin.fragment
    for section, pairs in items.items():
        for index, key in pairs:
            fragment = doc.fragment_of(("spec", section, index))
            if fragment is not None:
                out[f"{section}:{key}"] = fragment
    return out
