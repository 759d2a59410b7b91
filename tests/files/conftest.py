"""Fixtures of the file-safety tests: the proof suites' sandbox process and the e2e project."""

from tests.e2e.conftest import mh, project, secrets_env  # noqa: F401
from tests.proof.conftest import proof_env  # noqa: F401
