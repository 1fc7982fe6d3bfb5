"""Users, role grants and tokens; who the actor is and what they may do.

A grant of a role in an agency holds for that agency and every agency below it (an approver
in DoD may approve for the Army). Tokens are random and kept only as SHA-256; passwords only
as argon2 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from mobilize.agencies.models import Agency
from mobilize.agencies.service import ensure_agency, find_agency, held_agencies
from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.auth.models import ApiToken, Role, RoleGrant, User, WebSession
from mobilize.core.errors import Conflict, Forbidden, NotFound, Unauthenticated

TOKEN_PREFIX = "mob_"
_passwords = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with their agency and grants (agency path, role)."""

    user_id: int
    username: str
    agency: str
    grants: frozenset[tuple[str, Role]]

    def holds(self, role: Role, agency: str) -> bool:
        """True when a grant of `role` covers `agency` (given as a path like `DoD/Army`)."""
        return any(grant_role == role and covers(path, agency) for path, grant_role in self.grants)

    def related_to(self, agency: str) -> bool:
        """True when any grant is in `agency`'s line: above it, it, or below it."""
        return any(covers(path, agency) or covers(agency, path) for path, _ in self.grants)

    def require(self, role: Role, agency: str, doing: str) -> None:
        if not self.holds(role, agency):
            raise Forbidden(
                f"{self.username} may not {doing}: it needs the {role} role in {agency}"
            )


def covers(upper: str, agency: str) -> bool:
    """True when `agency` is `upper` or below it in the tree (paths like `DoD/Army`)."""
    return agency == upper or agency.startswith(upper + "/")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    key: bytes,
    username: str,
    agency: str,
    roles: list[tuple[Role, str]],
    full_name: str | None = None,
    password: str | None = None,
) -> User:
    """A user of `agency` with `roles` as (role, agency path); the agencies are created when
    missing. Audited as done by the system operator."""
    if session.scalars(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(
        username=username,
        full_name=full_name or username,
        agency=ensure_agency(session, agency),
        password_hash=_passwords.hash(password) if password else None,
    )
    user.grants = [
        RoleGrant(role=role, agency=ensure_agency(session, path)) for role, path in roles
    ]
    session.add(user)
    session.flush()
    after = {"agency": agency, "roles": sorted(f"{role}@{path}" for role, path in roles)}
    append(session, key, Entry(SYSTEM_ACTOR, None, "user.add", "user", username, None, after))
    return user


def create_token(session: Session, key: bytes, username: str, name: str = "api") -> str:
    """A new token for `username`; the only time its text is seen."""
    user = _user(session, username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, name=name, token_hash=hash_token(token)))
    session.flush()
    entry = Entry(SYSTEM_ACTOR, None, "token.create", "user", username, None, {"token": name})
    append(session, key, entry)
    return token


def authenticate_token(session: Session, token: str) -> Actor:
    found = (
        session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(token))
            .options(joinedload(ApiToken.user).joinedload(User.grants))
        )
        .unique()
        .one_or_none()
    )
    if found is None or found.revoked_at is not None or not found.user.active:
        raise Unauthenticated("the token is unknown or revoked")
    held_agencies(session)  # the grants' paths from these, not one query each
    return actor_of(found.user)


def authenticate_password(session: Session, username: str, password: str) -> Actor:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or user.password_hash is None or not user.active:
        _spend_a_verification(password)  # as long as a known name: timing names nobody
        raise Unauthenticated("unknown user or wrong password")
    try:
        _passwords.verify(user.password_hash, password)
    except VerificationError:
        raise Unauthenticated("unknown user or wrong password") from None
    return actor_of(user)


@cache
def _decoy_hash() -> str:
    return _passwords.hash(secrets.token_hex(16))


def _spend_a_verification(password: str) -> None:
    with suppress(VerificationError):
        _passwords.verify(_decoy_hash(), password)


def actor_named(session: Session, username: str) -> Actor:
    return actor_of(_user(session, username))


def actor_of(user: User) -> Actor:
    grants = frozenset((grant.agency.path, grant.role) for grant in user.grants)
    return Actor(user.id, user.username, user.agency.path, grants)


def revoke_tokens(session: Session, key: bytes, username: str) -> int:
    """Revoke every token of `username` and end their web sessions too: whoever revokes a
    user's tokens means to shut what they have open. How many tokens were revoked."""
    user = _user(session, username)
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = datetime.now(UTC)
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    after = {"revoked": len(tokens), "sessions_ended": int(getattr(ended, "rowcount", 0) or 0)}
    append(session, key, Entry(SYSTEM_ACTOR, None, "token.revoke", "user", username, None, after))
    return len(tokens)


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user {username!r}; add one with `mobilize users add`")
    return user


def agency_of(session: Session, path: str) -> Agency:
    return find_agency(session, path)
