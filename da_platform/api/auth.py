"""Authorisation as a FastAPI dependency: a key of this environment, within its rate limit.

:data:`Authorized` in a route's signature makes the route need a key; the answers of a refusal are
:data:`AUTH_RESPONSES` (documented on every such route). Wrong keys are counted per client address and
refused with 429 once an address has used up its attempts, whatever key it sends next.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from da_platform.api.keys import InvalidKey, KeyStoreInvalid, MissingKey, WrongEnvironmentKey
from da_platform.api.logs import LOGGER
from da_platform.api.models import Problem
from da_platform.api.problems import ApiProblem
from da_platform.api.state import state_of

log = logging.getLogger(LOGGER)

api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key of this environment")

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing, unknown or revoked key"},
    403: {"model": Problem, "description": "a key of another environment"},
    422: {"model": Problem, "description": "invalid parameters"},
    429: {"model": Problem, "description": "rate limit exceeded; see Retry-After"},
}


def _unauthorized(title: str, detail: str) -> ApiProblem:
    return ApiProblem(401, title, detail, "unauthorized", {"WWW-Authenticate": "APIKey"})


def _auth_refused(environment: str, client: str, wait: float) -> ApiProblem:
    # The audit line of a client that used up its failed attempts (address only: never the key it sent).
    log.warning(
        "authentication failures rate-limited",
        extra={"event": "auth_rate_limited", "audit": True, "environment": environment, "client": client},
    )
    return _too_many(
        "Too many failed authentications", "Too many wrong keys from this address", wait, "auth-rate-limited"
    )


def _too_many(title: str, why: str, wait: float, kind: str) -> ApiProblem:
    return ApiProblem(429, title, f"{why}; retry in {int(wait)} s.", kind, {"Retry-After": str(int(wait))})


# async: cheap CPU work, run on the event loop instead of paying a thread hop per request.
async def authorize(request: Request, key: Annotated[str | None, Depends(api_key)]) -> str:
    """The key id of ``key`` when it is a live key of this environment within its rate limit; else the
    problem that says why not (401 missing/unknown/revoked, 403 another environment's, 429 over a limit,
    503 when the key store itself is unreadable). Sets ``request.state.key_id`` for logs and metrics."""
    state = state_of(request)
    environment = state.environment
    client = request.client.host if request.client else "unknown"
    if key and (wait := state.auth_failures.blocked(environment, client)):
        raise _auth_refused(environment, client, wait)  # checked before the key, so guessing learns nothing more
    try:
        record = state.keys.verify(key)
    except MissingKey as exc:
        raise _unauthorized("API key required", "Send a key of this environment as X-API-Key.") from exc
    except (WrongEnvironmentKey, InvalidKey) as exc:
        # A sent key that fails is an attempt; a missing key guesses nothing and is not counted.
        if wait := state.auth_failures.acquire(environment, client):
            raise _auth_refused(environment, client, wait) from exc
        if isinstance(exc, WrongEnvironmentKey):
            raise ApiProblem(
                403,
                "Key of another environment",
                f"This is the {environment} environment; its keys are not shared.",
                "wrong-environment",
            ) from exc
        raise _unauthorized("Invalid API key", "The key is unknown, malformed or revoked.") from exc
    except KeyStoreInvalid as exc:
        # Fail closed and say so: the server's own state is broken, not the caller's key.
        log.error("key store invalid", extra={"event": "key_store_invalid"})
        raise ApiProblem(503, "Key store unreadable", str(exc), "key-store-invalid") from exc
    request.state.key_id = record.key_id
    if wait := state.limiter.acquire(environment, record.key_id):
        raise _too_many("Too many requests", "Rate limit of this key exceeded", wait, "rate-limited")
    return record.key_id


Authorized = Annotated[str, Depends(authorize)]
