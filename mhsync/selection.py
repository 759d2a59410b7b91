"""Which agents a command works on: ``--agent HANDLE`` and ``--selector key=value,key!=value``.

A selection narrows what is read, planned and written; it never widens what may be deleted.
Live agents that no manifest describes carry no labels, so a label selector can never select
them for ``--prune``; only naming their derived handle with ``--agent`` can.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Selection:
    """Empty means "everything"; otherwise an agent must be named or match every requirement."""

    handles: frozenset[str] = frozenset()
    requirements: tuple[LabelRequirement, ...] = ()

    @classmethod
    def parse(cls, handles: Iterable[str] = (), selector: str | None = None) -> Selection:
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
        return cls(frozenset(h.strip() for h in handles if h.strip()), tuple(requirements))

    @property
    def is_everything(self) -> bool:
        return not self.handles and not self.requirements

    def selects(self, handle: str, labels: Mapping[str, str]) -> bool:
        if self.is_everything:
            return True
        if self.handles and handle not in self.handles:
            return False
        return all(r.holds(labels) for r in self.requirements)

    def selects_unmanaged(self, handle: str) -> bool:
        """A live-only agent (no manifest, no labels) is in scope only when named or unfiltered."""
        return self.is_everything or handle in self.handles

    def apply(self, desired: WorkspaceState) -> WorkspaceState:
        """The selected desired agents (``check_known`` reports handles that name none)."""
        return WorkspaceState(
            {h: a for h, a in desired.agents.items() if self.selects(h, a.labels)}
        )

    def check_known(self, known: Sequence[str]) -> None:
        unknown = sorted(self.handles - set(known))
        if unknown:
            raise ConfigError(
                "--agent names no agent in the manifests: " + ", ".join(unknown)
                + (f" (known: {', '.join(sorted(known))})" if known else "")
            )

    def describe(self) -> str:
        parts = [f"agent={h}" for h in sorted(self.handles)]
        parts += [str(r) for r in self.requirements]
        return ", ".join(parts) or "all agents"
