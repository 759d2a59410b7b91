"""Fixtures of the file-safety tests: the proof suites' project, sandbox process and CLI."""

from tests.proof.conftest import proof_env  # noqa: F401
