"""A fresh clone in a fresh virtual environment runs the tests: nothing they need is undeclared.

CI installs only ``pip install -e ".[dev]"`` into a new environment (``.ci/run``), so a library
that happens to be installed on one machine can no longer keep a test green there; these tests
say which import is missing before CI does.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CODE = ("mhsync", "tests", "bench")
# Imported directly, installed by a declared dependency that pins them exactly.
PROVIDED_BY = {"pydantic_core": "pydantic", "_ruamel_yaml": "ruamel.yaml"}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    return {normalise(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in requirements}


def imported(path: Path) -> Iterator[str]:
    """Top-level names ``path`` imports, ``pytest.importorskip("x")`` included."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "importorskip"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield str(node.args[0].value).split(".")[0]


def is_local(name: str, path: Path) -> bool:
    """A module of the repository itself (a package, or a test helper beside a test)."""
    places = [REPO, REPO / "tests", *path.parents]
    return any((p / name).is_dir() or (p / f"{name}.py").is_file() for p in places)


def test_every_third_party_import_is_a_declared_dependency() -> None:
    distributions = packages_distributions()
    wanted = declared()
    missing: dict[str, set[str]] = {}
    for folder in CODE:
        for path in sorted((REPO / folder).rglob("*.py")):
            for name in imported(path):
                if name in sys.stdlib_module_names or is_local(name, path):
                    continue
                providers = {normalise(d) for d in distributions.get(name, [name])}
                if name in PROVIDED_BY:
                    providers.add(normalise(PROVIDED_BY[name]))
                if not providers & wanted:
                    missing.setdefault(name, set()).add(str(path.relative_to(REPO)))
    assert missing == {}, "imported but not declared in pyproject.toml: " + repr(missing)


def test_declared_finds_the_runtime_and_the_dev_dependencies() -> None:
    assert {"pydantic", "ruamel-yaml", "pytest", "hypothesis"} <= declared()


def test_the_proof_suites_collect_from_the_root_without_the_root_on_sys_path() -> None:
    """``pytest tests/proof`` (the entry point, not ``python -m``) as docs/benchmarks.md says.

    ``-P`` keeps Python from putting the current directory on ``sys.path``, as the ``pytest``
    script does; seven conftest files import ``tests.e2e.conftest``.
    """
    folders = ["tests/proof", "tests/doctor", "tests/snapshot", "tests/pull", "tests/export"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [
            sys.executable,
            "-P",
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            *folders,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for folder in folders:  # one "file: count" line per test file with -q -q
        assert re.search(rf"^{folder}/test_\w+\.py: [1-9]", done.stdout, re.M), done.stdout
