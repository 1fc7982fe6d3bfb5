"""Errors as problem+json (RFC 9457): one handler for the whole error hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from mobilize.core.errors import (
    Conflict,
    DatabaseNotReady,
    DatabaseUnavailable,
    Forbidden,
    InvalidInput,
    InvalidScenario,
    MobilizeError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Refused,
    TooManyAttempts,
    Unauthenticated,
)

PROBLEM_TYPE = "application/problem+json"
STATUSES: dict[type[MobilizeError], int] = {
    NotFound: 404,
    Unauthenticated: 401,
    Forbidden: 403,
    Refused: 409,
    Conflict: 409,
    PreconditionRequired: 428,
    PreconditionFailed: 412,
    InvalidInput: 422,
    InvalidScenario: 422,
    DatabaseNotReady: 503,
    DatabaseUnavailable: 503,
    TooManyAttempts: 429,
}
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Refused by the rules",
    412: "Changed since read",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "If-Match required",
    429: "Too many requests",
    503: "Service unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="Each invalid field, for 422.")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route may answer with."""
    return {
        status: {
            "model": Problem,
            "description": TITLES.get(status, "Problem"),
            "content": {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def problem(
    status: int,
    detail: str,
    request: Request,
    errors: list[dict[str, Any]] | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    title = TITLES.get(status, "Problem")
    body = Problem(
        type=f"/problems/{title.lower().replace(' ', '-')}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True),
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=headers,
    )


def status_of(error: MobilizeError) -> int:
    return next((code for kind, code in STATUSES.items() if isinstance(error, kind)), 400)


def retry_after_of(error: MobilizeError) -> int | None:
    """Seconds a client should wait before trying again, for errors that pass with time."""
    seconds = getattr(error, "retry_after", None)
    return seconds if isinstance(seconds, int) else None


PageError = Callable[[Request, int, str], Response]


def install_problem_handlers(app: FastAPI, page_error: PageError | None = None) -> None:
    """Problems as problem+json under /api; elsewhere, with `page_error`, as the web
    application's own pages."""

    async def on_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, MobilizeError)
        status = status_of(error)
        if page_error is not None and not _is_api(request):
            return page_error(request, status, error.message)
        # Each problem by its field (`InvalidFields`, or a rule that names the field it is on).
        fields = error.fields
        errors = [{"loc": path.split("."), "msg": m} for path, m in fields.items()] or None
        return problem(status, error.message, request, errors, retry_after_of(error))

    async def on_invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        errors = [
            {"loc": list(item.get("loc", ())), "msg": str(item.get("msg", ""))}
            for item in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        if page_error is not None and not _is_api(request):
            return page_error(request, 422, detail or "the address is malformed")
        return problem(422, detail or "the request is malformed", request, errors)

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if page_error is not None and not _is_api(request):
            return page_error(request, error.status_code, str(error.detail))
        return problem(error.status_code, str(error.detail), request)

    app.add_exception_handler(MobilizeError, on_error)
    app.add_exception_handler(RequestValidationError, on_invalid)
    app.add_exception_handler(HTTPException, on_http)


def _is_api(request: Request) -> bool:
    """The JSON API and the load balancer's probes answer problem+json; the rest pages."""
    return request.url.path.startswith(("/api", "/health", "/ready"))
