"""An operation and what it plans with: locations, capabilities, units, needs, caps.

Records keep their position in the scenario file (`position`) so that an export lists them in
the order they were written. Dates a file leaves out stay NULL: they follow the horizon.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobilize.agencies.models import Agency
from mobilize.core.db import Base
from mobilize.scenario.schemas import Component


def _component_type() -> Enum:
    """Stored as text with a CHECK constraint: portable, and readable in plain SQL."""
    return Enum(
        Component,
        name="component",
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class Operation(Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    max_deployment_days: Mapped[int]
    law_enforcement_capabilities: Mapped[list[str]] = mapped_column(JSON)
    # Who runs the operation (DoD for the border's troops); NULL: see operations.access.lead.
    lead_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    locations: Mapped[list[Location]] = relationship(
        order_by="Location.position", cascade="all, delete-orphan"
    )
    capabilities: Mapped[list[CapabilityRecord]] = relationship(
        order_by="CapabilityRecord.position", cascade="all, delete-orphan"
    )
    units: Mapped[list[UnitRecord]] = relationship(
        order_by="UnitRecord.position", cascade="all, delete-orphan"
    )
    requirements: Mapped[list[RequirementRecord]] = relationship(
        order_by="RequirementRecord.position", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[TaskRecord]] = relationship(
        order_by="TaskRecord.position", cascade="all, delete-orphan"
    )
    caps: Mapped[list[CapRecord]] = relationship(
        order_by="CapRecord.position", cascade="all, delete-orphan"
    )
    pass_window: Mapped[PassWindow | None] = relationship(cascade="all, delete-orphan")
    lead_agency: Mapped[Agency | None] = relationship()


class _OperationPart:
    """Columns every record of an operation has."""

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]


class Location(_OperationPart, Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class CapabilityRecord(_OperationPart, Base):
    __tablename__ = "capabilities"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))


class UnitRecord(_OperationPart, Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    component: Mapped[Component] = mapped_column(_component_type())
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    strength: Mapped[int]
    home_name: Mapped[str] = mapped_column(String(200))
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    deployed_since: Mapped[date | None] = mapped_column(Date)
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    max_deployment_days: Mapped[int | None]

    capability: Mapped[CapabilityRecord] = relationship()
    agency: Mapped[Agency | None] = relationship()
    location: Mapped[Location | None] = relationship()


class RequirementRecord(_OperationPart, Base):
    __tablename__ = "requirements"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    personnel: Mapped[int]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    location: Mapped[Location] = relationship()
    capability: Mapped[CapabilityRecord] = relationship()


class TaskRecord(_OperationPart, Base):
    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    code: Mapped[str] = mapped_column(String(100))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    capability_id: Mapped[int] = mapped_column(ForeignKey("capabilities.id"))
    personnel: Mapped[int]
    starts_on: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)  # as planned; `done_on` overrides it
    work_total: Mapped[float | None] = mapped_column(Float)  # e.g. 22 (miles of wire)
    work_unit: Mapped[str | None] = mapped_column(String(50))
    done_on: Mapped[date | None] = mapped_column(Date)

    # Read with every task's status (`tasks.task_status`): one query for all the tasks.
    location: Mapped[Location] = relationship(lazy="selectin")
    capability: Mapped[CapabilityRecord] = relationship()
    progress: Mapped[list[TaskProgress]] = relationship(
        order_by="TaskProgress.reported_on", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def needed_until(self) -> date | None:
        """The last day the task needs its people: the day it was done, else as planned."""
        return self.done_on or self.until


class TaskProgress(Base):
    """Work done on a task up to a day (cumulative), as reported."""

    __tablename__ = "task_progress"
    __table_args__ = (UniqueConstraint("task_id", "reported_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    done: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[str] = mapped_column(String(100))


class CapRecord(_OperationPart, Base):
    __tablename__ = "caps"

    component: Mapped[Component | None] = mapped_column(_component_type())
    max_personnel: Mapped[int]
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class PassWindow(Base):
    __tablename__ = "pass_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), unique=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    length_days: Mapped[int]
    blocks: Mapped[int]
    max_home_distance_km: Mapped[float] = mapped_column(Float)


class PlanRecord(Base):
    """A plan made for an operation: its inputs, the plan, and whether it was adopted."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("operation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]  # 1, 2, ... within the operation
    status: Mapped[str] = mapped_column(String(20))  # proposed, adopted, superseded
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON)  # the inputs, as a scenario file
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the plan, as the contract says
    solver_status: Mapped[str] = mapped_column(String(20))
    shortfall_person_days: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    adopted_by: Mapped[str | None] = mapped_column(String(100))
    adopted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrderRecord(Base):
    """A dated order on a unit (deploy or withdraw), from an adopted plan or given by hand."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operations.id", ondelete="CASCADE"), index=True
    )
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    unit: Mapped[str] = mapped_column(String(100))  # the unit's id, kept if the unit is removed
    kind: Mapped[str] = mapped_column(String(20))  # deploy, withdraw
    location: Mapped[str] = mapped_column(String(100))
    on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # in force, superseded
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
