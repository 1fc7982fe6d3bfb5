"""Replacing an operation's force list from a spreadsheet, in place and audited.

Units are matched by id: new ones are added, changed ones updated, and ones the file leaves
out removed; records that point at a unit (requests, plans) keep pointing at the same row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.operations.models import Operation, UnitRecord
from mobilize.operations.service import (
    agencies_of,
    export_scenario,
    fill_unit,
    get_operation,
    unit_of,
)
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
    capabilities = {capability.code: capability for capability in operation.capabilities}
    locations = {location.code: location for location in operation.locations}
    agencies = agencies_of(session, units)
    for position, unit in enumerate(units):
        record = existing.pop(unit.id, None)
        if record is None:
            record = UnitRecord(code=unit.id)
            change.added.append(unit.id)
        elif unit_of(record) != unit:
            change.updated.append(unit.id)
        kept.append(fill_unit(record, unit, position, capabilities, locations, agencies))
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
