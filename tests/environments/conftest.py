"""Two real sandbox servers as ``staging`` and ``production``, one repository of manifests.

The servers come from tests/workspace (separate ports, separate request logs). The project's
targets differ in one ``vars`` value, so the two desired states differ where the manifests say.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.workspace.conftest import (  # noqa: F401 - fixtures
    SECRET,
    TOKEN,
    Mh,
    Server,
    env,
    mh,
    servers,
    write_manifests,
)

HOURS = {"staging": "Open 9-17.", "production": "Open 8-20."}


def write_environments(root: Path, staging: Server, production: Server) -> Path:
    """A project with targets ``staging`` and ``production``; notes say ``${var:HOURS}``."""
    agents = write_manifests(root)
    front = agents / "front-desk.yaml"
    front.write_text(
        front.read_text(encoding="utf-8").replace("- Open 9-17.", "- ${var:HOURS}"),
        encoding="utf-8",
    )
    (root / "mhsync.yaml").write_text(
        textwrap.dedent(
            f"""\
            manifests: [agents]
            default_target: staging
            targets:
              staging:
                base_url: {staging.url}
                token_env: MHSYNC_A_TOKEN
                vars: {{HOURS: "{HOURS['staging']}"}}
              production:
                base_url: {production.url}
                token_env: MHSYNC_B_TOKEN
                vars: {{HOURS: "{HOURS['production']}"}}
            """
        ),
        encoding="utf-8",
    )
    return root


def load_yaml(path: Path) -> object:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@pytest.fixture
def envs(
    tmp_path: Path,
    servers: tuple[Server, Server],  # noqa: F811 - the fixture imported above
    env: pytest.MonkeyPatch,  # noqa: F811
) -> tuple[Path, Server, Server]:
    staging, production = servers
    root = write_environments(tmp_path / "project", staging, production)
    env.chdir(root)
    return root, staging, production


__all__ = ["SECRET", "TOKEN", "load_yaml"]
