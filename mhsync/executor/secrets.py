"""Secret references (``${env:NAME}``) turned into values at the moment a request is built.

Plans and states only ever hold references; a value exists in memory only inside a request body
being built and sent. :class:`SecretBook` remembers the values it handed out so that any error
text leaving the executor can be scrubbed of them, in case a server ever echoes one back.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Mapping

from mhsync.client.scrub import Scrubber
from mhsync.errors import ConfigError
from mhsync.plan import ENV_REFERENCE, Plan, sent_secrets

SecretResolver = Callable[[str], str]
"""``${env:NAME}`` -> the secret value; raises (naming NAME, never a value) when it cannot."""


class SecretResolutionError(ConfigError):
    """A secret reference cannot be resolved (variable unset or empty, or an unknown form)."""


def env_secret_resolver(reference: str) -> str:
    """The default resolver: ``${env:NAME}`` -> ``os.environ[NAME]``.

    An unset or empty variable is an error: sending an empty secret would silently disable
    webhook signing or intent authentication.
    """
    name = variable_of(reference)
    value = os.environ.get(name)
    if not value:
        state = "is empty" if value == "" else "is not set"
        raise SecretResolutionError(
            f"environment variable {name} {state}; it must hold a secret the plan sends"
        )
    return value


def variable_of(reference: str) -> str:
    """``${env:NAME}`` -> ``NAME``; anything else is refused."""
    match = ENV_REFERENCE.fullmatch(reference.strip())
    if match is None:
        raise SecretResolutionError(
            f"secret reference {reference!r} is not of the form ${{env:NAME}}"
        )
    return match.group(1)


class ThrowawaySecrets:
    """The embedded sandbox's resolver: an unset (or empty) variable gets a random value.

    So the quickstart needs no env file: nothing real is behind a sandbox webhook. ``used``
    names the variables that got one, for the note apply prints. Only ever used on the
    sandbox target; every other target resolves with :func:`env_secret_resolver`.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def used(self) -> list[str]:
        with self._lock:
            return sorted(self._values)

    def __call__(self, reference: str) -> str:
        name = variable_of(reference)
        value = self._env.get(name)
        if value:
            return value
        with self._lock:
            return self._values.setdefault(name, "sandbox-throwaway-" + secrets.token_hex(12))


class SecretBook:
    """A resolver that remembers what it resolved, to scrub those values from error texts.

    Every value is scrubbed in all its encodings (``mhsync.client.scrub``), and handed to
    ``protect`` (the client's, so that its error messages are scrubbed before they are built)."""

    def __init__(
        self, resolver: SecretResolver, protect: Callable[[str], None] | None = None
    ) -> None:
        self._resolver = resolver
        self._scrubber = Scrubber()
        self._protect = protect
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def resolve(self, reference: str) -> str:
        value = self._resolver(reference)
        if value:
            with self._lock:
                new = value not in self._known
                self._known.add(value)
            if new:
                self._scrubber.add(value)
                if self._protect is not None:
                    self._protect(value)
        return value

    def scrub(self, text: str) -> str:
        """``text`` with every value this book resolved replaced by ``***``."""
        return self._scrubber.scrub(text)

    def preflight(self, plan: Plan) -> None:
        """Resolve every reference of ``plan`` once, before anything is sent.

        A missing variable would otherwise fail the apply halfway through, after other changes
        landed. All problems are reported together, by reference, never by value.
        """
        problems = []
        wanted = {ref for change in plan.changes for ref in sent_secrets(change).values()}
        for reference in sorted(wanted):
            try:
                self.resolve(reference)
            except Exception as exc:  # a custom resolver may raise anything; report them all
                problems.append(self.scrub(str(exc)) or f"{reference} cannot be resolved")
        if problems:
            raise SecretResolutionError(
                "secrets cannot be resolved; nothing was sent: " + "; ".join(problems)
            )
