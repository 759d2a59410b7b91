"""The ``pull`` use-case: write what changed in the workspace back into the manifest files.

Pull is the reverse of apply: afterwards ``plan`` shows no changes. It edits the files in place
(see ``mhsync.export.merge``), so a scheduled job can open a pull request whose diff holds only
the dashboard edits: comments, key order, quoting and ``${var:...}`` references of every value
that did not change stay as written. Only what manifests manage is pulled: sections left out and
``ignore`` paths are not touched; live agents no manifest describes are not added (use export).
Which core fields and sections differ is read from the plan of the pulled agents (the routing of
edits that live outside the document, ``pull_sources``); the document merge then pairs file nodes
with live items itself (``export.merge``: it edits YAML, keeping comments, not the API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync import atomic
from mhsync.config import Target
from mhsync.export import ExportOptions, export_agent, merge_agent
from mhsync.export.stream import rewrite
from mhsync.export.yamlstyle import guess_indent, load_all, split_preamble
from mhsync.manifest import Diagnostic
from mhsync.manifest.parse import ParsedAgent
from mhsync.plan import AgentPlan
from mhsync.planner import plan
from mhsync.selection import Selection
from mhsync.state import AgentState, WorkspaceState
from mhsync.workflows.connect import connect
from mhsync.workflows.filemerge import file_items, record_target_pin
from mhsync.workflows.livestate import EVERYTHING, read_live
from mhsync.workflows.plan import load_scope
from mhsync.workflows.pull_sources import route, write_prose
from mhsync.workspace import ENV_TARGET, Workspace


@dataclass(frozen=True)
class PullRequest:
    paths: tuple[Path, ...] = ()
    selection: Selection = EVERYTHING


@dataclass
class PullOutcome:
    changed: dict[Path, list[str]]
    """Files rewritten -> handles of the agents whose documents changed."""
    secrets: list[str]
    """Placeholder variables written for secrets the files did not have."""
    missing: list[str]
    """Selected agents with no live twin: their documents were left alone."""
    warnings: list[Diagnostic]
    target: Target
    requests: int
    left_alone: dict[str, str] = field(default_factory=dict)
    """Agents with workspace edits pull did not write (handle -> which, and where they live):
    values a fragment wrote, or text built with ``${file:...}`` (see ``pull_sources``)."""


def run_pull(workspace: Workspace, request: PullRequest) -> PullOutcome:
    """Reads the workspace it is given (``--target`` included), never the default one."""
    target = workspace.target
    scoped = load_scope(workspace, request.paths, request.selection)
    pinned = {a.uuid: a.handle for a in scoped.everyone.agents.values() if a.uuid}
    with connect(target) as connection:
        live = read_live(
            connection.client,
            scoped.everyone,
            include_unmatched=False,
            selection=request.selection,
        ).state
        requests = connection.counter.total
    by_file: dict[str, list[ParsedAgent]] = {}
    for parsed in scoped.result.agents:
        if parsed.handle in live.agents and parsed.handle in scoped.selected.agents:
            by_file.setdefault(parsed.doc.file, []).append(parsed)
    pulled = [p.handle for agents in by_file.values() for p in agents if p.handle is not None]
    planned = _plan_pulled(scoped.everyone, live, pulled, target.name)
    changed: dict[Path, list[str]] = {}
    secrets: list[str] = []
    left_alone: dict[str, str] = {}
    for file, agents in sorted(by_file.items()):
        path = Path(file)
        text = path.read_text(encoding="utf-8")
        documents = load_all(split_preamble(text)[1], preserve_quotes=True)
        touched, changed_documents = [], set()
        for parsed in agents:
            assert parsed.handle is not None
            handle = parsed.handle
            document = documents[parsed.doc.index - 1]
            routed = route(
                parsed,
                document,
                scoped.everyone.agents[handle],
                live.agents[handle],
                path,
                planned[handle],
            )
            for prose, new_text in routed.prose.items():
                if write_prose(prose, new_text):
                    changed.setdefault(prose, []).append(handle)
            if routed.reported:
                left_alone[handle] = ", ".join(routed.reported) + ": edit them where they live"
            result = merge_agent(
                document,
                file_items(parsed, pinned),
                routed.desired,
                live.agents[handle],
                export_agent(live.agents[handle], ExportOptions(complete=True)),
            )
            repinned = record_pin(
                documents[parsed.doc.index - 1], workspace, live.agents[handle]
            )
            if result.changed or repinned:
                touched.append(handle)
                changed_documents.add(parsed.doc.index - 1)
                secrets.extend(result.secrets)
        if touched:
            rewritten = rewrite(text, documents, changed_documents, indent=guess_indent(text))
            atomic.write_text(path, rewritten)
            changed[path] = touched
    missing = sorted(h for h in scoped.selected.agents if h not in live.agents)
    return PullOutcome(
        changed,
        sorted(set(secrets)),
        missing,
        list(scoped.result.warnings),
        target,
        requests,
        left_alone,
    )


def _plan_pulled(
    desired: WorkspaceState, live: WorkspaceState, handles: list[str], target: str
) -> dict[str, AgentPlan]:
    """The plan of the agents pulled (each has a live twin): the one diff that says which
    values differ, read by the routing of edits (``pull_sources.route``)."""
    made = plan(
        WorkspaceState({h: desired.agents[h] for h in handles}),
        WorkspaceState({h: live.agents[h] for h in handles}),
        target=target,
    )
    return {agent.handle: agent for agent in made.agents}


def record_pin(document: Any, workspace: Workspace, live: AgentState) -> bool:
    """Write this target's entry into a per-target ``metadata.uuid`` mapping (others untouched).

    Only a mapping is written to: a plain uuid already pins every target, and a manifest without
    one matches by name, as its author chose."""
    target = None if workspace.name == ENV_TARGET else workspace.name
    return record_target_pin(document, target, live.uuid)

