"""Where a pulled edit is written, for agents built from fragments or ``${file:...}``.

``pull`` writes an agent's workspace edits into its document. Some values do not live there:

- a value a fragment wrote lives in the fragment, which other agents share; pull reports the
  edit and writes nothing (copying it into this agent would silently override the fragment);
- a core field written as exactly ``${file:PATH}`` lives in that file: pull writes the new text
  there (with one final newline, the rule ``${file:}`` reads by) and leaves the reference;
- a value with ``${file:...}`` inside other text cannot be split back: reported.

``route`` hides these edits from the document merge (the desired side is made to agree with the
live side there), so the rest of the agent's edits are still pulled as usual.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mhsync import atomic
from mhsync.manifest.files import MARKER
from mhsync.manifest.fragments import ComposedDoc
from mhsync.manifest.parse import ParsedAgent
from mhsync.plan import AgentPlan
from mhsync.sections import CORE, section
from mhsync.state import AgentState

_WHOLE_FILE = re.compile(r"\$\{file:([^}]*)\}")


@dataclass
class Routed:
    """One agent's edits, sorted by where they go."""

    desired: AgentState
    """The desired side to merge into the document (edits that live elsewhere hidden)."""
    prose: dict[Path, str] = field(default_factory=dict)
    """``${file:}`` files -> their new text."""
    reported: list[str] = field(default_factory=list)
    """Edits pull does not write, with where they live."""


def route(
    parsed: ParsedAgent,
    document: Any,
    desired: AgentState,
    live: AgentState,
    manifest: Path,
    planned: AgentPlan,
) -> Routed:
    """``planned`` is the agent's plan: only what it changes is routed."""
    spec = document.get("spec") if isinstance(document, Mapping) else None
    spec = spec if isinstance(spec, Mapping) else {}
    routed = Routed(desired)
    hidden: set[str] = set()
    for key in sorted(changed_keys(planned)):
        written = spec.get(key)
        fragment = _fragment_under(parsed, key)
        whole = _WHOLE_FILE.fullmatch(written) if isinstance(written, str) else None
        if fragment is not None:
            routed.reported.append(f"spec.{key} (from fragment `{fragment}`)")
        elif whole is not None and isinstance(live.objects[CORE.key].get(key), str):
            target = manifest.parent / whole.group(1).strip()
            routed.prose[target] = str(live.objects[CORE.key][key]) + "\n"
        elif MARKER in str(written):
            routed.reported.append(f"spec.{key} (built with {written})")
        else:
            continue
        hidden.add(key)
    hidden |= _inherited_sections(parsed)
    routed.desired = _hide(desired, live, hidden)
    return routed


def changed_keys(planned: AgentPlan) -> set[str]:
    """Core fields and section keys the agent's plan changes.

    Read from the plan, not compared again: ignored paths, values that compare equal in
    canonical form and the items' uuids never count as edits, exactly as in ``plan``."""
    keys: set[str] = set()
    for change in planned.changes:
        if change.section == CORE.key:
            keys.update(f.path.head for f in change.fields)
        else:
            keys.add(change.section)
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


def _inherited_sections(parsed: ParsedAgent) -> set[str]:
    """Collections with any inherited item: their document list is not the merged list."""
    if not isinstance(parsed.doc, ComposedDoc):
        return set()
    return {key for key in parsed.collections if _fragment_under(parsed, key) is not None}


def _hide(desired: AgentState, live: AgentState, keys: set[str]) -> AgentState:
    if not keys:
        return desired
    objects = copy.deepcopy(desired.objects)
    collections = dict(desired.collections)
    for key in keys:
        if key in collections:
            del collections[key]
        elif key in objects and section(key).kind == "object":
            objects[key] = copy.deepcopy(live.objects.get(key, {}))
        else:
            core = objects[CORE.key]
            value = live.objects.get(CORE.key, {}).get(key)
            if value is None:
                core.pop(key, None)
            else:
                core[key] = value
    return dataclasses.replace(desired, objects=objects, collections=collections)


def write_prose(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; True when it changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic.write_text(path, text)  # fsync and rename, the file's mode kept
    return True
