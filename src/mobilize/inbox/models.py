"""The notification outbox and each user's way of being told.

A notification row is written in the transaction of the change that put something in a user's
queue (`inbox.notify`), so a change and its notice commit or roll back together; e-mail goes
out later, off the request path (`inbox.mail`), and marks the row it delivered. A row is never
deleted by delivery: it is also the user's in-app list.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from mobilize.core.db import Base


class Delivery(StrEnum):
    """How a user wants their notifications by e-mail (always also in the app)."""

    IMMEDIATE = "immediate"  # one message per notification, within seconds
    DIGEST = "digest"  # one message with everything since the last, at most every digest period
    OFF = "off"  # in the app only


def _delivery_type() -> Enum:
    return Enum(
        Delivery,
        name="delivery",
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class Notification(Base):
    __tablename__ = "notifications"
    # One notice per thing entering a queue: `key` names it (`answer RFA-2018-0003 v1 1,5`),
    # so the same state seen again by a later change is not told twice.
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_unsent", "emailed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))  # answer, sign, fill, check_in, adopt, job...
    subject: Mapped[str] = mapped_column(String(300))  # one line: what awaits, and where
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500))  # a path of this site
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # E-mail: when it went out; else how often it failed, why, and when to try again.
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationSetting(Base):
    """A user's e-mail address and delivery; without a row: no address, in the app only."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    # Notices older than the address are not e-mailed: setting one does not send a backlog.
    email_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivery: Mapped[Delivery] = mapped_column(_delivery_type(), default=Delivery.IMMEDIATE)
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
