"""What every route needs: the database, the audit key, the actor, and safe writes.

A write runs through `perform`: one transaction, retried on serialization failures, its refusals
recorded in the audit trail, and, with an `Idempotency-Key`, its response stored in the same
transaction so that a retried POST gets the same answer once and only once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from mobilize.audit.chain import canonical_json
from mobilize.audit.service import Entry, run_audited
from mobilize.audit.witness import Witness
from mobilize.auth.failures import (
    TOKEN_FAILURES_PER_MINUTE,
    FailureGate,
    authenticate_counted,
    too_many,
)
from mobilize.auth.service import Actor, authenticate_token
from mobilize.core.errors import (
    InvalidInput,
    PreconditionFailed,
    PreconditionRequired,
    Unauthenticated,
)
from mobilize.core.settings import SmtpSettings
from mobilize.edge.problems import problem, status_of
from mobilize.jobs.queue import JobQueue
from mobilize.requests.models import IdempotentResponse

T = TypeVar("T")
ETAG = re.compile(r'^(?:W/)?"r(\d{1,9})"$')
bearer = HTTPBearer(auto_error=False, description="A token from `mobilize tokens create`.")


@dataclass(frozen=True)
class ApiContext:
    engine: Engine
    audit_key: bytes
    queue: JobQueue
    witness: Witness | None = None  # the audit log's witness (`audit.witness`)
    token_failures_per_minute: int = TOKEN_FAILURES_PER_MINUTE
    smtp: SmtpSettings | None = None  # notifications by e-mail; None: in the app only
    # The addresses this process refuses without a transaction (`auth.failures`).
    failure_gate: FailureGate = field(default_factory=FailureGate)


def context(request: Request) -> ApiContext:
    found: ApiContext = request.app.state.context
    return found


Context = Annotated[ApiContext, Depends(context)]


def source_of(request: Request) -> str:
    """The caller's address, as this server sees it (a proxy in front would need its
    forwarded header trusted here)."""
    return address_of(request.scope)


def address_of(scope: Scope) -> str:
    """`source_of` from the ASGI scope, before there is a request."""
    client = scope.get("client")
    return client[0] if client else "unknown"


def current_actor(
    request: Request,
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The user behind the bearer token; a failure is counted for the caller's address (one
    audit record per address and minute), then refused (401; 429 past the address's limit)."""

    def authenticate(session: Session) -> Actor:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated("send `Authorization: Bearer <token>`; see `mobilize tokens`")
        return authenticate_token(session, credentials.credentials)

    limit = ctx.token_failures_per_minute
    source = source_of(request)
    return authenticate_counted(ctx.engine, source, authenticate, limit, ctx.failure_gate)


CurrentActor = Annotated[Actor, Depends(current_actor)]


class RefuseShutSources:
    """The API's answer to an address its gate has shut for the minute (`auth.failures`),
    given before routing: every `/api/` route authenticates first, so the answer is the one
    `current_actor` would give, without the work of reaching it (a flood is cheap to refuse)."""

    def __init__(self, app: ASGIApp, gate: FailureGate, limit: int) -> None:
        self.app, self.gate, self.limit = app, gate, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = scope["type"] == "http" and scope["path"].startswith("/api/")
        if api and self.gate.refuses(address_of(scope)):
            refusal = too_many(self.limit)
            answer = problem(status_of(refusal), refusal.message, Request(scope))
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)


def audited(
    ctx: ApiContext,
    actor: Actor,
    action: str,
    target: tuple[str, str | None],
    work: Callable[[Session], T],
) -> T:
    """Run `work` for `actor` in one transaction; a refusal is recorded as `action` on
    `target` (object type, id). Changes that may be retried go through `perform` instead."""
    refusal = Entry(actor.username, actor.agency, action, *target)
    return run_audited(ctx.engine, ctx.audit_key, work, refusal)


def etag(revision: int) -> str:
    return f'"r{revision}"'


def read_revision(
    if_match: Annotated[
        str | None,
        Header(description='The ETag of the version you read, e.g. "r3"; required.'),
    ] = None,
) -> int:
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag of the request as you read it, so that nobody's "
            "change is lost"
        )
    matched = ETAG.match(if_match.strip())
    if matched is None:
        raise PreconditionFailed(f"If-Match {if_match!r} is not an ETag this server gave out")
    return int(matched.group(1))


IfMatch = Annotated[int, Depends(read_revision)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        # Printable ASCII, as header values are: no NUL, which PostgreSQL cannot store.
        pattern=r"^[\x20-\x7e]*$",
        description="Send the same key to retry a POST safely: the first answer is replayed.",
    ),
]


@dataclass(frozen=True)
class Answer:
    status: int
    body: BaseModel
    headers: dict[str, str]


def perform(
    ctx: ApiContext,
    actor: Actor,
    action: str,
    target: tuple[str, str | None],
    work: Callable[[Session], Answer],
    idempotency_key: str | None = None,
    fingerprint: str = "",
) -> JSONResponse:
    """Run a change for `actor` (a refusal recorded as `action` on `target`, as `audited`
    does); replay the stored answer for a repeated idempotency key."""

    def change(session: Session) -> tuple[int, Any, dict[str, str]]:
        if idempotency_key:
            stored = _stored(session, actor, idempotency_key)
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise InvalidInput(
                        f"Idempotency-Key {idempotency_key!r} was used for another request; "
                        "use a new key for a new request"
                    )
                return (
                    stored.status_code,
                    stored.body,
                    stored.headers | {"Idempotent-Replayed": "true"},
                )
        answer = work(session)
        body = answer.body.model_dump(mode="json", by_alias=True)
        if idempotency_key:
            session.add(
                IdempotentResponse(
                    user_id=actor.user_id,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                    status_code=answer.status,
                    body=body,
                    headers=answer.headers,
                )
            )
            session.flush()
        return answer.status, body, answer.headers

    status, body, headers = audited(ctx, actor, action, target, change)
    return JSONResponse(body, status_code=status, headers=headers)


def _stored(session: Session, actor: Actor, key: str) -> IdempotentResponse | None:
    query = select(IdempotentResponse).where(
        IdempotentResponse.user_id == actor.user_id, IdempotentResponse.key == key
    )
    return session.scalars(query).one_or_none()


async def fingerprint_of(request: Request) -> str:
    """What makes two POSTs the same: method, path and body, the body as canonical JSON (keys
    sorted, no spaces) when it is JSON, so the same content re-indented or reordered is the
    same request; any other body as its bytes."""
    body = await request.body()
    try:
        content = canonical_json(json.loads(body)).encode() if body else b""
    except (ValueError, RecursionError):
        content = body
    return hashlib.sha256(request.method.encode() + request.url.path.encode() + content).hexdigest()


Fingerprint = Annotated[str, Depends(fingerprint_of)]
