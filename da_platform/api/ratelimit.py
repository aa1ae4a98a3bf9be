"""Token-bucket rate limits per environment and key (and failed key checks per client address), in the
memory of one server process.

Every (environment, key id) pair has its own bucket of ``burst`` tokens refilled at ``per_minute / 60``
tokens a second; a request takes one token or is refused with the seconds until the next token
(``Retry-After``). Limits are per process: behind several replicas each enforces its share, which is the
usual trade for not needing a shared store (the deployment sets the limit per replica).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimit:
    """``per_minute`` sustained requests with bursts of up to ``burst``."""

    per_minute: int
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst <= 0:
            raise ValueError("a rate limit needs positive per_minute and burst")


class RateLimiter:
    """Buckets keyed by (environment, key id); thread-safe."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic, max_buckets: int = 10_000):
        self.limit = limit
        self._clock = clock
        self._rate = limit.per_minute / 60.0
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_buckets = max_buckets

    def acquire(self, environment: str, key_id: str) -> float:
        """0 when the request may proceed, else the seconds (rounded up, ≥ 1) to wait before retrying."""
        now = self._clock()
        bucket = (environment, key_id)
        with self._lock:
            tokens, last = self._buckets.get(bucket, (float(self.limit.burst), now))
            tokens = min(float(self.limit.burst), tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._store(bucket, (tokens - 1.0, now))
                return 0.0
            self._store(bucket, (tokens, now))
            return max(1.0, math.ceil((1.0 - tokens) / self._rate))

    def blocked(self, environment: str, key_id: str) -> float:
        """Like :meth:`acquire` but takes no token: 0 when a token is there, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get((environment, key_id), (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - last) * self._rate)
        return 0.0 if tokens >= 1.0 else max(1.0, math.ceil((1.0 - tokens) / self._rate))

    def _store(self, bucket: tuple[str, str], value: tuple[float, float]) -> None:
        if bucket not in self._buckets and len(self._buckets) >= self._max_buckets:
            # Forget the buckets that have refilled first: that loses nothing (a new bucket starts full).
            # Only if every one is still draining, start over; keys are few, so that guards memory against a
            # bug, and client addresses get room enough (see da_platform.api.state) that it needs a large botnet.
            now, full = value[1], float(self.limit.burst)
            for name, (tokens, last) in list(self._buckets.items()):
                if tokens + (now - last) * self._rate >= full:
                    del self._buckets[name]
            if len(self._buckets) >= self._max_buckets:
                self._buckets.clear()
        self._buckets[bucket] = value


# Failed key checks per client address: a person mistyping a key gets a dozen tries, a script guessing keys
# gets ten a minute. A key of 256 random bits cannot be guessed anyway; this keeps guessing from costing
# the service and makes it visible (each refusal is an audit line).
AUTH_FAILURES = RateLimit(per_minute=10, burst=10)
