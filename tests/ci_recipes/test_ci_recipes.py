"""The CI recipes parse, and every mhsync command line in them names real commands and flags.

Each command line is parsed by the click command it names (``make_context``), exactly as a run
would parse it, without running anything: a renamed flag or command breaks this test, not a
user's pipeline.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
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
ACTION = REPO / "action.yml"
# A step that uses this repository's action (``<org>/mhsync@<ref>``).
MHSYNC_ACTION = re.compile(r"^[^/@\s]+/mhsync@\S+$")
WEBHOOK_SECRETS = {
    "VOLVO_DMS_WEBHOOK_SECRET",
    "VOLVO_CRM_WEBHOOK_SECRET",
    "VOLVO_BOOKING_API_TOKEN",
    "SUPPORT_WEBHOOK_SECRET",
}
TOKEN = "MHSYNC_PRODUCTION_TOKEN"
GITLAB_KEYWORDS = {"variables", "default", "stages", "include", "workflow"}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def github_scripts() -> Iterator[str]:
    """Every ``run`` script, and the command of every step using the mhsync action."""
    for job in load(GITHUB)["jobs"].values():
        for step in job["steps"]:
            if "run" in step:
                yield step["run"]
            command = step.get("with", {}).get("command")
            if MHSYNC_ACTION.match(step.get("uses", "")) and command:
                # An expression is one word to the shell that runs it: ``${{ env.X }}`` -> X.
                yield "mhsync " + re.sub(r"\$\{\{\s*[\w.]+\.(\w+)\s*\}\}", r"\1", command)


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
    context = click.Context(cli)
    command = cli.get_command(context, args[0])  # commands are imported when looked up
    if command is None:
        return f"no command {args[0]!r}; known: {cli.list_commands(context)}"
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
        ("github-actions", {"validate", "fmt", "plan", "apply", "drift", "pull", "compare"}),
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
    assert set(jobs) == {"plan", "apply", "drift", "drift-pull-request", "promote"}
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    (plan,) = [s for s in jobs["plan"]["steps"] if "plan" in s.get("with", {}).get("command", "")]
    assert MHSYNC_ACTION.match(plan["uses"])
    assert plan["with"]["comment"] == "true"  # the action posts it as a sticky comment
    assert "refs/heads/main" in jobs["apply"]["if"]
    uses = [s.get("uses", "") for s in jobs["drift-pull-request"]["steps"]]
    assert any(u.startswith("peter-evans/create-pull-request@") for u in uses)


def test_github_promotion_is_gated_by_compare() -> None:
    """compare before the production apply (on the last promoted commit) and after it."""
    steps = load(GITHUB)["jobs"]["promote"]["steps"]
    lines = [args for step in steps for args in mhsync_lines(step.get("run", ""))]
    order = [(args[0], *(a for a in args[1:] if not a.startswith("-"))) for args in lines]
    assert order.index(("compare", "staging", "production")) < order.index(("apply", "production"))
    assert order[-1] == ("compare", "staging", "production")
    gate = next(s for s in steps if s.get("name", "").startswith("Gate"))["run"]
    assert "exit $code" in gate and "mhsync-promoted" in gate


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


def job_env(job: dict[str, Any]) -> set[str]:
    """The names of the variables a job and its steps set from secrets."""
    names = set()
    for env in [job.get("env", {})] + [step.get("env", {}) for step in job["steps"]]:
        names |= {name for name, value in env.items() if "secrets." in str(value)}
    return names


def test_github_jobs_get_only_the_secrets_they_send() -> None:
    """validate/fmt need nothing, plan and drift only the token, apply the webhook secrets."""
    workflow = load(GITHUB)
    assert not any("secrets." in str(v) for v in workflow.get("env", {}).values())
    jobs = workflow["jobs"]
    assert job_env(jobs["apply"]) == {TOKEN} | WEBHOOK_SECRETS
    assert jobs["apply"]["environment"] == "production"
    for name in ("plan", "drift", "drift-pull-request"):
        assert job_env(jobs[name]) == {TOKEN}, name
    for step in jobs["plan"]["steps"]:
        if step.get("run", "").startswith(("mhsync validate", "mhsync fmt")):
            assert not step.get("env"), step


@pytest.mark.parametrize("path", [GITHUB, GITLAB])
def test_the_recipe_says_where_each_secret_lives(path: Path) -> None:
    header = "".join(
        line for line in path.read_text(encoding="utf-8").splitlines(True) if line.startswith("#")
    )
    for name in {TOKEN} | WEBHOOK_SECRETS:
        assert name in header, name
    assert "environment" in header and "apply only" in header


@pytest.mark.parametrize("path", [GITHUB, GITLAB])
def test_recipes_install_what_a_user_can_install(path: Path) -> None:
    """mhsync is not on PyPI: a pinned ref of the repository or a built wheel."""
    text = path.read_text(encoding="utf-8")
    assert "mhsync==" not in text
    assert "MHSYNC_VERSION" not in text


def test_github_jobs_install_mhsync_through_the_pinned_action() -> None:
    for name, job in load(GITHUB)["jobs"].items():
        uses = [step.get("uses", "") for step in job["steps"]]
        assert any(MHSYNC_ACTION.match(u) for u in uses), name
        assert not any("pip install" in step.get("run", "") for step in job["steps"]), name


def test_gitlab_installs_a_pinned_archive_or_a_wheel() -> None:
    recipe = load(GITLAB)
    assert recipe["default"]["before_script"] == ['pip install --quiet "$MHSYNC_PACKAGE"']
    package = recipe["variables"]["MHSYNC_PACKAGE"]
    assert package.endswith("/mhsync/archive/${MHSYNC_REF}.tar.gz")
    assert recipe["variables"]["MHSYNC_REF"]


def test_the_snapshot_upload_uploads_the_hidden_folder() -> None:
    """upload-artifact skips ``.mhsync/`` unless told, and "ignore" kept that green."""
    steps = load(GITHUB)["jobs"]["apply"]["steps"]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"].startswith(".mhsync/")
    assert upload["with"]["include-hidden-files"] is True
    assert upload["with"].get("if-no-files-found", "warn") != "ignore"
    assert upload["if"] == "always()"


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        (GITHUB, "vendor.github-workflows"),
        (ACTION, "vendor.github-actions"),
        (GITLAB, "vendor.gitlab-ci"),
    ],
    ids=["github-workflow", "action.yml", "gitlab-ci"],
)
def test_recipe_is_valid_against_the_vendored_schema(path: Path, schema: str) -> None:
    """check-jsonschema ships GitHub's and GitLab's schemas: this runs offline."""
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(GITHUB.read_text(encoding="utf-8").replace("runs-on:", "run-on:", 1))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(broken),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
