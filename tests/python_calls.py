"""Counting the Python function calls an action makes: a measure of its CPU that, unlike a
time, is the same on every machine, so a test can hold a hot path to a bound."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def python_calls(action: Callable[[], object]) -> int:
    """How many Python-level function calls ``action()`` makes (C functions not counted)."""
    calls = 0

    def count(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(count)
    try:
        action()
    finally:
        sys.setprofile(previous)
    return calls
