"""``${env:NAME}`` and ``${var:NAME}`` in manifest values, and the rule that secrets are references.

Variables are substituted into every string value (whole or embedded) before validation, so a
value like ``"${var:support_extension}"`` can fill an integer field too. Secret fields (the
descriptors' ``sensitive`` paths) are the exception: they must be exactly ``${env:NAME}`` and
stay unresolved, so no secret value is ever held in a state, a plan or an output; the executor
resolves them at request time. So loading (validate, plan, drift, the pre-commit hooks) never
needs a secret's value, nor even its variable: secrets are write-only and compared by presence;
apply checks every variable it will send before its first write. ``$${`` writes a literal ``${``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mhsync.manifest.diagnostics import Diagnostic
from mhsync.manifest.document import VARIABLE_NAME, spec_loc
from mhsync.manifest.yamlio import Loc, SourceDoc, format_loc
from mhsync.sections import SECTIONS

_LEAVES = frozenset({int, float, bool, type(None)})
_REFERENCE = re.compile(r"\$\$\{|\$\{(env|var):([^}]*)\}")
_NAME = re.compile(VARIABLE_NAME)
SECRET_REFERENCE = re.compile(rf"\$\{{env:({VARIABLE_NAME})\}}")


@dataclass(frozen=True)
class Sources:
    """Where references are looked up: target variables and the process environment."""

    variables: Mapping[str, str]
    env: Mapping[str, str]
    check_env: bool = True
    """When false (offline tooling), ``${env:...}`` is neither checked nor substituted."""


_SENSITIVE = tuple(
    (d, spec_loc(d), tuple(path.parts for path in sorted(d.sensitive)))
    for d in SECTIONS
    if d.sensitive
)
"""Each section with secret fields, where it lives, and the parts of its secret paths in order."""


def secret_locs(data: Any) -> list[Loc]:
    """Locations of secret fields present in one document, from the descriptors."""
    spec = data.get("spec") if isinstance(data, dict) else None
    if not isinstance(spec, dict):
        return []
    found: list[Loc] = []
    for descriptor, base, paths in _SENSITIVE:
        value = spec if len(base) == 1 else spec.get(descriptor.key)
        holders: list[Loc] = []
        if descriptor.kind == "collection" and isinstance(value, list):
            holders = [(*base, i) for i in range(len(value))]
        elif isinstance(value, dict):
            holders = [base]
        for holder in holders:
            found.extend((*holder, *parts) for parts in paths)
    return found


def substitute(doc: SourceDoc, sources: Sources) -> list[Diagnostic]:
    """Replace references in ``doc.data`` in place; report unset ones and literal secrets.

    Most documents hold references only in their secret fields, which stay as written: when
    the reader counted as many strings with ``${`` as the secret fields hold
    (``SourceDoc.references``), no other value has one, and the walk over every value (a
    quarter of validating a document) would change nothing and report nothing.
    """
    secrets = set(secret_locs(doc.data))
    literal: list[Loc] = []
    held = 0
    for loc in secrets:
        value = doc.get(loc)
        if value is None:
            continue
        if isinstance(value, str) and SECRET_REFERENCE.fullmatch(value) is not None:
            held += 1
        else:
            literal.append(loc)
            held += isinstance(value, str) and "${" in value
    problems = [_literal_secret(doc, loc) for loc in sorted(literal, key=format_loc)]
    if doc.references != held:
        doc.data = _walk(doc, doc.data, (), secrets, sources, problems)
    return problems


def _walk(
    doc: SourceDoc,
    value: Any,
    loc: Loc,
    secrets: set[Loc],
    sources: Sources,
    problems: list[Diagnostic],
) -> Any:
    """``value`` with its references replaced; containers are changed in place, not copied
    (the data of a document is its own: aliases were expanded into separate values)."""
    if loc in secrets:
        return value
    if isinstance(value, str):
        return _replace(doc, value, loc, sources, problems) if "${" in value else value
    if isinstance(value, dict | list):
        entries = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in entries:
            kind = item.__class__  # exact classes first: most items are plain leaves
            if kind is str:
                if "${" not in item:
                    continue
            elif kind in _LEAVES or not isinstance(item, dict | list | str):
                continue
            replaced = _walk(doc, item, (*loc, key), secrets, sources, problems)
            if replaced is not item:
                value[key] = replaced
    return value


def _replace(
    doc: SourceDoc, text: str, loc: Loc, sources: Sources, problems: list[Diagnostic]
) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        kind, name = match.group(1), match.group(2)
        if not _NAME.fullmatch(name):
            problems.append(_error(doc, loc, f"`{match.group(0)}`: invalid name", "bad-reference"))
            return match.group(0)
        if kind == "env":
            if not sources.check_env:
                return match.group(0)
            if name not in sources.env:
                problems.append(_unset_env(doc, loc, name))
                return match.group(0)
            return sources.env[name]
        if name not in sources.variables:
            problems.append(
                _error(
                    doc,
                    loc,
                    f"variable `{name}` is not defined for this target",
                    "var-unset",
                    "define it under the target's `vars` in mhsync.yaml",
                )
            )
            return match.group(0)
        return sources.variables[name]

    return _REFERENCE.sub(one, text)


def _literal_secret(doc: SourceDoc, loc: Loc) -> Diagnostic:
    """A secret must be an ``${env:NAME}`` reference; whether NAME is set matters only to apply."""
    return _error(
        doc,
        loc,
        "must be an environment reference like ${env:NAME}; secrets are never written in manifests",
        "literal-secret",
    )


def _unset_env(doc: SourceDoc, loc: Loc, name: str) -> Diagnostic:
    return _error(doc, loc, f"environment variable `{name}` is not set", "env-unset")


def _error(
    doc: SourceDoc, loc: Loc, message: str, code: str, hint: str | None = None
) -> Diagnostic:
    return doc.diagnostic(loc, message, code=code, hint=hint)
