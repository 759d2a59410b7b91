"""Injected faults: seeded random ones (:class:`FaultConfig`) and scripted one-shots (``inject``).

Random faults come from one ``random.Random(seed)`` that draws exactly one number per request,
whatever the rates, so a given seed and request sequence always yields the same faults. Scripted
faults are for precise tests: the first one whose method and path pattern match is used (and
counted down) before any random fault is considered.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

STATUS_KINDS = ("429", "500", "502", "503")
DROP_KINDS = ("drop_before", "drop_after_commit")
KINDS = (*STATUS_KINDS, *DROP_KINDS)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class FaultConfig:
    """Probabilities (0..1) of each random fault per request, plus latency for every request.

    ``rate_drop_after_commit`` only applies to writes: the write commits, then the connection is
    closed without an answer. 429 answers carry ``Retry-After: retry_after``.
    """

    seed: int = 0
    latency_ms: float = 0
    rate_429: float = 0
    rate_500: float = 0
    rate_502: float = 0
    rate_503: float = 0
    rate_drop_before: float = 0
    rate_drop_after_commit: float = 0
    retry_after: int = 1

    @classmethod
    def uniform(
        cls, rate: float, *, seed: int = 0, latency_ms: float = 0, retry_after: int = 1
    ) -> FaultConfig:
        """``rate`` is the total fault probability, split evenly over the six kinds."""
        each = rate / len(KINDS)
        return cls(seed, latency_ms, each, each, each, each, each, each, retry_after)

    def rates(self) -> tuple[tuple[str, float], ...]:
        return (
            ("429", self.rate_429),
            ("500", self.rate_500),
            ("502", self.rate_502),
            ("503", self.rate_503),
            ("drop_before", self.rate_drop_before),
            ("drop_after_commit", self.rate_drop_after_commit),
        )


@dataclass(frozen=True)
class Decision:
    """What to do to one request: optional fault ``kind``, extra latency, Retry-After value."""

    kind: str | None = None
    latency_ms: float = 0
    retry_after: int = 1
    label: str | None = None


@dataclass
class _Scripted:
    kind: str
    latency_ms: float
    method: str | None
    pattern: re.Pattern[str] | None
    remaining: int
    retry_after: int

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.pattern is None or self.pattern.search(path) is not None


class FaultInjector:
    """Thread-safe source of per-request fault decisions."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self.configure(config)

    def configure(self, config: FaultConfig | None) -> None:
        """Replace the random fault settings and reseed; scripted faults are kept."""
        with self._lock:
            self._config = config or FaultConfig()
            self._random = random.Random(self._config.seed)

    def inject(
        self,
        kind: str,
        *,
        method: str | None = None,
        path_pattern: str | None = None,
        count: int = 1,
        retry_after: int = 1,
    ) -> None:
        """Script ``kind`` for the next ``count`` requests matching method and path pattern.

        ``path_pattern`` is a regular expression searched in the request path (no query string),
        e.g. ``r"/webhooks$"``. ``kind`` is one of ``429 500 502 503 drop_before
        drop_after_commit`` or ``latency:<ms>``.
        """
        latency_ms = 0.0
        if kind.startswith("latency:"):
            try:
                latency_ms = float(kind.split(":", 1)[1])
            except ValueError:
                raise ValueError(f"bad latency fault {kind!r}; use 'latency:<ms>'") from None
        elif kind not in KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}, latency:<ms>"
            )
        if count < 1:
            raise ValueError("count must be at least 1")
        pattern = re.compile(path_pattern) if path_pattern is not None else None
        scripted = _Scripted(
            kind, latency_ms, method.upper() if method else None, pattern, count, retry_after
        )
        with self._lock:
            self._scripted.append(scripted)

    def decide(self, method: str, path: str) -> Decision:
        with self._lock:
            config = self._config
            draw = self._random.random()
            for scripted in self._scripted:
                if scripted.matches(method, path):
                    scripted.remaining -= 1
                    if scripted.remaining == 0:
                        self._scripted.remove(scripted)
                    return self._scripted_decision(scripted, config.latency_ms)
        return self._random_decision(config, draw, method)

    @staticmethod
    def _scripted_decision(scripted: _Scripted, base_latency: float) -> Decision:
        if scripted.latency_ms:
            return Decision(None, base_latency + scripted.latency_ms, label=scripted.kind)
        return Decision(scripted.kind, base_latency, scripted.retry_after, scripted.kind)

    @staticmethod
    def _random_decision(config: FaultConfig, draw: float, method: str) -> Decision:
        threshold = 0.0
        for kind, rate in config.rates():
            threshold += rate
            if draw < threshold:
                if kind == "drop_after_commit" and method not in WRITE_METHODS:
                    break
                return Decision(kind, config.latency_ms, config.retry_after, kind)
        return Decision(None, config.latency_ms, config.retry_after)
