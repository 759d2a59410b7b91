"""A selection applied to loaded manifests: whose problems count, and which agents are worked on.

Every manifest is always read: references and duplicate handles span documents, and matching
live agents needs every agent's identity. A selection then narrows the result:

- a problem inside the document of an unselected agent is not reported and does not stop the
  command, so a CI job for one team needs neither another team's secrets nor its fixes;
- a problem outside any agent document (YAML syntax, the project's ``ignore`` list), or in a
  document whose selection cannot be told (its labels are unreadable), always counts;
- an unselected agent whose manifest has problems still takes part in matching, reduced to its
  identity (handle, uuid, display name, previous names), so that its live twin is never
  mistaken for an agent no manifest describes.

The project-wide ``ignore`` list of ``mhsync.yaml`` is merged into every agent's
``metadata.ignore`` here, so every command sees one list per agent.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.document import AgentSpec
from mhsync.manifest.loader import LoadResult
from mhsync.manifest.parse import ParsedAgent
from mhsync.selection import Selection
from mhsync.state import AgentState, WorkspaceState

IGNORE_PATH_MESSAGE = "must be a field path under spec, e.g. spec.notes or spec.settings.voice"


@dataclass(frozen=True)
class ScopedLoad:
    """Manifests seen through a selection.

    ``result`` holds the diagnostics that count and, as its workspace, the selected agents.
    ``everyone`` holds every agent the manifests name (for matching and references); ``hidden``
    counts the problems left out as belonging to unselected agents.
    """

    result: LoadResult
    everyone: WorkspaceState
    selection: Selection
    hidden: int = 0
    broken: frozenset[str] = frozenset()
    """Unselected agents whose manifests have errors (only their identity is in ``everyone``)."""

    @property
    def selected(self) -> WorkspaceState:
        return self.result.workspace

    @property
    def handles(self) -> list[str]:
        """Every handle a manifest declares, valid or not (what ``--agent`` may name)."""
        return sorted({a.handle for a in self.result.agents if a.handle})


@dataclass(frozen=True)
class _Span:
    """The lines of one agent document, and whether the selection takes it (None: unknown)."""

    file: str
    first: int
    last: int
    agent: ParsedAgent
    selected: bool | None

    def holds(self, diagnostic: Diagnostic) -> bool:
        return diagnostic.file == self.file and self.first <= diagnostic.line <= self.last


def scope(
    result: LoadResult,
    selection: Selection,
    *,
    project_ignore: Sequence[str] = (),
    config_file: str = "mhsync.yaml",
    target: str | None = None,
) -> ScopedLoad:
    """``result`` narrowed to ``selection``, with the project's ignore list merged in."""
    spans = [s for a in result.agents if (s := _span(a, selection)) is not None]
    owner_of = _owners(spans)
    by_handle: dict[str | None, _Span] = {}
    for span in spans:  # the first span of a handle, as a scan in agent order would find
        by_handle.setdefault(span.agent.handle, span)
    kept = list(check_project_ignore(project_ignore, config_file))
    hidden = 0
    broken: set[str] = set()
    for diagnostic in result.diagnostics:
        owner = owner_of(diagnostic)
        if diagnostic.used_by is not None:  # found in a fragment's value: it is that agent's
            owner = by_handle.get(diagnostic.used_by.agent, owner)
        if owner is None or owner.selected is not False:
            kept.append(diagnostic)
            continue
        hidden += 1
        if diagnostic.is_error and owner.agent.handle:
            broken.add(owner.agent.handle)
    everyone = WorkspaceState(
        {h: _with_ignore(a, project_ignore) for h, a in result.workspace.agents.items()}
    )
    for agent in result.agents:
        if agent.handle in broken and agent.handle not in everyone.agents:
            everyone.agents[agent.handle] = _identity(agent, target)
    selected = WorkspaceState(
        {
            handle: agent
            for handle, agent in everyone.agents.items()
            if handle in result.workspace.agents and selection.selects(handle, agent.labels)
        }
    )
    kept.sort(key=Diagnostic.sort_key)
    narrowed = LoadResult(kept, selected, list(result.files), list(result.agents))
    return ScopedLoad(narrowed, everyone, selection, hidden, frozenset(broken))


def _owners(spans: list[_Span]) -> Callable[[Diagnostic], _Span | None]:
    """Finds the span holding a diagnostic by bisection in its file's spans, sorted by line.

    Documents of one file follow one another, so their spans do not overlap: the last span
    starting at or before the diagnostic's line is the only one that can hold it. (Scanning
    every span for every diagnostic was quadratic: seconds at 10,000 agents.)
    """
    by_file: dict[str, list[_Span]] = {}
    for span in spans:
        by_file.setdefault(span.file, []).append(span)
    firsts: dict[str, list[int]] = {}
    for file, in_file in by_file.items():
        in_file.sort(key=lambda span: span.first)
        firsts[file] = [span.first for span in in_file]

    def owner(diagnostic: Diagnostic) -> _Span | None:
        starts = firsts.get(diagnostic.file)
        if starts is None:
            return None
        index = bisect.bisect_right(starts, diagnostic.line) - 1
        span = by_file[diagnostic.file][index] if index >= 0 else None
        return span if span is not None and span.holds(diagnostic) else None

    return owner


def check_project_ignore(paths: Iterable[str], config_file: str) -> list[Diagnostic]:
    """``ignore`` entries of mhsync.yaml that name no place under ``spec``."""
    fields = AgentSpec.model_fields
    return [
        Diagnostic(
            file=config_file,
            path=f"ignore[{index}]",
            message=IGNORE_PATH_MESSAGE,
            code="bad-ignore-path",
        )
        for index, path in enumerate(paths)
        if not (len(parts := path.split(".")) >= 2 and parts[0] == "spec" and parts[1] in fields)
    ]


def _span(agent: ParsedAgent, selection: Selection) -> _Span | None:
    lines = agent.doc.line_span()
    if lines is None:
        return None
    return _Span(agent.doc.file, *lines, agent, _selected(agent, selection))


def _selected(agent: ParsedAgent, selection: Selection) -> bool | None:
    if selection.is_everything:
        return True
    if agent.handle is None:
        return None
    if not selection.requirements:
        return selection.selects(agent.handle, {})
    labels = agent.metadata.labels if agent.metadata else agent.doc.get(("metadata", "labels"))
    labels = {} if labels is None else labels
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        return None
    return selection.selects(agent.handle, labels)


def _with_ignore(agent: AgentState, project_ignore: Sequence[str]) -> AgentState:
    if not project_ignore:
        return agent
    merged = tuple(dict.fromkeys((*agent.ignore, *project_ignore)))
    return dataclasses.replace(agent, ignore=merged)


def _identity(agent: ParsedAgent, target: str | None) -> AgentState:
    """Just enough of an agent with errors to match its live twin and be referred to."""
    assert agent.handle is not None
    metadata = agent.metadata
    name = (agent.core or {}).get("name") or agent.doc.get(("spec", "name"))
    return AgentState(
        handle=agent.handle,
        uuid=metadata.uuid_for(target) if metadata else None,
        objects={"core": {"name": name} if isinstance(name, str) else {}},
        collections={},
        protected=metadata.protected if metadata else False,
        labels=dict(metadata.labels) if metadata else {},
        previous_names=tuple(metadata.previous_names) if metadata else (),
    )
