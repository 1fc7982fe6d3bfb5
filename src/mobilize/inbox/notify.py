"""Writing notifications: in the transaction of the change that put something in a queue.

The services call `note_request`, `note_plan` and `note_job` after a change (they import this
module in the function: `inbox` reads their rules, so the import graph stays one-way). Who is
told, and of what, is `inbox.awaiting` asked again for the users concerned: a notification is
the queue's new item, never a second rule. An item already told (same user, same `key`) is not
told again, so a later change that leaves it in the queue writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mobilize.agencies.service import held_agencies
from mobilize.auth.models import User
from mobilize.auth.service import Actor, actor_of
from mobilize.inbox.awaiting import AwaitingItem, job_item, plan_item, request_items
from mobilize.inbox.models import Notification
from mobilize.jobs.models import JobRecord
from mobilize.operations.access import may_adopt, may_read
from mobilize.operations.models import Operation, PlanRecord
from mobilize.operations.plans import adopted_plan
from mobilize.requests.access import load_whole
from mobilize.requests.models import SupportRequest


def note_request(session: Session, request: SupportRequest) -> None:
    """Tell each user what `request` now asks of them that they were not told yet."""
    session.flush()
    load_whole(session, request, packages=True)  # read by every user's items, then the answer
    for actor in _active_actors(session):
        _tell(session, actor, request_items(actor, request))


def note_plan(session: Session, operation: Operation, plan: PlanRecord) -> None:
    """A new plan awaits adoption by whoever may adopt it."""
    adopted = adopted_plan(session, operation)
    for actor in _active_actors(session):
        if may_read(session, actor, operation) and may_adopt(
            session, actor, operation, plan.number
        ):
            _tell(session, actor, [plan_item(operation, plan, adopted)])


def note_job(session: Session, job: JobRecord) -> None:
    """A finished plan job, to the user who started it."""
    user = session.scalars(select(User).where(User.username == job.requested_by)).one_or_none()
    if user is not None and user.active:
        _tell(session, actor_of(user), [job_item(job)])


def _active_actors(session: Session) -> list[Actor]:
    """Every active user as an actor, in one query with their grants (the agencies their
    paths are read from are held for the transaction) rather than a few per user."""
    held_agencies(session)
    query = select(User).where(User.active.is_(True)).options(joinedload(User.grants))
    return [actor_of(user) for user in session.scalars(query.order_by(User.id)).unique()]


def _tell(session: Session, actor: Actor, items: Iterable[AwaitingItem]) -> None:
    for item in items:
        new = _untold(session, actor, item)
        if new is None:
            continue
        session.add(
            Notification(
                user_id=actor.user_id,
                key=_key(item.state, new)[:300],
                kind=item.kind,
                # Set here, not by the database: compared with `email_since` at the same
                # precision (SQLite's CURRENT_TIMESTAMP has whole seconds).
                created_at=datetime.now(UTC),
                subject=item.title[:300],
                body=item.detail,
                link=item.link,
            )
        )
    session.flush()


def _untold(session: Session, actor: Actor, item: AwaitingItem) -> tuple[str, ...] | None:
    """The parts of `item` the user was not told of yet (all of an item without parts, if
    its state is new); None when there is nothing new."""
    keys = session.scalars(
        select(Notification.key).where(
            Notification.user_id == actor.user_id,
            (Notification.key == item.state)
            | Notification.key.startswith(item.state + " ", autoescape=True),
        )
    ).all()
    if not item.parts:
        return None if keys else ()
    told = {part for key in keys for part in key.removeprefix(item.state).strip().split(",")}
    new = tuple(part for part in item.parts if part not in told)
    return new or None


def _key(state: str, parts: tuple[str, ...]) -> str:
    return f"{state} {','.join(parts)}" if parts else state
