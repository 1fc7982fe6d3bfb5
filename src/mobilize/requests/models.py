"""Requests for assistance: lines addressed to supporting agencies, their responses and
approvals, and a snapshot of every version that was put to the supporting agencies."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobilize.agencies.models import Agency
from mobilize.auth.models import User
from mobilize.core.db import Base
from mobilize.operations.models import Operation, UnitRecord
from mobilize.requests.states import FILL_ACTIVE, FillStatus, LineStatus, RequestStatus


def status_type(statuses: type[StrEnum], name: str) -> Enum:
    """Stored as text with a CHECK constraint naming every status of the workflow table."""
    return Enum(
        statuses,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class SupportRequest(Base):
    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("operations.id"), index=True)
    requesting_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    justification: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(status_type(RequestStatus, "request_status"), index=True)
    version: Mapped[int]  # the content version put to the supporting agencies (amendments +1)
    revision: Mapped[int]  # every change +1: the ETag, for writes that must not be lost
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The operation's lead took the request in: only then does it bind the operation.
    accepted_by: Mapped[str | None] = mapped_column(String(100))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    operation: Mapped[Operation | None] = relationship()
    requesting_agency: Mapped[Agency] = relationship()
    created_by: Mapped[User] = relationship()
    lines: Mapped[list[RequestLine]] = relationship(
        order_by="RequestLine.position", cascade="all, delete-orphan"
    )
    versions: Mapped[list[RequestVersion]] = relationship(
        order_by="RequestVersion.version", cascade="all, delete-orphan"
    )
    approvals: Mapped[list[Approval]] = relationship(
        order_by="Approval.id", cascade="all, delete-orphan"
    )


class RequestLine(Base):
    __tablename__ = "request_lines"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]  # line 1, 2, ... as the requester wrote them
    capability: Mapped[str] = mapped_column(String(100))
    component: Mapped[str | None] = mapped_column(String(20))  # active, guard, civilian, any
    personnel: Mapped[int]
    location: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    supporting_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    criteria: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(status_type(LineStatus, "line_status"))

    supporting_agency: Mapped[Agency] = relationship()
    responses: Mapped[list[LineResponse]] = relationship(
        order_by="LineResponse.id", cascade="all, delete-orphan"
    )
    fills: Mapped[list[Fill]] = relationship(
        order_by="Fill.id", cascade="all, delete-orphan", back_populates="line"
    )


class RequestVersion(Base):
    """The exact content of one version, and its SHA-256, which approvals are bound to."""

    __tablename__ = "request_versions"
    __table_args__ = (UniqueConstraint("request_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LineResponse(Base):
    """A supporting agency's answer to a line: all, part (how many, which dates) or none."""

    __tablename__ = "line_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("request_lines.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]  # the request version answered
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    offer: Mapped[str] = mapped_column(String(10))  # all, part, none
    personnel: Mapped[int]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Approval(Base):
    """An approving authority's decision on one line, bound to the version it was signed on."""

    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int] = mapped_column(ForeignKey("request_lines.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))  # approved, partially_approved, denied
    personnel: Mapped[int]
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)  # criterion -> judgement and note
    version: Mapped[int]
    version_sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: the package is large (the consequences of the signature) and only the request's
    # own pages and papers read it; the plan's inputs read every approval of an operation.
    decision_package: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    line: Mapped[RequestLine] = relationship()
    agency: Mapped[Agency] = relationship()
    user: Mapped[User] = relationship()


class IdempotentResponse(Base):
    """The stored answer to a POST sent with an `Idempotency-Key`, replayed on a retry."""

    __tablename__ = "idempotent_responses"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # method, path and body, hashed
    status_code: Mapped[int]
    body: Mapped[Any] = mapped_column(JSON)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )


class OperationRate(Base):
    """What a day of one person of a component costs in an operation, and moving one person
    a kilometre from home station: the rate table of the decision package."""

    __tablename__ = "operation_rates"
    __table_args__ = (UniqueConstraint("operation_id", "component"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"))
    component: Mapped[str] = mapped_column(String(20))
    daily_rate: Mapped[float]
    transport_per_person_km: Mapped[float]


class RequestNumberCounter(Base):
    """The last number given out per year (`RFA-2018-`): incremented in place, so that the
    row lock makes concurrent filings wait for each other instead of colliding and retrying."""

    __tablename__ = "request_number_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int]


class Fill(Base):
    """A named unit an agency sends for a line: bound to the line and the version it was made
    on; its personnel are the unit's strength. A unit serves one line at a time (the partial
    unique index), and is free again once released."""

    __tablename__ = "fills"
    __table_args__ = (
        Index(
            "uq_fills_active_unit",
            "unit_id",
            unique=True,
            sqlite_where=f"status != '{FillStatus.RELEASED.value}'",
            postgresql_where=f"status != '{FillStatus.RELEASED.value}'",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[int] = mapped_column(
        ForeignKey("request_lines.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    personnel: Mapped[int]
    version: Mapped[int]  # the request version the fill was made on
    created_unit: Mapped[bool]  # the unit was made for this fill, not taken from the force list
    status: Mapped[str] = mapped_column(status_type(FillStatus, "fill_status"))
    checked_in_on: Mapped[date | None] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    line: Mapped[RequestLine] = relationship(back_populates="fills")
    unit: Mapped[UnitRecord] = relationship()
    agency: Mapped[Agency] = relationship()
    events: Mapped[list[FillEvent]] = relationship(
        order_by="FillEvent.id", cascade="all, delete-orphan"
    )

    @property
    def active(self) -> bool:
        return self.status in FILL_ACTIVE


class FillEvent(Base):
    """One dated status of a fill, as set by its agency or the operation's planners."""

    __tablename__ = "fill_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(status_type(FillStatus, "fill_event_status"))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
