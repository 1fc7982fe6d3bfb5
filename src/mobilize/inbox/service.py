"""A user's notifications in the app, and how they want them by e-mail."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mobilize.audit.service import Entry, append
from mobilize.auth.service import Actor
from mobilize.core.errors import InvalidInput
from mobilize.inbox.models import Delivery, Notification, NotificationSetting

SHOWN = 200  # the newest notifications a list shows
# An address as mail servers take it: something@domain.tld, no spaces or angle brackets.
ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def notifications_of(
    session: Session, actor: Actor, unread_only: bool = False, limit: int = SHOWN
) -> list[Notification]:
    """The actor's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == actor.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, actor: Actor) -> int:
    query = select(func.count()).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def mark_read(session: Session, actor: Actor, ids: Collection[int] | None = None) -> int:
    """Mark the actor's notifications `ids` (all when None) read; how many were unread. Only
    the actor's own: another user's id is not theirs to mark, and is passed over."""
    query = update(Notification).where(
        Notification.user_id == actor.user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = session.execute(query.values(read_at=datetime.now(UTC)))
    return int(getattr(result, "rowcount", 0) or 0)


def setting_of(session: Session, actor: Actor) -> NotificationSetting:
    """The actor's e-mail setting; a user who never set one has no address (in-app only)."""
    found = session.get(NotificationSetting, actor.user_id)
    return found or NotificationSetting(
        user_id=actor.user_id, email=None, delivery=Delivery.IMMEDIATE
    )


def set_delivery(
    session: Session,
    key: bytes,
    actor: Actor,
    email: str | None,
    delivery: Delivery,
    by: Actor | None = None,
) -> NotificationSetting:
    """Set the address and delivery of `actor` (by themselves, or `by` an administrator at
    the command line); audited, since an address says where the news of requests goes."""
    email = (email or "").strip() or None
    if email is not None and not ADDRESS.match(email):
        raise InvalidInput(f"email: {email!r} is not an e-mail address (name@example.gov)")
    setting = session.get(NotificationSetting, actor.user_id)
    before = _shown(setting)
    if setting is None:
        setting = NotificationSetting(user_id=actor.user_id)
        session.add(setting)
    now = datetime.now(UTC)
    if delivery == Delivery.DIGEST and setting.delivery != Delivery.DIGEST:
        setting.last_digest_at = now  # the first digest after one period
    if email != setting.email:
        setting.email_since = now
    setting.email, setting.delivery = email, delivery
    session.flush()
    doer = by or actor
    entry = Entry(
        doer.username,
        doer.agency,
        "notification.settings",
        "user",
        actor.username,
        before,
        _shown(setting),
    )
    append(session, key, entry)
    return setting


def _shown(setting: NotificationSetting | None) -> dict[str, str | None] | None:
    if setting is None:
        return None
    return {"email": setting.email, "delivery": str(setting.delivery)}
