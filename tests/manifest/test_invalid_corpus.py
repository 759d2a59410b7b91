"""The corpus of invalid manifests: every file must give exactly its expected diagnostics.

Each ``invalid/NNN-name.yaml`` has a ``.expected`` file holding the diagnostics as printed
(``line:col: path: message (hint)``, without the file name), one per line. The expected files
are written by hand-checked runs and reviewed like code: they are the user-facing messages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mhsync.manifest import load_manifests

CORPUS = Path(__file__).parent / "invalid"
CASES = sorted(CORPUS.glob("*.yaml"))
VARIABLES = {"ext": "201"}
ENV = {"HOOK_SECRET": "set"}


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        assert case.with_suffix(".expected").is_file(), case.name


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_invalid_manifest(case: Path) -> None:
    expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    result = load_manifests([case], variables=VARIABLES, env=ENV)
    prefix = f"{case}:"
    got = [str(d).removeprefix(prefix) for d in result.diagnostics]
    assert got == expected
    assert all(d.file == str(case) for d in result.diagnostics)
    assert all(d.line >= 1 and d.col >= 1 for d in result.diagnostics)
    if any(d.severity == "error" for d in result.diagnostics):
        assert not result.ok()
    else:
        assert result.ok() and not result.ok(strict=True)
