"""JSON routes for the signed-in user's queue and notifications (`/api/me/...`): the same
service as the pages, so the API and the landing page agree."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from mobilize.edge.context import Context, CurrentActor, audited
from mobilize.edge.problems import problem_responses
from mobilize.inbox import schemas
from mobilize.inbox.awaiting import awaiting
from mobilize.inbox.service import mark_read, notifications_of, set_delivery, setting_of

router = APIRouter(prefix="/api/me", tags=["inbox"])
READ = problem_responses(401, 422)  # 422: a query parameter that is not one
WRITE = problem_responses(400, 401, 422)  # 400: a body that is not JSON


@router.get("/awaiting", response_model=schemas.AwaitingPage, responses=READ)
def read_awaiting(ctx: Context, actor: CurrentActor) -> schemas.AwaitingPage:
    """What awaits you: requests to answer, sign, accept or fill, your units not yet on site,
    your drafts, plans you may adopt, your plan jobs just finished; the menu's count."""

    def work(session: Session) -> schemas.AwaitingPage:
        return schemas.awaiting_out(awaiting(session, actor))

    return audited(ctx, actor, "inbox.read", ("user", actor.username), work)


@router.get("/notifications", response_model=list[schemas.NotificationOut], responses=READ)
def read_notifications(
    ctx: Context, actor: CurrentActor, unread: Annotated[bool, Query()] = False
) -> list[schemas.NotificationOut]:
    """Your notifications, newest first (the last 200), with their e-mail delivery: sent,
    or failed with the reason and the time of the next attempt."""

    def work(session: Session) -> list[schemas.NotificationOut]:
        return [schemas.notification_out(n) for n in notifications_of(session, actor, unread)]

    return audited(ctx, actor, "inbox.read", ("user", actor.username), work)


@router.post("/notifications/read", response_model=schemas.ReadOut, responses=WRITE)
def read_marked(marking: schemas.ReadInput, ctx: Context, actor: CurrentActor) -> schemas.ReadOut:
    """Mark your notifications read: those of `ids`, or all (`ids` null). Marking again is
    harmless: it counts only those that were unread."""

    def work(session: Session) -> schemas.ReadOut:
        return schemas.ReadOut(marked=mark_read(session, actor, marking.ids))

    return audited(ctx, actor, "notification.read", ("user", actor.username), work)


@router.get("/notification-settings", response_model=schemas.DeliveryOut, responses=READ)
def read_settings(ctx: Context, actor: CurrentActor) -> schemas.DeliveryOut:
    """Your e-mail address and delivery (immediate, digest, off)."""

    def work(session: Session) -> schemas.DeliveryOut:
        setting = setting_of(session, actor)
        return schemas.DeliveryOut(
            email=setting.email, delivery=setting.delivery, email_configured=ctx.smtp is not None
        )

    return audited(ctx, actor, "inbox.read", ("user", actor.username), work)


@router.put("/notification-settings", response_model=schemas.DeliveryOut, responses=WRITE)
def write_settings(
    wanted: schemas.DeliveryIn, ctx: Context, actor: CurrentActor
) -> schemas.DeliveryOut:
    """Set your e-mail address (null: none, in-app only) and delivery: `immediate` (one
    message per notification), `digest` (one message with everything since the last, at
    most once per digest period), or `off`."""

    def work(session: Session) -> schemas.DeliveryOut:
        setting = set_delivery(session, ctx.audit_key, actor, wanted.email, wanted.delivery)
        return schemas.DeliveryOut(
            email=setting.email, delivery=setting.delivery, email_configured=ctx.smtp is not None
        )

    return audited(ctx, actor, "notification.settings", ("user", actor.username), work)
