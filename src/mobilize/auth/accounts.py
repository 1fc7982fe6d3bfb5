"""An account's life: disabled, enabled, its password reset, its sessions ended.

Disabling, a password reset and a token revocation end every web session and revoke every
token of the user at once (OWASP ASVS: a credential change ends what the old credential
opened). Every act is a record in the audit log, with who did it: `SYSTEM_ACTOR` from the
server's shell, else the admin's name.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.auth.models import ApiToken, Role, User, WebSession
from mobilize.auth.service import Actor
from mobilize.core.errors import NotFound

_passwords = PasswordHasher()


def end_sessions(
    session: Session, key: bytes, username: str, actor: str = SYSTEM_ACTOR
) -> dict[str, int]:
    """End every web session and revoke every token of `username`; the counts."""
    user = _user(session, username)
    ended = _end_all(session, user)
    append(session, key, Entry(actor, None, "user.sessions-end", "user", username, None, ended))
    return ended


def disable_user(
    session: Session, key: bytes, username: str, actor: str = SYSTEM_ACTOR
) -> dict[str, int]:
    """The user can no longer sign in or use a token; what they had open is ended."""
    user = _user(session, username)
    user.active = False
    ended = _end_all(session, user)
    after = {"active": False, **ended}
    append(session, key, Entry(actor, None, "user.disable", "user", username, None, after))
    return ended


def enable_user(session: Session, key: bytes, username: str, actor: str = SYSTEM_ACTOR) -> None:
    """The user may sign in again (with a new token or their password)."""
    user = _user(session, username)
    user.active = True
    session.flush()
    after = {"active": True}
    append(session, key, Entry(actor, None, "user.enable", "user", username, None, after))


def reset_password(
    session: Session,
    key: bytes,
    username: str,
    password: str | None = None,
    actor: str = SYSTEM_ACTOR,
) -> str:
    """A new password for `username` (a random one unless given), every session and token
    ended; the password, the only time it is seen."""
    user = _user(session, username)
    chosen = password or secrets.token_urlsafe(12)
    user.password_hash = _passwords.hash(chosen)
    ended = _end_all(session, user)
    entry = Entry(actor, None, "user.reset-password", "user", username, None, ended)
    append(session, key, entry)
    return chosen


def _end_all(session: Session, user: User) -> dict[str, int]:
    sessions = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    session.flush()
    return {"sessions_ended": _count(sessions), "tokens_revoked": _count(tokens)}


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}; add one with `mobilize users add`")
    return user


def accounts_under(session: Session, admin: Actor) -> list[tuple[User, int]]:
    """The users of every agency `admin` holds the admin role for, each with their open web
    sessions, by name."""
    now = datetime.now(UTC)
    users = session.scalars(select(User).order_by(User.username)).all()
    covered = [user for user in users if admin.holds(Role.ADMIN, user.agency.path)]
    return [(user, _open_sessions(session, user, now)) for user in covered]


def _open_sessions(session: Session, user: User, now: datetime) -> int:
    query = select(func.count(WebSession.id)).where(
        WebSession.user_id == user.id, WebSession.expires_at > now
    )
    return int(session.scalar(query) or 0)
