"""Interactive apply and rollback on a real (pseudo-)terminal: the plan in colour, a [y/N]
prompt, and a Ctrl-C that says what happened."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.terminal.conftest import Terminal

Start = Callable[..., Terminal]
APPLY = ("apply", "examples/agents", "--target", "sandbox")


def test_apply_prompt_reads_y_n_and_the_plan_keeps_its_colours(terminal: Start) -> None:
    term = terminal(*APPLY)
    term.read_until(r"Apply these changes\?")
    term.read_until(r"\[y/N\]: ")
    plan = term.screen[: term.screen.index("Apply these changes")]
    assert "\x1b[" in plan, "the plan above the prompt lost its colours"
    term.type("n\r")
    assert term.finish() == 0
    assert "Apply cancelled; nothing was changed." in term.text


def test_ctrl_c_at_the_prompt_says_nothing_was_changed(terminal: Start) -> None:
    term = terminal(*APPLY)
    term.read_until(r"\[y/N\]: ")
    term.interrupt()
    assert term.finish() == 130
    assert "nothing was changed" in term.text


def test_rollback_prompt_reads_y_n(terminal: Start, quickstart: Path) -> None:
    first = terminal(*APPLY, "--auto-approve")
    assert first.finish(60) == 0, first.text
    manifest = quickstart / "examples" / "agents" / "whatsapp-support.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("  language: sv\n", "  language: da\n", 1), encoding="utf-8")
    second = terminal(*APPLY, "--auto-approve")
    assert second.finish(60) == 0, second.text
    found = re.search(r"Snapshot saved: (\S+)", second.text)
    assert found, second.text
    term = terminal("rollback", found.group(1), "--target", "sandbox")
    term.read_until(r"Roll back these changes\? \[y/N\]: ")
    assert "\x1b[" in term.screen[: term.screen.index("Roll back these changes")]
    term.type("n\r")
    assert term.finish() == 0
    assert "Rollback cancelled; nothing was changed." in term.text
