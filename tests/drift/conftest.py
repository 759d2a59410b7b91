"""Drift runs against the same fixtures as the end-to-end tests: examples/ and a socket sandbox."""

from tests.e2e.conftest import mh, project, secrets_env

__all__ = ["mh", "project", "secrets_env"]
