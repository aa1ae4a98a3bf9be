"""Structured request logs: one JSON line per request with its id, and no key or secret in any line.

Keys never reach a log call (the middleware logs the key *id* the auth step found, never a header), and
as a second line of defence every record formatted by :class:`JsonFormatter` has anything shaped like a
DatAlive key, or an ``X-API-Key``/``Authorization`` value, masked before it is written.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

_KEY_PATTERN = re.compile(r"dlk_[A-Za-z0-9.\-]+_[A-Za-z0-9]+_[A-Za-z0-9_\-]+")
_HEADER_PATTERN = re.compile(r"(?i)(x-api-key|authorization)(['\"]?\s*[:=]\s*['\"]?)([^'\"\s,}]+)")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
LOGGER = "datalive.api"


def redact(text: str) -> str:
    """Mask keys and key-bearing header values in free text."""
    return _HEADER_PATTERN.sub(r"\1\2***", _KEY_PATTERN.sub("dlk_***", text))


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...extra}`` on one line, redacted."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(payload, default=str))


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the API logger (called by ``datalive serve``, not at import)."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


class RequestLogMiddleware:
    """Pure ASGI: gives every request an id (the caller's ``X-Request-ID`` if sane), logs it when done."""

    def __init__(self, app, environment: str) -> None:
        self.app = app
        self.environment = environment
        self.log = logging.getLogger(LOGGER)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                candidate = value.decode("latin-1")
                request_id = candidate if _REQUEST_ID.match(candidate) else None
                break
        request_id = request_id or uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.log.info(
                "request",
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "environment": self.environment,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "key_id": state.get("key_id"),
                },
            )
