"""Manifests: YAML files in git describing agents, loaded and validated into desired state.

    result = load_manifests([Path("agents")], variables=target.vars)
    for diagnostic in result.diagnostics: print(diagnostic)
    desired = result.workspace            # only meaningful when not result.errors

See ``docs/manifests.md`` for the format and every rule.
"""

from mhsync.manifest.diagnostics import Diagnostic, Severity
from mhsync.manifest.document import AgentDocument
from mhsync.manifest.loader import LoadResult, load_manifests

__all__ = ["AgentDocument", "Diagnostic", "LoadResult", "Severity", "load_manifests"]
