"""Which agents a command works on: ``--agent PATTERN``, ``--exclude-agent PATTERN`` and
``--selector key=value,key!=value``.

``--agent`` and ``--exclude-agent`` take handles or shell-style globs (``volvo-*``, ``team-?``,
``[ab]-desk``; ``fnmatch``, case-sensitive, as handles are lowercase). An agent is selected when
some ``--agent`` pattern matches its handle (or none was given), every label requirement holds,
and no ``--exclude-agent`` pattern matches it.

A selection narrows what is read, planned and written; it never widens what may be deleted.
Live agents that no manifest describes carry no labels, so a label selector can never select
them for ``--prune``; only an ``--agent`` pattern matching their derived handle, or exclusions
alone, can.

An exact handle that names no agent is an error (a typo must not plan nothing silently); a glob
or an exclusion that matches nothing is a warning, and an error with ``--prune``, where the
selection decides what may be deleted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from mhsync.errors import ConfigError
from mhsync.state import WorkspaceState

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-/]+)\s*(!=|==|=)\s*([A-Za-z0-9_.\-/]*)\s*$")


@dataclass(frozen=True)
class LabelRequirement:
    key: str
    value: str
    equal: bool

    def holds(self, labels: Mapping[str, str]) -> bool:
        if self.equal:
            return labels.get(self.key) == self.value
        return labels.get(self.key) != self.value

    def __str__(self) -> str:
        return f"{self.key}{'=' if self.equal else '!='}{self.value}"


def is_glob(pattern: str) -> bool:
    """True when ``pattern`` has shell wildcards (``*``, ``?``, ``[...]``), not a plain handle."""
    return any(char in pattern for char in "*?[")


def _matches(handle: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(handle, pattern) for pattern in patterns)


@dataclass(frozen=True)
class Selection:
    """Empty means "everything"; otherwise an agent must match an ``--agent`` pattern (when any),
    every requirement, and no exclusion."""

    handles: frozenset[str] = frozenset()
    """``--agent`` patterns: exact handles or globs."""
    requirements: tuple[LabelRequirement, ...] = ()
    excluded: frozenset[str] = frozenset()
    """``--exclude-agent`` patterns."""

    @classmethod
    def parse(
        cls,
        handles: Iterable[str] = (),
        selector: str | None = None,
        excluded: Iterable[str] = (),
    ) -> Selection:
        requirements: list[LabelRequirement] = []
        for part in (selector or "").split(","):
            if not part.strip():
                continue
            found = _REQUIREMENT.match(part)
            if not found:
                raise ConfigError(
                    f"invalid selector {part.strip()!r}: use key=value or key!=value, "
                    "comma-separated"
                )
            key, operator, value = found.groups()
            requirements.append(LabelRequirement(key, value, operator != "!="))
        return cls(
            frozenset(h.strip() for h in handles if h.strip()),
            tuple(requirements),
            frozenset(e.strip() for e in excluded if e.strip()),
        )

    @property
    def is_everything(self) -> bool:
        return not self.handles and not self.requirements and not self.excluded

    def selects(self, handle: str, labels: Mapping[str, str]) -> bool:
        if self.is_everything:
            return True
        if self.excluded and _matches(handle, self.excluded):
            return False
        if self.handles and not _matches(handle, self.handles):
            return False
        return all(r.holds(labels) for r in self.requirements)

    def selects_unmanaged(self, handle: str) -> bool:
        """A live-only agent (no manifest, no labels) is in scope when unfiltered, when an
        ``--agent`` pattern matches it, or when only exclusions were given and none matches it;
        never through a label requirement."""
        if self.requirements:
            return False
        return self.selects(handle, {})

    def apply(self, desired: WorkspaceState) -> WorkspaceState:
        """The selected desired agents (``check_known`` reports handles that name none)."""
        return WorkspaceState(
            {h: a for h, a in desired.agents.items() if self.selects(h, a.labels)}
        )

    def check_known(self, known: Sequence[str], *, prune: bool = False) -> list[str]:
        """Raise for an exact ``--agent`` handle that names none of ``known``; return a warning
        for each glob or exclusion that matches none (with ``prune``: raise for those too)."""
        unknown = sorted(h for h in self.handles if not is_glob(h) and h not in set(known))
        if unknown:
            raise ConfigError(
                "--agent names no agent in the manifests: " + ", ".join(unknown)
                + (f" (known: {', '.join(sorted(known))})" if known else "")
            )
        idle = [
            f"--agent {p!r} matches no agent" for p in sorted(self.handles)
            if is_glob(p) and not _matches_any(p, known)
        ] + [
            f"--exclude-agent {p!r} matches no agent" for p in sorted(self.excluded)
            if not _matches_any(p, known)
        ]
        if idle and prune:
            raise ConfigError(
                "; ".join(idle) + ": with --prune every pattern must match, so that the "
                "selection is exactly what was meant"
            )
        return idle

    def describe(self) -> str:
        parts = [f"agent={h}" for h in sorted(self.handles)]
        parts += [str(r) for r in self.requirements]
        parts += [f"exclude-agent={h}" for h in sorted(self.excluded)]
        return ", ".join(parts) or "all agents"


def _matches_any(pattern: str, handles: Iterable[str]) -> bool:
    return any(fnmatchcase(handle, pattern) for handle in handles)
