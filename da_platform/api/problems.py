"""Errors as RFC 9457 problem details (``application/problem+json``), one handler for every failure path."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from da_platform.api.models import Problem

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://datalive.dev/problems/"
log = logging.getLogger("datalive.api")


class ApiProblem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        kind: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem document with the request id, so a caller can quote it to whoever reads the logs."""
    body = Problem(
        type=_TYPE_BASE + kind if kind else "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and what: the offending input is not echoed back (it could be anything the caller sent).
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    """Map validation errors, HTTP errors, our problems and anything unexpected to problem documents."""

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.title, exc.detail, exc.kind, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(
            request,
            422,
            "Invalid request",
            "One or more parameters are invalid; see errors.",
            "validation-error",
            errors=_validation_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, title, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled error",
            extra={"event": "error", "error_type": type(exc).__name__},
            exc_info=exc,
        )
        return problem_response(
            request, 500, "Internal error", "The error was logged with this request id.", "internal-error"
        )
