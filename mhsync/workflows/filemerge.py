"""Live agents written into the manifest files that already describe them, in place.

``pull`` and ``export`` (into a directory that already holds manifests) both edit files rather
than rewrite them: each agent's document is merged key by key (``mhsync.export.merge``), only
the documents that changed are dumped again (``mhsync.export.stream``), and the file is replaced
atomically. Comments, ``protected``, labels, ``${env:...}``/``${var:...}`` references and the
other documents of a file stay as written.

Export asks for more (``adopt``): every section it would write becomes managed (the file then
describes the whole live agent, as a fresh export does), and the live uuid is pinned.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from mhsync import atomic
from mhsync.convert import item_from_manifest
from mhsync.export import ExportedAgent, merge_agent
from mhsync.export.document import pin_entry
from mhsync.export.stream import rewrite
from mhsync.export.yamlstyle import guess_indent, load_all, split_preamble
from mhsync.manifest.build import names_for_pinned
from mhsync.manifest.parse import ParsedAgent
from mhsync.sections import CORE, SECTIONS, section
from mhsync.state import AgentState, Item, WorkspaceState


@dataclass
class MergedFiles:
    changed: dict[Path, list[str]] = field(default_factory=dict)
    """Files rewritten -> handles of the agents whose documents changed."""
    unchanged: dict[Path, list[str]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    """Placeholder variables written for secrets the files did not have."""


def merge_into_files(
    agents: Sequence[ParsedAgent],
    desired: WorkspaceState,
    live: WorkspaceState,
    exported: Mapping[str, ExportedAgent],
    *,
    adopt: bool = False,
    pin_target: str | None = None,
) -> MergedFiles:
    """Write ``live.agents[h]`` into the document of each parsed agent ``h`` (same handles).

    ``exported[h]`` is the export of the live agent (``complete=True``): where new values come
    from. ``adopt``: manage every section the export writes and pin the uuid (for ``export``),
    as the entry of ``pin_target`` in a per-target ``metadata.uuid`` mapping when one is given.
    """
    pinned = {a.uuid: a.handle for a in desired.agents.values() if a.uuid}
    by_file: dict[str, list[ParsedAgent]] = {}
    for parsed in agents:
        by_file.setdefault(parsed.doc.file, []).append(parsed)
    out = MergedFiles()
    for file, parsed_agents in sorted(by_file.items()):
        path = Path(file)
        text = path.read_text(encoding="utf-8")
        documents = load_all(split_preamble(text)[1], preserve_quotes=True)
        touched: list[str] = []
        untouched: list[str] = []
        indexes: set[int] = set()
        for parsed in parsed_agents:
            assert parsed.handle is not None
            handle = parsed.handle
            document = documents[parsed.doc.index - 1]
            wanted = desired.agents[handle]
            if adopt:
                wanted = _managing_exported(wanted, exported[handle])
            result = merge_agent(
                document,
                file_items(parsed, pinned),
                wanted,
                live.agents[handle],
                exported[handle],
            )
            pinned_now = adopt and _pin(document, live.agents[handle].uuid, pin_target)
            if result.changed or pinned_now:
                touched.append(handle)
                indexes.add(parsed.doc.index - 1)
                out.secrets.extend(result.secrets)
            else:
                untouched.append(handle)
        if touched:
            atomic.write_text(path, rewrite(text, documents, indexes, indent=guess_indent(text)))
            out.changed[path] = touched
        if untouched:
            out.unchanged[path] = untouched
    out.secrets = sorted(set(out.secrets))
    return out


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


def _managing_exported(desired: AgentState, exported: ExportedAgent) -> AgentState:
    """``desired`` also managing every non-empty section the export writes (initially empty)."""
    spec = exported.document["spec"]
    objects = dict(desired.objects)
    collections = dict(desired.collections)
    for descriptor in SECTIONS:
        if descriptor is CORE or not spec.get(descriptor.key):
            continue
        if descriptor.kind == "object":
            objects.setdefault(descriptor.key, {})
        else:
            collections.setdefault(descriptor.key, [])
    return dataclasses.replace(desired, objects=objects, collections=collections)


def _pin(document: CommentedMap, uuid: str | None, target: str | None) -> bool:
    """Record ``uuid`` in ``metadata.uuid`` (after ``metadata.name`` when missing): as the entry
    of ``target`` in a per-target mapping, other targets untouched; True when it changed."""
    metadata = document.get("metadata")
    if not uuid or not isinstance(metadata, CommentedMap):
        return False
    current = metadata.get("uuid")
    if isinstance(current, MutableMapping):
        return record_target_pin(document, target, uuid)
    wanted = pin_entry(current, target, uuid)
    if wanted == current:
        return False
    if "uuid" in metadata:
        metadata["uuid"] = wanted
    else:
        keys = list(metadata)
        metadata.insert(keys.index("name") + 1 if "name" in keys else 0, "uuid", wanted)
    return True


def record_target_pin(document: Any, target: str | None, uuid: str | None) -> bool:
    """Write ``target``'s entry into a per-target ``metadata.uuid`` mapping, in place (comments
    and the other targets' entries kept); True when it changed. Anything but a mapping is left
    alone: a plain uuid already pins every target, and no uuid means matching by name."""
    metadata = document.get("metadata") if isinstance(document, Mapping) else None
    pins = metadata.get("uuid") if isinstance(metadata, Mapping) else None
    if not isinstance(pins, MutableMapping) or target is None or not uuid:
        return False
    if pins.get(target) == uuid:
        return False
    pins[target] = uuid
    return True


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(dict(data))
