"""The console script leaves nothing for the interpreter's last collections to walk.

At exit, Python collects every generation again (``Py_FinalizeEx``), walking the whole heap a
command built (the desired and live states of a plan: on 500 agents 0.09 s of wall time after
the output, issue 16). ``main`` freezes what is left once the command has returned, so those
collections find nothing to walk; the exit code is the command's, and nothing else changes.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import atexit, gc, sys
import mhsync.cli.main as cli_main
held = []


def run(argv=None):
    held.extend([index] for index in range(50_000))  # what a command leaves behind
    return 3


cli_main.run = run
atexit.register(lambda: print("TRACKED", len(gc.get_objects()), gc.get_freeze_count()))
cli_main.main()
"""


def test_main_freezes_the_heap_before_the_interpreter_ends() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    _, tracked, frozen = done.stdout.split()
    assert int(tracked) < 1_000  # what the last collections would walk
    assert int(frozen) > 50_000
