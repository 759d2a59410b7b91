"""Live state written as manifests: ``export``, the in-place merge of ``pull``, and ``fmt``.

``export_agent`` turns a canonical live agent into a manifest document (canonical key order,
defaults left out, references as names, secrets as placeholders); ``manifest_text`` writes it;
``merge_agent`` writes live values into an existing file's round-trip document; ``format_text``
rewrites a manifest file into the canonical layout keeping its comments.
"""

from mhsync.export.document import ExportedAgent, ExportOptions, SecretSlot, export_agent
from mhsync.export.merge import MergeResult, merge_agent
from mhsync.export.names import unique_handles
from mhsync.export.text import SECRET_COMMENT, manifest_text

__all__ = [
    "SECRET_COMMENT",
    "ExportOptions",
    "ExportedAgent",
    "MergeResult",
    "SecretSlot",
    "export_agent",
    "manifest_text",
    "merge_agent",
    "unique_handles",
]
