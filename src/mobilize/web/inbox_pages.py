"""The landing page (what awaits the user) and their notifications: the same services as
`GET /api/me/awaiting` and `/api/me/notifications`."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from mobilize.core.errors import InvalidInput
from mobilize.edge.context import Context, audited
from mobilize.inbox.awaiting import KINDS, awaiting
from mobilize.inbox.models import Delivery
from mobilize.inbox.service import mark_read, notifications_of, set_delivery, setting_of
from mobilize.operations.access import may_read
from mobilize.operations.service import list_operations
from mobilize.web.context import User, checked, page, posted_form, see_other

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Context, who: User) -> HTMLResponse:
    """What awaits the user, grouped by what they are to do; and their operations."""

    def work(session: Session) -> dict[str, Any]:
        operations = [o.name for o in list_operations(session) if may_read(session, who.actor, o)]
        return {"items": awaiting(session, who.actor), "operations": operations}

    values = audited(ctx, who.actor, "inbox.read", ("user", who.actor.username), work)
    groups = [
        (kind, KINDS[kind], list(items))
        for kind, items in groupby(values["items"], key=lambda item: item.kind)
    ]
    count = len(values["items"])
    return page(request, "awaiting.html", who, groups=groups, awaiting_count=count, **values)


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, ctx: Context, who: User) -> HTMLResponse:
    """The user's notifications, newest first, with their e-mail delivery; and how they
    want them."""

    def work(session: Session) -> dict[str, Any]:
        setting = setting_of(session, who.actor)
        return {
            "notices": notifications_of(session, who.actor),
            "email": setting.email or "",
            "delivery": str(setting.delivery),
        }

    values = audited(ctx, who.actor, "inbox.read", ("user", who.actor.username), work)
    return page(
        request,
        "notifications.html",
        who,
        email_configured=ctx.smtp is not None,
        deliveries=DELIVERY_WORDS,
        **values,
    )


DELIVERY_WORDS = {
    Delivery.IMMEDIATE.value: "each notification at once",
    Delivery.DIGEST.value: "a digest: one message with everything since the last",
    Delivery.OFF.value: "no e-mail: here only",
}


@router.post("/notifications/read")
async def read(request: Request, ctx: Context, who: User) -> RedirectResponse:
    """Mark one notification read (`id`), or all of them."""
    form = await posted_form(request)
    checked(ctx, who, form, "notification.read", ("user", who.actor.username))
    chosen = form.get("id")
    ids = None if chosen is None else [_whole(chosen)]

    def work(session: Session) -> int:
        return mark_read(session, who.actor, ids)

    marked = audited(ctx, who.actor, "notification.read", ("user", who.actor.username), work)
    words = "1 notification" if marked == 1 else f"{marked} notifications"
    return see_other("/notifications", f"{words} marked read")


@router.post("/notifications/settings")
async def settings(request: Request, ctx: Context, who: User) -> RedirectResponse:
    """The user's e-mail address and delivery."""
    form = await posted_form(request)
    action = "notification.settings"
    checked(ctx, who, form, action, ("user", who.actor.username))
    wanted = form.get("delivery", "")
    if wanted not in DELIVERY_WORDS:
        raise InvalidInput(f"delivery: one of {', '.join(DELIVERY_WORDS)}")

    def work(session: Session) -> None:
        set_delivery(session, ctx.audit_key, who.actor, form.get("email"), Delivery(wanted))

    audited(ctx, who.actor, action, ("user", who.actor.username), work)
    return see_other("/notifications", f"Saved: {DELIVERY_WORDS[wanted]}")


def _whole(text: str) -> int:
    if not text.isdigit() or len(text) > 10:
        raise InvalidInput(f"id: a notification's number, not {text!r}")
    return int(text)
