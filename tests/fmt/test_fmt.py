"""``mhsync fmt``: canonical layout, comments kept, ``--check`` exit codes, meaning unchanged."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mhsync.export.fmt import format_text
from mhsync.manifest import load_manifests
from mhsync.state import agent_snapshot
from mhsync.workflows.fmt import FmtRequest, run_fmt
from tests.e2e.conftest import REPO, SECRETS, Project, Result

Mh = Callable[..., Result]
VARIABLES = {
    "service_desk_extension": "201",
    "roadside_number": "+46771112400",
    "dms_host": "dms.example",
    "booking_api_host": "booking.example",
    "support_phone": "+46317000100",
}


def comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def canonical(directory: Path) -> dict[str, object]:
    result = load_manifests([directory], variables=VARIABLES, env={**os.environ, **SECRETS})
    assert not result.errors, [str(d) for d in result.errors]
    return {h: agent_snapshot(a) for h, a in result.workspace.agents.items()}


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def uncanonical_service(text: str) -> str:
    """The shipped volvo-service manifest as an author might write it: intents and procedures
    before routing_rules, flow lists, a needlessly quoted value, keys out of order. Same meaning."""
    start, end = text.index("  intents:\n"), text.index("  webhooks:\n")
    moved, text = text[start:end], text[:start] + text[end:]
    text = replace_once(text, "  routing_rules:\n", moved + "  routing_rules:\n")
    for old, new in [
        (
            "          default: scheduled_service\n          type: string\n",
            "          type: string\n          default: scheduled_service\n",
        ),
        (
            "      destination: ${var:service_desk_extension}\n",
            '      destination: "${var:service_desk_extension}"\n',
        ),
        ("      selected_channels:\n        - phone\n", "      selected_channels: [phone]\n"),
        (
            "      events:\n        - conversation_status\n        - conversation_end_report\n",
            "      events: [conversation_status, conversation_end_report]\n",
        ),
        (
            "      events:\n        - intent_call\n        - voice_evaluation\n",
            "      events: [intent_call, voice_evaluation]\n",
        ),
    ]:
        text = replace_once(text, old, new)
    return text


def test_fmt_check_lists_files_then_fmt_rewrites_keeping_comments_and_meaning(
    project: Project, mh: Mh
) -> None:
    agents = project.root / "agents"
    service_file = agents / "volvo-service.yaml"
    shipped = service_file.read_text(encoding="utf-8")
    service_file.write_text(uncanonical_service(shipped), encoding="utf-8")
    before = {p.name: p.read_text(encoding="utf-8") for p in agents.glob("*.yaml")}
    meaning = canonical(agents)

    check = mh("fmt", "--check")
    assert check.code == 1, check.text
    assert "would reformat agents/volvo-service.yaml" in check.out
    assert "agents/volvo-parts.yaml" not in check.out  # already canonical
    assert "agents/whatsapp-support.yaml" not in check.out
    assert {p.name: p.read_text(encoding="utf-8") for p in agents.glob("*.yaml")} == before

    done = mh("fmt")
    assert done.code == 0, done.text
    after = {p.name: p.read_text(encoding="utf-8") for p in agents.glob("*.yaml")}
    for name, text in before.items():
        assert sorted(comments(after[name])) == sorted(comments(text)), name
    assert canonical(agents) == meaning
    assert mh("fmt", "--check").code == 0

    service = after["volvo-service.yaml"]
    assert service == shipped  # the shipped example is what fmt writes
    assert service.index("  routing_rules:") < service.index("  intents:")
    assert "      events:\n        - conversation_status\n" in service
    assert 'destination: "201"' not in service  # variables stay variables
    assert "      destination: ${var:service_desk_extension}\n" in service


CASES = {
    "keys-in-canonical-order": (
        "kind: Agent\nspec:\n  tone: calm\n  name: A\n"
        "apiVersion: mhsync/v1\nmetadata:\n  name: a\n",
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\n"
        "spec:\n  name: A\n  tone: calm\n",
    ),
    "comment-moves-with-its-key": (
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\nspec:\n"
        "  tone: calm\n  # the display name\n  name: A  # shown in the dashboard\n",
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\n  # the display name\nspec:\n"
        "  name: A  # shown in the dashboard\n  tone: calm\n",
    ),
    "quotes-only-where-needed-and-double": (
        "apiVersion: 'mhsync/v1'\nkind: Agent\nmetadata: {name: a}\n"
        "spec:\n  name: 'A'\n  tone: '201'\n",
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\n"
        'spec:\n  name: A\n  tone: "201"\n',
    ),
    "multi-line-text-as-block": (
        'apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\nspec:\n  name: "A"\n'
        '  objective: "one\\ntwo\\n"\n',
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\nspec:\n  name: A\n"
        "  objective: |\n    one\n    two\n",
    ),
    "indentation-and-block-lists": (
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n    name: a\nspec:\n    name: A\n"
        "    notes:\n    - one\n    - two\n    guard_rules: [{name: x, when_condition: y, "
        "then_action: forward, selected_channels: [phone]}]\n",
        "apiVersion: mhsync/v1\nkind: Agent\nmetadata:\n  name: a\nspec:\n  name: A\n"
        "  notes:\n    - one\n    - two\n  guard_rules:\n    - name: x\n      when_condition: y\n"
        "      then_action: forward\n      selected_channels:\n        - phone\n",
    ),
}


@pytest.mark.parametrize(("given", "expected"), CASES.values(), ids=list(CASES))
def test_format_text(given: str, expected: str) -> None:
    assert format_text(given) == expected
    assert format_text(expected) == expected


def test_fmt_is_idempotent_on_the_examples(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "agents", tmp_path / "agents")
    for path in (tmp_path / "agents").glob("*.yaml"):
        once = format_text(path.read_text(encoding="utf-8"))
        assert format_text(once) == once, path.name


def test_shipped_examples_are_canonical(mh: Mh, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pre-commit hook (`mhsync fmt --check`) would say about our own examples."""
    examples = REPO / "examples"
    outcome = run_fmt(FmtRequest(paths=[examples], check=True, cwd=REPO))
    assert outcome.problems == []
    assert outcome.changed == []
    assert sorted(outcome.unchanged) == sorted((examples / "agents").glob("*.yaml"))
    monkeypatch.chdir(REPO)
    result = mh("fmt", "--check", "examples/")
    assert result.code == 0, result.text
    monkeypatch.chdir(examples)
    result = mh("fmt", "--check")
    assert result.code == 0, result.text


def test_fmt_reports_broken_yaml_and_leaves_it_alone(project: Project, mh: Mh) -> None:
    broken = project.root / "agents" / "broken.yaml"
    broken.write_text("apiVersion: mhsync/v1\nkind: Agent\nspec: [unclosed\n", encoding="utf-8")
    result = mh("fmt", "--check")
    assert result.code == 1
    assert "broken.yaml" in result.err
    assert broken.read_text(encoding="utf-8").endswith("[unclosed\n")


def test_fmt_orders_a_fragment_by_the_fragment_model() -> None:
    given = (
        "spec:\n  notes: [a]\n  tone: Warm\nmetadata:\n  uses: [base]\n  description: Shared\n"
        "  name: common\nkind: Fragment\napiVersion: mhsync/v1\n"
    )
    expected = (
        "apiVersion: mhsync/v1\nkind: Fragment\nmetadata:\n  name: common\n"
        "  description: Shared\n  uses:\n    - base\nspec:\n  tone: Warm\n  notes:\n    - a\n"
    )
    assert format_text(given) == expected
    assert format_text(expected) == expected
