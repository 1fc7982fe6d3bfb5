"""What the API gives back for a user's queue and notifications, and what it takes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mobilize.inbox.awaiting import KINDS, AwaitingItem
from mobilize.inbox.models import Delivery, Notification
from mobilize.requests.schemas import Moment


class AwaitingOut(BaseModel):
    kind: str = Field(description=f"One of: {', '.join(KINDS)}.")
    heading: str = Field(description="The kind in words, as the page heads it.")
    subject: str = Field(description="What it is about: a request number, a plan, a job.")
    title: str
    detail: str
    link: str = Field(description="The page where it is done (a path of this site).")


class AwaitingPage(BaseModel):
    count: int = Field(description="How many things await you: the menu's count.")
    items: list[AwaitingOut]


def awaiting_out(items: list[AwaitingItem]) -> AwaitingPage:
    return AwaitingPage(
        count=len(items),
        items=[
            AwaitingOut(
                kind=item.kind,
                heading=KINDS[item.kind],
                subject=item.subject,
                title=item.title,
                detail=item.detail,
                link=item.link,
            )
            for item in items
        ],
    )


class NotificationOut(BaseModel):
    id: int
    kind: str
    subject: str
    body: str
    link: str
    created_at: Moment
    read_at: Moment | None
    emailed_at: Moment | None = Field(description="When it was e-mailed; null: not (yet).")
    email_attempts: int = Field(description="Failed attempts to e-mail it so far.")
    email_error: str | None = Field(description="Why the last attempt failed.")
    next_attempt_at: Moment | None = Field(description="When e-mail is tried again.")


def notification_out(notice: Notification) -> NotificationOut:
    return NotificationOut.model_validate(notice, from_attributes=True)


class ReadInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=1000, description="The notifications to mark read; null: all of them."
    )


class ReadOut(BaseModel):
    marked: int = Field(description="How many were unread and are now read.")


class DeliveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[str, Field(max_length=320, pattern=r"^[^\x00-\x1f]*$")] | None = None
    delivery: Delivery = Delivery.IMMEDIATE


class DeliveryOut(BaseModel):
    email: str | None
    delivery: Delivery
    email_configured: bool = Field(
        description="Whether this server sends e-mail at all (SMTP set); if not, in-app only."
    )
