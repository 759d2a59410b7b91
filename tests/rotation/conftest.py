"""Rotation tests run the CLI against the sandbox over a real socket, like tests/e2e."""

from tests.e2e.conftest import mh, project, secrets_env  # noqa: F401
