"""Users, their roles per agency, and their API tokens (stored only as hashes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobilize.agencies.models import Agency
from mobilize.core.db import Base


class Role(StrEnum):
    REQUESTER = "requester"
    RESPONDER = "responder"
    APPROVER = "approver"
    PLANNER = "planner"
    VIEWER = "viewer"
    ADMIN = "admin"


def _role_type() -> Enum:
    return Enum(
        Role,
        name="role",
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2; web sign-in
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    agency: Mapped[Agency] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(cascade="all, delete-orphan")


class RoleGrant(Base):
    """`role` in `agency` and every agency below it in the tree."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "agency_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    role: Mapped[Role] = mapped_column(_role_type())

    agency: Mapped[Agency] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is kept (tokens are random, so no salt is needed)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the database only its SHA-256,
    with the form token (CSRF) of the session and when it lapses."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    form_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    user: Mapped[User] = relationship()


class AuthFailureCount(Base):
    """Failed authentications from one source in one minute, counted in place (a row per
    source, so an attack waits only on itself) and folded into the audit log as one record
    once the minute is over."""

    __tablename__ = "auth_failures"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    minute: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)  # "token" or "sign-in"
    failures: Mapped[int]


class SignInThrottle(Base):
    """Sign-in attempts of one source or one user name within a window: `pending` attempts
    being checked now, failures, and when a name may be tried next (its backoff)."""

    __tablename__ = "sign_in_throttles"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)  # "source" or "name"
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    pending: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
