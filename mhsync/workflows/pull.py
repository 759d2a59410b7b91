"""The ``pull`` use-case: write what changed in the workspace back into the manifest files.

Pull is the reverse of apply: afterwards ``plan`` shows no changes. It edits the files in place
(see ``mhsync.export.merge``), so a scheduled job can open a pull request whose diff holds only
the dashboard edits: comments, key order, quoting and ``${var:...}`` references of every value
that did not change stay as written. Only what manifests manage is pulled: sections left out and
``ignore`` paths are not touched; live agents no manifest describes are not added (use export).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync.config import Target
from mhsync.convert import item_from_manifest
from mhsync.export import ExportOptions, export_agent, merge_agent
from mhsync.export.yamlstyle import dump_all, guess_indent, load_all, split_preamble
from mhsync.manifest import Diagnostic
from mhsync.manifest.build import names_for_pinned
from mhsync.manifest.files import MARKER
from mhsync.manifest.fragments import ComposedDoc
from mhsync.manifest.parse import ParsedAgent
from mhsync.sections import section
from mhsync.selection import Selection
from mhsync.state import AgentState, Item
from mhsync.workflows.connect import connect
from mhsync.workflows.livestate import EVERYTHING, read_live
from mhsync.workflows.plan import PlanRequest, load_scope, resolve_target


@dataclass(frozen=True)
class PullRequest:
    paths: tuple[Path, ...] = ()
    target: str | None = None
    selection: Selection = EVERYTHING
    cwd: Path = field(default_factory=Path.cwd)


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
    """Agents whose workspace edits were not written (handle -> why): composed from fragments
    or ``${file:...}``, where writing into the agent's document would copy inherited values."""


def run_pull(request: PullRequest) -> PullOutcome:
    config, target = resolve_target(PlanRequest(paths=request.paths, cwd=request.cwd))
    scoped = load_scope(config, target, request.paths, request.selection)
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
    changed: dict[Path, list[str]] = {}
    secrets: list[str] = []
    left_alone: dict[str, str] = {}
    for file, agents in sorted(by_file.items()):
        path = Path(file)
        preamble, text = split_preamble(path.read_text(encoding="utf-8"))
        documents = load_all(text, preserve_quotes=True)
        touched = []
        for parsed in agents:
            assert parsed.handle is not None
            handle = parsed.handle
            document = documents[parsed.doc.index - 1]
            composed = composition_of(
                parsed, document, scoped.everyone.agents[handle], live.agents[handle]
            )
            result = merge_agent(
                copy.deepcopy(document) if composed else document,
                file_items(parsed, pinned),
                scoped.everyone.agents[handle],
                live.agents[handle],
                export_agent(live.agents[handle], ExportOptions(complete=True)),
            )
            if result.changed and composed:
                left_alone[handle] = composed
            elif result.changed:
                touched.append(handle)
                secrets.extend(result.secrets)
        if touched:
            rewritten = dump_all(
                documents,
                preserve_quotes=True,
                indent=guess_indent(text),
                explicit_start=bool(preamble) or text.startswith("---"),
            )
            path.write_text(preamble + rewritten, encoding="utf-8")
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


def composition_of(
    parsed: ParsedAgent, document: Any, desired: AgentState, live: AgentState
) -> str | None:
    """Why this agent's workspace edits cannot be written into its document, if they cannot.

    A changed value that a fragment wrote, or that a ``${file:...}`` holds, lives elsewhere:
    writing it into the agent's document would copy it there (and turn the reference into a
    literal). Such edits are reported and the document is left alone.
    """
    spec = document.get("spec") if isinstance(document, Mapping) else None
    spec = spec if isinstance(spec, Mapping) else {}
    found: list[str] = []
    for key in sorted(_changed_keys(desired, live)):
        fragment = _fragment_under(parsed, key)
        if fragment is not None:
            found.append(f"spec.{key} (from fragment `{fragment}`)")
        elif MARKER in str(spec.get(key, "")):
            found.append(f"spec.{key} (read from {spec.get(key)})")
    return ", ".join(found) + ": edit it where it lives" if found else None


def _changed_keys(desired: AgentState, live: AgentState) -> set[str]:
    keys: set[str] = set()
    core, live_core = desired.objects.get("core", {}), live.objects.get("core", {})
    keys |= {k for k in core if core.get(k) != live_core.get(k)}
    for key, value in desired.objects.items():
        if key != "core" and value != live.objects.get(key):
            keys.add(key)
    for key, items in desired.collections.items():
        if items != live.collections.get(key):
            keys.add(key)
    return keys


def _fragment_under(parsed: ParsedAgent, key: str) -> str | None:
    """The fragment that wrote ``spec.<key>`` or anything inside it, if one did."""
    doc = parsed.doc
    if not isinstance(doc, ComposedDoc):
        return None
    for loc, origin in doc.origins.items():
        if loc[:2] == ("spec", key) and origin.fragment is not None:
            return origin.fragment
    return None


def file_items(parsed: ParsedAgent, pinned: Mapping[str, str]) -> dict[str, list[Item]]:
    """Each collection's items in canonical form, in the order the file lists them."""
    out: dict[str, list[Item]] = {}
    for key, items in parsed.collections.items():
        descriptor = section(key)
        ordered = sorted(items, key=lambda p: p.index)
        out[key] = [
            item_from_manifest(descriptor, names_for_pinned(descriptor, _copy(p.data), pinned))
            for p in ordered
        ]
    return out


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(data))

