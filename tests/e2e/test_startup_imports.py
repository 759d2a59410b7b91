"""What ``mhsync plan`` and ``mhsync validate`` import: nothing those commands never use.

Imports are a serial cost of every command, paid before the first manifest is read (issue 16).
Each command runs in a fresh interpreter through the console script's entry point
(``mhsync.cli.main:main``) and reports ``sys.modules`` at its end, so a module imported late (in
a function) counts as much as one imported at the top. A heavy module that creeps back onto the
path of these commands (httpx's own command-line client with rich and pygments, the executor,
rich for output that has no colours) fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import Project

SCRIPT = """
import sys
from mhsync.cli.main import main
sys.argv = ["mhsync", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(name for name, module in sys.modules.items() if module is not None)
print("\\nMODULES", code, " ".join(loaded))
"""

NEVER_ON_PLAN = (
    "httpx._main",  # httpx's own CLI: rich.syntax, rich.table, rich.progress, pygments
    "pygments",
    "rich",  # output without colours (a pipe, CI) is drawn without rich
    "mhsync.executor.execute",
    "mhsync.executor.runner",
    "mhsync.executor.scheduler",
    "mhsync.executor.bodies",
    "mhsync.export",
    "mhsync.sandbox",  # the target is a server: the embedded sandbox stays out
)
NEVER_ON_VALIDATE = (
    *NEVER_ON_PLAN,
    "httpx",
    "mhsync.client",
    "mhsync.executor",
    "mhsync.planner",
)


def _modules_after(root: Path, *argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith("MODULES "), done.stdout + done.stderr
    _, code, *modules = last.split()
    return int(code) if code != "None" else 0, set(modules)


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("plan",), id="text"),
        pytest.param(("plan", "--markdown"), id="markdown"),
        pytest.param(("plan", "--json", "--detailed-exitcode"), id="json"),
    ],
)
def test_plan_imports_no_module_it_never_uses(project: Project, argv: tuple[str, ...]) -> None:
    code, modules = _modules_after(project.root, *argv)
    assert code in (0, 2)
    assert {"mhsync.workflows.plan", "mhsync.client.http", "mhsync.planner"} <= modules
    assert _loaded(modules, NEVER_ON_PLAN) == []


def test_validate_imports_neither_the_client_nor_the_planner(project: Project) -> None:
    code, modules = _modules_after(project.root, "validate")
    assert code == 0
    assert "mhsync.workflows.validate" in modules
    assert _loaded(modules, NEVER_ON_VALIDATE) == []
