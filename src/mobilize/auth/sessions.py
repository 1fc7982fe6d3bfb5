"""Browser sign-in: a session per sign-in, kept in the database (so any worker knows it), the
cookie carrying only a random token whose SHA-256 is stored, and a form token per session
that every form posts back (CSRF)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from mobilize.agencies.service import held_agencies
from mobilize.audit.service import Entry, append
from mobilize.auth.models import User, WebSession
from mobilize.auth.service import Actor, actor_of, authenticate_password, hash_token
from mobilize.core.errors import Forbidden, Unauthenticated

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    full_name: str
    form_token: str


def sign_in(session: Session, key: bytes, username: str, password: str) -> tuple[str, SignedIn]:
    """A new session for the user whose password this is: (cookie token, who signed in).
    Run it through `auth.throttle.attempt_sign_in`, which limits and counts the attempts."""
    actor = authenticate_password(session, username, password)
    token = secrets.token_urlsafe(32)
    record = WebSession(
        user_id=actor.user_id,
        token_hash=hash_token(token),
        form_token=secrets.token_urlsafe(32),
        expires_at=datetime.now(UTC) + SESSION_LIFETIME,
    )
    session.add(record)
    session.flush()
    append(session, key, Entry(actor.username, actor.agency, "session.start", "user", username))
    return token, SignedIn(actor, record.user.full_name, record.form_token)


def signed_in(session: Session, token: str | None) -> SignedIn:
    """Who the session cookie belongs to; Unauthenticated when it is missing or lapsed."""
    if not token:
        raise Unauthenticated("sign in first")
    record = session.scalars(
        select(WebSession)
        .where(WebSession.token_hash == hash_token(token))
        .options(joinedload(WebSession.user).selectinload(User.grants))
    ).one_or_none()
    if record is None or _aware(record.expires_at) <= datetime.now(UTC) or not record.user.active:
        raise Unauthenticated("your session has ended; sign in again")
    held_agencies(session)  # the grants' paths from these, not one query each
    return SignedIn(actor_of(record.user), record.user.full_name, record.form_token)


def check_form_token(who: SignedIn, posted: str | None) -> None:
    """A form must carry the session's form token: a page of another site cannot know it."""
    if not posted or not hmac.compare_digest(posted, who.form_token):
        raise Forbidden("the form is not from this session (its form token is missing or wrong)")


def sign_out(session: Session, key: bytes, token: str | None) -> None:
    if not token:
        return
    record = session.scalars(
        select(WebSession).where(WebSession.token_hash == hash_token(token))
    ).one_or_none()
    if record is None:
        return
    user = record.user
    session.execute(delete(WebSession).where(WebSession.id == record.id))
    append(
        session, key, Entry(user.username, user.agency.path, "session.end", "user", user.username)
    )


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
