"""Rate limits: a burst, then one request per refill interval, per environment and key."""

from __future__ import annotations

from da_platform.api.ratelimit import RateLimit, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_next_request_waits_for_a_token() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=3), clock=clock)
    assert [limiter.acquire("dev", "k1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire("dev", "k1") == 1.0
    clock.now += 1.0
    assert limiter.acquire("dev", "k1") == 0.0


def test_retry_after_is_the_whole_seconds_until_the_next_token() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(per_minute=6, burst=1), clock=clock)
    assert limiter.acquire("dev", "k1") == 0.0
    assert limiter.acquire("dev", "k1") == 10.0
    clock.now += 7.5
    assert limiter.acquire("dev", "k1") == 3.0


def test_keys_and_environments_have_separate_buckets() -> None:
    limiter = RateLimiter(RateLimit(per_minute=1, burst=1), clock=Clock())
    assert limiter.acquire("dev", "k1") == 0.0
    assert limiter.acquire("dev", "k1") > 0
    assert limiter.acquire("dev", "k2") == 0.0
    assert limiter.acquire("prod", "k1") == 0.0


def test_blocked_reports_the_wait_without_taking_a_token() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock=lambda: now[0])
    assert limiter.blocked("dev", "client") == 0.0
    assert limiter.blocked("dev", "client") == 0.0  # peeking twice leaves the one token there
    assert limiter.acquire("dev", "client") == 0.0
    assert limiter.blocked("dev", "client") == 1.0
    now[0] += 1.0
    assert limiter.blocked("dev", "client") == 0.0


def test_a_full_table_forgets_refilled_buckets_and_keeps_draining_ones() -> None:
    clock = Clock()
    limiter = RateLimiter(RateLimit(per_minute=60, burst=1), clock=clock, max_buckets=2)
    assert limiter.acquire("dev", "idle") == 0.0
    clock.now += 5.0  # "idle" has refilled
    assert limiter.acquire("dev", "guesser") == 0.0
    assert limiter.acquire("dev", "newcomer") == 0.0  # table full: "idle" is forgotten, not "guesser"
    assert limiter.acquire("dev", "guesser") == 1.0
