"""Replacing an operation's force list from a spreadsheet, in place and audited.

Units are matched by id: new ones are added, changed ones updated, and ones the file leaves
out removed; records that point at a unit (requests, plans) keep pointing at the same row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mobilize.agencies.service import ensure_agency
from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.operations.models import Operation, UnitRecord
from mobilize.operations.service import export_scenario, get_operation, unit_of
from mobilize.scenario import schemas


@dataclass
class ForceListChange:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def current_force_list(session: Session, name: str | None) -> tuple[schemas.Scenario, Operation]:
    operation = get_operation(session, name)
    return export_scenario(session, operation.name), operation


def replace_force_list(
    session: Session, key: bytes, operation: Operation, units: list[schemas.Unit], source: str
) -> ForceListChange:
    """Make the operation's units exactly `units` (already checked against the operation)."""
    existing = {record.code: record for record in operation.units}
    before = {"units": len(existing)}
    change = ForceListChange()
    kept: list[UnitRecord] = []
    for position, unit in enumerate(units):
        record = existing.pop(unit.id, None)
        if record is None:
            record = UnitRecord(code=unit.id)
            change.added.append(unit.id)
        elif unit_of(record) != unit:
            change.updated.append(unit.id)
        _fill(session, operation, record, unit, position)
        kept.append(record)
    change.removed = sorted(existing)
    operation.units = kept
    session.flush()
    after = {"units": len(kept), "source": source} | change.__dict__
    append(
        session,
        key,
        Entry(SYSTEM_ACTOR, None, "forcelist.import", "operation", operation.name, before, after),
    )
    return change


def _fill(
    session: Session, operation: Operation, record: UnitRecord, unit: schemas.Unit, position: int
) -> None:
    capabilities = {capability.code: capability for capability in operation.capabilities}
    locations = {location.code: location for location in operation.locations}
    record.position = position
    record.name = unit.name
    record.capability = capabilities[unit.capability]
    record.component = unit.component
    record.agency = ensure_agency(session, unit.agency) if unit.agency else None
    record.strength = unit.strength
    record.home_name, record.home_lat, record.home_lon = (
        unit.home.name,
        unit.home.lat,
        unit.home.lon,
    )
    record.location = locations[unit.location] if unit.location else None
    record.deployed_since = unit.deployed_since
    record.available_from = unit.available_from
    record.available_until = unit.available_until
    record.max_deployment_days = unit.max_deployment_days
