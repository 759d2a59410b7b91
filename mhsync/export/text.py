"""An exported agent as the text of its manifest file."""

from __future__ import annotations

from typing import Any

from mhsync.export.comments import set_eol_comment
from mhsync.export.document import ExportedAgent
from mhsync.export.yamlstyle import dump_all, styled

SECRET_COMMENT = "write-only secret: the API never returns it; set this variable before apply"
"""Said next to every secret placeholder, so the reader knows the value must be provided."""


def schema_modeline(schema: str) -> str:
    """The first line of a manifest: editors with the YAML language server validate against it."""
    return f"yaml-language-server: $schema={schema}"


def manifest_text(exported: ExportedAgent, schema: str | None = None) -> str:
    """The file: schema modeline, then the document, with a comment at each secret placeholder."""
    node = styled(exported.document)
    for slot in exported.secrets:
        container: Any = node
        for part in slot.loc[:-1]:
            container = container[part]
        set_eol_comment(container, slot.loc[-1], SECRET_COMMENT)
    if schema:
        node.yaml_set_start_comment(schema_modeline(schema))
    return dump_all([node])
