"""Checks across items and documents: duplicates, limits, references and the rules table.

These run after every document was parsed, on the items that validated, so that one report
carries every problem. Nothing here names a section: identity fields, limits and references come
from the descriptors, conditional rules from ``rules.RULES``.

Most of it looks at one document alone (``check_document``), so a process loading a share of
the files can run it beside parsing (``manifest/parallel.py``); only two things span documents
and wait for every agent: duplicate agent names and uuids, and whether a name an item refers
to is some manifest's agent. ``check_document`` leaves a placeholder (``AgentRef``) where that
answer goes, so that ``check_all`` gives the same diagnostics in the same order however the
per-document part was computed (``tests/manifest/test_checks_split.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from mhsync.convert import identity_of
from mhsync.manifest.diagnostics import Diagnostic, did_you_mean
from mhsync.manifest.document import spec_loc
from mhsync.manifest.parse import ParsedAgent
from mhsync.manifest.rules import RULES, SET, Rule
from mhsync.manifest.translate import close_match
from mhsync.manifest.yamlio import Loc
from mhsync.sections import COLLECTIONS, CORE, Ref, SectionDescriptor, ref_section, section


class AgentRef(NamedTuple):
    """Where a document names another agent (``loc``) and the name: checked against every
    manifest's agents once all are known (a tuple: one is made for each such reference)."""

    loc: Loc
    name: str


Finding = Diagnostic | AgentRef
"""What ``check_document`` finds, in report order."""

Checked = Callable[[ParsedAgent], Sequence[Finding] | None]
"""``check_document``'s findings for an agent when already computed (a worker process ran it
beside parsing); ``None``: compute them here."""


def check_all(agents: list[ParsedAgent], checked: Checked | None = None) -> list[Diagnostic]:
    """Every cross-item and cross-document problem of the parsed agents."""
    problems = _duplicate_agents(agents)
    names = {a.handle for a in agents if a.handle}
    handles: list[str] = []  # sorted when a suggestion needs them (most references resolve)
    for agent in agents:
        found = checked(agent) if checked is not None else None
        for finding in check_document(agent) if found is None else found:
            if isinstance(finding, Diagnostic):
                problems.append(finding)
            elif finding.name not in names:
                handles = handles or sorted(names)
                message = f"no agent named `{finding.name}` in these manifests"
                problems.extend(_unknown_name(agent, finding.loc, finding.name, handles, message))
    return problems


def check_document(agent: ParsedAgent) -> list[Finding]:
    """The checks of one document on its own: duplicate items, limits, references within the
    agent (those to other agents as ``AgentRef``) and the rules table."""
    findings: list[Finding] = []
    for descriptor in COLLECTIONS:
        if descriptor.key in agent.collections:
            findings.extend(_duplicate_items(agent, descriptor))
            findings.extend(_limit(agent, descriptor))
            findings.extend(_references(agent, descriptor))
    findings.extend(_rules(agent))
    return findings


def _duplicate_agents(agents: list[ParsedAgent]) -> list[Diagnostic]:
    problems: list[Diagnostic] = []
    for field_name in ("name", "uuid"):
        first: dict[str, ParsedAgent] = {}
        for agent in agents:
            value = agent.doc.get(("metadata", field_name))
            if not isinstance(value, str):
                continue
            loc: Loc = ("metadata", field_name)
            if value not in first:
                first[value] = agent  # its line only when a duplicate needs it (see Marks)
                continue
            file, line = first[value].doc.file, first[value].doc.value_mark(loc).line
            where = f"line {line}" if file == agent.doc.file else f"{file}:{line}"
            problems.append(
                agent.doc.diagnostic(
                    loc,
                    f"duplicate agent {field_name} `{value}` (first at {where})",
                    code="duplicate-agent",
                )
            )
    return problems


def _duplicate_items(agent: ParsedAgent, descriptor: SectionDescriptor) -> list[Diagnostic]:
    identity = descriptor.identity
    if identity is None:
        return []
    problems: list[Diagnostic] = []
    first: dict[str, int] = {}
    for item in agent.collections[descriptor.key]:
        key = identity_of(descriptor, item.data)
        if key in first:  # places are made only for a duplicate
            item_loc = agent.item_loc(descriptor, item.index)
            written = item.data.get(identity) is not None
            loc = (*item_loc, identity)
            derived = "" if written else " (derived from name)"
            line = agent.doc.value_mark(agent.item_loc(descriptor, first[key])).line
            problems.append(
                agent.doc.diagnostic(
                    loc if written else item_loc,
                    f"duplicate {identity} `{key}`{derived}; first at line {line}",
                    code="duplicate-item",
                )
            )
        else:
            first[key] = item.index
    return problems


def _limit(agent: ParsedAgent, descriptor: SectionDescriptor) -> list[Diagnostic]:
    if descriptor.limit is None:
        return []
    written = agent.doc.get(spec_loc(descriptor))
    if not isinstance(written, list):
        return []
    if len(written) <= descriptor.limit:
        return []
    return [
        agent.doc.diagnostic(
            agent.item_loc(descriptor, descriptor.limit),
            f"too many items: the API allows at most {descriptor.limit} {descriptor.key} per agent"
            f" (found {len(written)})",
            code="limit",
        )
    ]


def _references(agent: ParsedAgent, descriptor: SectionDescriptor) -> Iterator[Finding]:
    if not descriptor.refs:
        return
    for item in agent.collections[descriptor.key]:
        for ref in descriptor.refs:
            holders = item.data.get(ref.within) if ref.within else [item.data]
            for position, holder in enumerate(holders if isinstance(holders, list) else []):
                name = holder.get(ref.name_field)
                if name is None:
                    continue  # places are made only for a name written
                item_loc = agent.item_loc(descriptor, item.index)
                base = (*item_loc, ref.within, position) if ref.within else item_loc
                loc = (*base, ref.name_field)
                if holder.get(ref.api_field) is not None:
                    yield agent.doc.diagnostic(
                        loc, f"set only one of {ref.name_field} and {ref.api_field}", code="ref"
                    )
                    continue
                target = ref_section(ref)
                if target is None:
                    yield AgentRef(loc, name)
                else:
                    yield from _unknown_in_section(agent, loc, name, ref, target)


def _unknown_in_section(
    agent: ParsedAgent, loc: Loc, name: str, ref: Ref, target: SectionDescriptor
) -> Iterator[Diagnostic]:
    section_key = target.key
    known = agent.identities.get(section_key)
    if known is None:
        yield agent.doc.diagnostic(
            loc,
            f"`{name}` cannot be checked: this agent does not manage spec.{section_key}",
            code="unchecked-ref",
            severity="warning",
        )
        return
    message = (
        f"no {ref.name_field} with {target.identity} `{name}` in this agent's spec.{section_key}"
    )
    yield from _unknown_name(agent, loc, name, sorted(known), message)


def _unknown_name(
    agent: ParsedAgent, loc: Loc, name: str, known: Collection[str], message: str
) -> Iterator[Diagnostic]:
    if name in known:
        return
    near = close_match(name, known)
    yield agent.doc.diagnostic(
        loc, message, code="unresolved-ref", hint=did_you_mean(near) if near else None
    )


# --- the rules table ------------------------------------------------------------------------


def _rules(agent: ParsedAgent) -> Iterator[Diagnostic]:
    """Rows of the rules table, in table order; an item's place is made only for a diagnostic
    (most items break no rule, and one place per item and rule was most of this check's time)."""
    for rule in RULES:
        for section_key in rule.sections:
            for index, data in _items_of(agent, section_key):
                if _when_holds(rule, data) and _broken(rule, data):
                    loc = _item_place(agent, section_key, index)
                    yield from _apply(agent, rule, loc, data)


def _items_of(agent: ParsedAgent, section_key: str) -> list[tuple[int, Mapping[str, Any]]]:
    """Each item's list position and data (the core: position -1)."""
    if section_key == CORE.key:
        return [] if agent.core is None else [(-1, agent.core)]
    return [(item.index, item.data) for item in agent.collections.get(section_key, ())]


def _item_place(agent: ParsedAgent, section_key: str, index: int) -> Loc:
    if section_key == CORE.key:
        return spec_loc(CORE)
    return agent.item_loc(section(section_key), index)


def _when_holds(rule: Rule, data: Mapping[str, Any]) -> bool:
    return all(_holds(data.get(field_name), values) for field_name, values in rule.when)


def _broken(rule: Rule, data: Mapping[str, Any]) -> bool:
    """Whether ``_apply`` reports anything for this item (tested without building a place)."""
    if rule.kind == "require":
        return not any(_is_set(data.get(f)) for f in rule.fields)
    for field_name in rule.fields:
        value = data.get(field_name)
        if _is_set(value) and (rule.kind == "forbid" or not _is_url(str(value), rule.kind)):
            return True
    return False


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def _is_url(value: str, kind: str) -> bool:
    """``https``: starts with ``https://``; ``url``: an http(s) URL with a host, no spaces."""
    if kind == "https":
        return value.startswith("https://")
    parts = urlsplit(value)
    spaced = any(c.isspace() for c in value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not spaced


def _holds(value: Any, values: frozenset[str | None]) -> bool:
    if _is_set(value):
        return SET in values or (isinstance(value, str) and value in values)
    return None in values


class _Fields(dict[str, str]):
    """Item fields for rule messages; a name the item lacks stays as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _apply(
    agent: ParsedAgent, rule: Rule, loc: Loc, data: Mapping[str, Any]
) -> Iterator[Diagnostic]:
    def message() -> str:  # formatted only for a diagnostic: most items break no rule
        return rule.message.format_map(_Fields({k: str(v) for k, v in data.items()}))

    if rule.kind == "require":
        if not any(_is_set(data.get(f)) for f in rule.fields):
            yield agent.doc.diagnostic(
                (*loc, rule.fields[0]),
                message(),
                code=rule.code,
                at="container",
                severity=rule.severity,
            )
        return
    for field_name in rule.fields:
        value = data.get(field_name)
        if not _is_set(value):
            continue
        if rule.kind == "forbid" or not _is_url(str(value), rule.kind):
            yield agent.doc.diagnostic(
                (*loc, field_name), message(), code=rule.code, severity=rule.severity
            )
