"""What the server tidies while it seals the audit log: failed-authentication counts folded
into the log, and rows whose time is over purged (expired web sessions, stored idempotent
answers past `IDEMPOTENCY_LIFETIME`, sign-in throttles whose window lapsed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from mobilize.auth.failures import TOKEN_FAILURES_PER_MINUTE, FailureGate, fold_failures
from mobilize.auth.models import SignInThrottle, WebSession
from mobilize.auth.throttle import WINDOW
from mobilize.requests.models import IdempotentResponse

# A client retries a POST within minutes; a day covers any outage it could wait out.
IDEMPOTENCY_LIFETIME = timedelta(hours=24)


def purge_expired(session: Session, now: datetime | None = None) -> dict[str, int]:
    """Delete what has lapsed; how many rows of each kind."""
    moment = now or datetime.now(UTC)
    deleted = {
        "web_sessions": delete(WebSession).where(WebSession.expires_at <= moment),
        "idempotent_responses": delete(IdempotentResponse).where(
            IdempotentResponse.created_at < moment - IDEMPOTENCY_LIFETIME
        ),
        "sign_in_throttles": delete(SignInThrottle).where(
            SignInThrottle.window_start < moment - WINDOW, SignInThrottle.pending == 0
        ),
    }
    return {
        name: int(getattr(session.execute(statement), "rowcount", 0) or 0)
        for name, statement in deleted.items()
    }


def housekeeping(
    key: bytes, gate: FailureGate | None = None, limit: int = TOKEN_FAILURES_PER_MINUTE
) -> Callable[[Session], None]:
    """The sealer's `before_seal`: the counts (with what `gate` refused on its own since the
    last pass) reach the log before the head is signed; `gate` learns which sources the
    other processes pushed past `limit`."""

    def tidy(session: Session) -> None:
        if gate is not None:
            gate.flush(session)
            gate.learn(session, limit)
        fold_failures(session, key)
        purge_expired(session)

    return tidy
