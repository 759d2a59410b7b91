"""The schema modeline of exported and snapshot files points at a schema file that exists.

An editor resolves ``# yaml-language-server: $schema=PATH`` relative to the file; a path to a
``schemas/`` folder the project does not have validates nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from mhsync.workflows.schemas import schema_text
from tests.e2e.conftest import Project, Result

Mh = Callable[..., Result]
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def schema_of(manifest: Path) -> Path:
    first = manifest.read_text(encoding="utf-8").splitlines()[0]
    found = MODELINE.match(first)
    assert found, first
    return (manifest.parent / found.group(1)).resolve()


def assert_resolves(manifest: Path) -> None:
    schema = schema_of(manifest)
    assert schema.is_file(), f"{manifest.name}: {schema} does not exist"
    assert schema.read_text(encoding="utf-8") == schema_text("agent")
    assert "spec" in json.loads(schema.read_text(encoding="utf-8"))["properties"]


def test_exported_manifests_point_at_an_existing_schema(project: Project, mh: Mh) -> None:
    assert not (project.root / "schemas").exists()
    assert mh("apply", "agents", "--auto-approve", "--no-snapshot").code == 0
    result = mh("export", "--all", "-o", "exported")
    assert result.code == 0, result.text
    files = sorted((project.root / "exported").glob("*.yaml"))
    assert len(files) == 3
    for path in files:
        assert_resolves(path)


def test_snapshot_manifests_point_at_an_existing_schema(project: Project, mh: Mh) -> None:
    assert mh("apply", "agents", "--auto-approve").code == 0
    service = project.root / "agents" / "whatsapp-support.yaml"
    text = service.read_text(encoding="utf-8")
    service.write_text(text.replace("  language: sv\n", "  language: da\n", 1), encoding="utf-8")
    again = mh("apply", "agents", "--auto-approve")
    assert again.code == 0, again.text
    found = re.search(r"Snapshot saved: (\S+)", again.err)
    assert found, again.err
    files = sorted(Path(found.group(1)).glob("*.yaml"))
    assert files
    for path in files:
        assert_resolves(path)


def test_an_existing_schema_file_is_brought_up_to_date(project: Project, mh: Mh) -> None:
    stale = project.root / "schemas" / "agent.schema.json"
    stale.parent.mkdir()
    stale.write_text("{}\n", encoding="utf-8")
    assert mh("apply", "agents", "--auto-approve", "--no-snapshot").code == 0
    assert mh("export", "--all", "-o", "exported").code == 0
    assert stale.read_text(encoding="utf-8") == schema_text("agent")
