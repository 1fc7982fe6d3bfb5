"""The audit log's list filters as query parameters, read alike by `GET /api/audit/records`
and the audit page, and the records as the API returns them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, Field

from mobilize.audit.listing import MAX_LIMIT, Order, TrailFilter, field_changes, outcome_words
from mobilize.audit.models import AuditRecord
from mobilize.core.errors import InvalidInput
from mobilize.requests.schemas import WITHOUT_NUL, Moment

Text = Annotated[str, Query(max_length=200)]


def _blank_is_none(value: object) -> object:
    """A form's empty date field asks for nothing (browsers send `since=`)."""
    return None if value == "" else value


Day = Annotated[
    Annotated[date, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))] | None,
    BeforeValidator(_blank_is_none),
    Query(),
]
OBJECT_TYPES = ("request", "operation", "plan", "task", "unit", "job", "user", "audit")


def _text(length: int, description: str) -> Any:
    return Query(max_length=length, pattern=WITHOUT_NUL, description=description)


def trail_filter(
    user: Annotated[str, _text(100, "Records by this user.")] = "",
    agency: Annotated[str, _text(200, "By people of it or its parts.")] = "",
    action: Annotated[str, _text(100, "An action, or a prefix ending in a dot.")] = "",
    object_type: Annotated[str, Query(alias="type", max_length=50)] = "",
    object_id: Annotated[str, Query(alias="id", max_length=100, pattern=WITHOUT_NUL)] = "",
    since: Day = None,
    until: Day = None,
    q: Annotated[str, _text(200, "Searched in ids, actions, users and reasons.")] = "",
    order: Order = "newest",
) -> TrailFilter:
    """The filters a reader asked for; blank fields ask for nothing."""
    if object_type and object_type not in OBJECT_TYPES:
        raise InvalidInput(f"type: one of {', '.join(OBJECT_TYPES)}")
    return TrailFilter(
        actor=user.strip() or None,
        agency=agency.strip() or None,
        action=action.strip() or None,
        object_type=object_type or None,
        object_id=object_id.strip() or None,
        since=since,
        until=until,
        text=q.strip() or None,
        order=order,
    )


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


class FieldChangeOut(BaseModel):
    field: str
    before: Any
    after: Any


class RecordOut(BaseModel):
    id: int
    at: Moment
    actor: str | None
    agency: str | None
    action: str
    object_type: str
    object_id: str | None
    outcome: str = Field(description="ok, denied, refused, stale, throttled, unauthenticated")
    outcome_words: str
    detail: str | None
    changes: list[FieldChangeOut] = Field(description="What the record changed, field by field.")


class RecordPage(BaseModel):
    items: list[RecordOut]
    total: int
    limit: int
    offset: int


def record_out(record: AuditRecord) -> RecordOut:
    return RecordOut(
        id=record.id,
        at=record.at,
        actor=record.actor,
        agency=record.agency,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        outcome=record.outcome,
        outcome_words=outcome_words(record.outcome),
        detail=record.detail,
        changes=[
            FieldChangeOut(field=c.field, before=c.before, after=c.after)
            for c in field_changes(record.before, record.after)
        ],
    )
