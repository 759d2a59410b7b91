"""The CI recipes parse, and every mhsync command line in them names real commands and flags.

Each command line is parsed by the click command it names (``make_context``), exactly as a run
would parse it, without running anything: a renamed flag or command breaks this test, not a
user's pipeline.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from mhsync.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "examples" / "ci" / "github-actions.yml"
GITLAB = REPO / "examples" / "ci" / "gitlab-ci.yml"
PRE_COMMIT = REPO / ".pre-commit-hooks.yaml"
GITLAB_KEYWORDS = {"variables", "default", "stages", "include", "workflow"}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def github_scripts() -> Iterator[str]:
    for job in load(GITHUB)["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                yield step["run"]


def gitlab_scripts() -> Iterator[str]:
    for name, job in load(GITLAB).items():
        if name in GITLAB_KEYWORDS and name != "default":
            continue
        for key in ("before_script", "script", "after_script"):
            yield from job.get(key, [])


def pre_commit_scripts() -> Iterator[str]:
    for hook in load(PRE_COMMIT):
        yield hook["entry"]


def mhsync_lines(script: str) -> list[list[str]]:
    """The argument lists of every ``mhsync ...`` invocation in a shell script."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    found = []
    for index, token in enumerate(tokens):
        if token != "mhsync":
            continue
        args = []
        for arg in tokens[index + 1 :]:
            if arg and all(c in "();<>|&" for c in arg):
                break
            args.append(arg)
        found.append(args)
    return found


SOURCES = {
    "github-actions": github_scripts,
    "gitlab-ci": gitlab_scripts,
    "pre-commit-hooks": pre_commit_scripts,
}
COMMAND_LINES = [
    pytest.param(args, id=f"{source}: mhsync {' '.join(args)}")
    for source, scripts in SOURCES.items()
    for script in scripts()
    for args in mhsync_lines(script)
]


def problem(args: list[str]) -> str | None:
    """Why click would refuse ``mhsync ARGS`` (None: it parses)."""
    if not args:
        return "mhsync without a command"
    command = cli.commands.get(args[0])
    if command is None:
        return f"no command {args[0]!r}; known: {sorted(cli.commands)}"
    try:
        command.make_context(args[0], list(args[1:]))
    except click.ClickException as exc:
        return exc.format_message()
    return None


@pytest.mark.parametrize("args", COMMAND_LINES)
def test_command_line_parses_with_the_real_command(args: list[str]) -> None:
    assert problem(args) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("github-actions", {"validate", "fmt", "plan", "apply", "drift", "pull"}),
        ("gitlab-ci", {"validate", "fmt", "plan", "apply", "drift", "pull"}),
        ("pre-commit-hooks", {"validate", "fmt"}),
    ],
)
def test_each_recipe_covers_its_workflow(source: str, expected: set[str]) -> None:
    used = {args[0] for script in SOURCES[source]() for args in mhsync_lines(script) if args}
    assert used == expected


def test_github_workflow_triggers_and_jobs() -> None:
    workflow = load(GITHUB)
    assert set(workflow["on"]) >= {"pull_request", "push", "schedule"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert set(jobs) == {"plan", "apply", "drift", "drift-pull-request"}
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    runs = [s.get("run", "") for s in jobs["plan"]["steps"]]
    assert any("--markdown > plan.md" in r for r in runs)
    assert any("gh pr comment" in r and "plan.md" in r for r in runs)
    assert "refs/heads/main" in jobs["apply"]["if"]
    uses = [s.get("uses", "") for s in jobs["drift-pull-request"]["steps"]]
    assert any(u.startswith("peter-evans/create-pull-request@") for u in uses)


def test_pre_commit_hooks_are_python_and_read_the_whole_project() -> None:
    hooks = {hook["id"]: hook for hook in load(PRE_COMMIT)}
    assert set(hooks) == {"mhsync-validate", "mhsync-fmt"}
    assert {hook["language"] for hook in hooks.values()} == {"python"}
    assert hooks["mhsync-fmt"]["entry"] == "mhsync fmt --check"
    assert not any(hook["pass_filenames"] for hook in hooks.values())


def test_the_parser_finds_every_invocation_on_a_line() -> None:
    script = 'set +e; mhsync drift -t "$T" --markdown > d.md; code=$?\nmhsync fmt || exit 1'
    assert mhsync_lines(script) == [["drift", "-t", "$T", "--markdown"], ["fmt"]]


@pytest.mark.parametrize(
    "line", ["mhsync plan --no-such-flag", "mhsync drift --json --target", "mhsync nosuch"]
)
def test_a_broken_command_line_is_caught(line: str) -> None:
    (args,) = mhsync_lines(line)
    assert problem(args) is not None


def test_applies_in_the_recipes_are_serialised_per_target() -> None:
    """One apply at a time per target in CI (docs/operations.md, "Overlapping runs"): the
    settling of concurrent creations is for the overlaps CI cannot see, not a replacement."""
    github = load(GITHUB)["jobs"]["apply"]["concurrency"]
    assert github["group"] and github["cancel-in-progress"] is False
    assert load(GITLAB)["apply"]["resource_group"]
