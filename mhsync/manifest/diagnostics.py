"""Diagnostics: one problem found in a manifest, with the place a user must look.

Every stage of loading (YAML reading, model validation, cross-document checks) reports into the
same type, so a user sees every problem of every file in one sorted list instead of the first one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class UsedBy:
    """For a problem in a value a fragment wrote: the agent it was found in, and its ``uses``."""

    agent: str
    fragment: str
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return (
            f"in fragment `{self.fragment}`, used by agent `{self.agent}` at "
            f"{self.file}:{self.line}:{self.col}"
        )


@dataclass(frozen=True, kw_only=True)
class Diagnostic:
    """One problem at ``file:line:col`` (1-based; line 0 means the file as a whole).

    ``path`` is the dotted field path inside the document (``spec.guard_rules[1].then_action``),
    empty for problems of the file or the YAML itself. ``code`` is a stable machine-readable kind
    (see ``docs/manifests.md``) that tests and CI filters can rely on.
    Built by keyword only: among nine fields, five of them strings, a positional call hides
    which string is the message and which the hint.
    """

    file: str
    line: int = 0
    col: int = 0
    path: str = ""
    message: str
    severity: Severity = "error"
    hint: str | None = None
    code: str = "invalid"
    used_by: UsedBy | None = None
    """Set when the value came from a fragment: ``file:line:col`` are then the fragment's."""

    def __str__(self) -> str:
        where = self.file if self.line <= 0 else f"{self.file}:{self.line}:{self.col}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.severity == "warning":
            text = f"{where}: warning: " + text[len(where) + 2 :]
        if self.hint:
            text = f"{text} ({self.hint})"
        return f"{text} [{self.used_by}]" if self.used_by else text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.path, self.message)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for ``--format json``; keys are the field names.

        ``used_by`` appears only on problems found in a value a fragment wrote.
        """
        data = asdict(self)
        if self.used_by is None:
            del data["used_by"]
        return data


def did_you_mean(candidate: str) -> str:
    """The wording of every "close match" hint, so that they all read alike."""
    return f"did you mean `{candidate}`?"
