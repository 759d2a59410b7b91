"""Shell completion as the README documents it (click's ``_MHSYNC_COMPLETE``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def complete(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "mhsync")],  # the console script: its name counts
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_readme_documents_completion_for_bash_zsh_and_fish() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert re.search(rf"_MHSYNC_COMPLETE={shell}_source mhsync", readme), shell


def test_bash_completes_commands_and_options() -> None:
    source = complete({"_MHSYNC_COMPLETE": "bash_source"})
    assert source.returncode == 0 and "_mhsync_completion" in source.stdout
    words = complete(
        {"_MHSYNC_COMPLETE": "bash_complete", "COMP_WORDS": "mhsync pl", "COMP_CWORD": "1"}
    )
    assert "plain,plan" in words.stdout.splitlines()
    options = complete(
        {"_MHSYNC_COMPLETE": "bash_complete", "COMP_WORDS": "mhsync plan --det", "COMP_CWORD": "2"}
    )
    assert "plain,--detailed-exitcode" in options.stdout.splitlines()
