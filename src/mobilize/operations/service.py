"""Storing scenarios as operations and reading them back, without loss.

Services flush, never commit: the caller's `session_scope` owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mobilize.agencies.models import Agency
from mobilize.agencies.service import ensure_agency
from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.core.errors import Conflict, NotFound
from mobilize.operations.models import (
    CapabilityRecord,
    CapRecord,
    Location,
    Operation,
    PassWindow,
    RequirementRecord,
    TaskRecord,
    UnitRecord,
)
from mobilize.scenario import schemas


def list_operations(session: Session) -> list[Operation]:
    return list(session.scalars(select(Operation).order_by(Operation.name)))


def get_operation(session: Session, name: str | None = None) -> Operation:
    """The operation called `name`; without a name, the only one stored."""
    if name is not None:
        operation = session.scalars(select(Operation).where(Operation.name == name)).one_or_none()
        if operation is None:
            raise NotFound(f"no operation named {name!r}{_known_names(session)}")
        return operation
    operations = list_operations(session)
    if len(operations) != 1:
        raise NotFound(f"{len(operations)} operations are stored; name one{_known_names(session)}")
    return operations[0]


def find_operation(session: Session, name: str) -> Operation:
    """The operation called `name`, for the API and the pages: unlike `get_operation` (the
    CLI's, for the server's operator), a miss names no other operation to users who may not
    know of it."""
    operation = session.scalars(select(Operation).where(Operation.name == name)).one_or_none()
    if operation is None:
        raise NotFound(f"no operation named {name!r}")
    return operation


def _known_names(session: Session) -> str:
    names = [operation.name for operation in list_operations(session)]
    return f" (stored: {', '.join(repr(n) for n in names)})" if names else " (none is stored)"


def import_scenario(
    session: Session, scenario: schemas.Scenario, replace: bool = False, key: bytes | None = None
) -> Operation:
    """Store `scenario` as the operation of the same name; `replace` overwrites an existing one.
    With the audit `key`, the import is recorded (the edges pass it; tests of the format may
    not)."""
    existing = session.scalars(
        select(Operation).where(Operation.name == scenario.name)
    ).one_or_none()
    if existing is not None:
        if not replace:
            raise Conflict(
                f"an operation named {scenario.name!r} exists; "
                "import with --replace to overwrite it"
            )
        session.delete(existing)
        session.flush()
    operation = _new_operation(scenario)
    session.add(operation)
    _add_records(session, operation, scenario)
    session.flush()
    if key is not None:
        after = {"units": len(scenario.units), "replaced": existing is not None}
        entry = Entry(
            SYSTEM_ACTOR, None, "operation.import", "operation", scenario.name, None, after
        )
        append(session, key, entry)
    return operation


def _new_operation(scenario: schemas.Scenario) -> Operation:
    operation = Operation(
        name=scenario.name,
        description=scenario.description,
        start=scenario.start,
        end=scenario.end,
        max_deployment_days=scenario.policy.max_deployment_days,
        law_enforcement_capabilities=list(scenario.policy.law_enforcement_capabilities),
    )
    if scenario.passes is not None:
        operation.pass_window = PassWindow(
            starts_on=scenario.passes.from_,
            ends_on=scenario.passes.to,
            length_days=scenario.passes.length_days,
            blocks=scenario.passes.blocks,
            max_home_distance_km=scenario.passes.max_home_distance_km,
        )
    return operation


def _add_records(session: Session, operation: Operation, scenario: schemas.Scenario) -> None:
    locations = {
        item.id: Location(position=i, code=item.id, name=item.name, lat=item.lat, lon=item.lon)
        for i, item in enumerate(scenario.locations)
    }
    capabilities = {
        item.id: CapabilityRecord(position=i, code=item.id, name=item.name)
        for i, item in enumerate(scenario.capabilities)
    }
    operation.locations = list(locations.values())
    operation.capabilities = list(capabilities.values())
    agencies = agencies_of(session, scenario.units)
    operation.units = [
        fill_unit(UnitRecord(code=unit.id), unit, i, capabilities, locations, agencies)
        for i, unit in enumerate(scenario.units)
    ]
    operation.requirements = [
        RequirementRecord(
            position=i,
            location=locations[item.location],
            capability=capabilities[item.capability],
            personnel=item.personnel,
            starts_on=item.from_,
            ends_on=item.to,
        )
        for i, item in enumerate(scenario.requirements)
    ]
    operation.tasks = [
        TaskRecord(
            position=i,
            code=task.id,
            location=locations[task.location],
            capability=capabilities[task.capability],
            personnel=task.personnel,
            starts_on=task.from_,
            until=task.until,
        )
        for i, task in enumerate(scenario.tasks)
    ]
    operation.caps = [
        CapRecord(
            position=i,
            component=cap.component,
            max_personnel=cap.max_personnel,
            starts_on=cap.from_,
            ends_on=cap.to,
        )
        for i, cap in enumerate(scenario.caps)
    ]


def agencies_of(session: Session, units: Iterable[schemas.Unit]) -> dict[str, Agency]:
    """The agencies the units name, by path, created where missing."""
    paths = sorted({unit.agency for unit in units if unit.agency is not None})
    return {path: ensure_agency(session, path) for path in paths}


def fill_unit(
    record: UnitRecord,
    unit: schemas.Unit,
    position: int,
    capabilities: dict[str, CapabilityRecord],
    locations: dict[str, Location],
    agencies: dict[str, Agency],
) -> UnitRecord:
    """Write `unit` (checked against the operation) into its record: the one mapping of a
    scenario unit to its row, for imports and force-list updates alike."""
    record.position = position
    record.name = unit.name
    record.capability = capabilities[unit.capability]
    record.component = unit.component
    record.agency = agencies[unit.agency] if unit.agency is not None else None
    record.strength = unit.strength
    record.home_name, record.home_lat, record.home_lon = (
        unit.home.name,
        unit.home.lat,
        unit.home.lon,
    )
    record.location = locations[unit.location] if unit.location is not None else None
    record.deployed_since = unit.deployed_since
    record.available_from = unit.available_from
    record.available_until = unit.available_until
    record.max_deployment_days = unit.max_deployment_days
    return record


def export_scenario(session: Session, name: str | None = None) -> schemas.Scenario:
    """The stored operation as a scenario, equal to the one imported."""
    operation = _load_complete(session, get_operation(session, name).id)
    return schemas.Scenario(
        name=operation.name,
        description=operation.description,
        start=operation.start,
        end=operation.end,
        locations=tuple(
            schemas.Location(id=r.code, name=r.name, lat=r.lat, lon=r.lon)
            for r in operation.locations
        ),
        capabilities=tuple(
            schemas.Capability(id=r.code, name=r.name) for r in operation.capabilities
        ),
        units=tuple(unit_of(record) for record in operation.units),
        requirements=tuple(requirement_of(r) for r in operation.requirements),
        tasks=tuple(
            schemas.Task(
                id=r.code,
                location=r.location.code,
                capability=r.capability.code,
                personnel=r.personnel,
                from_=r.starts_on,
                until=r.needed_until,
            )
            for r in operation.tasks
        ),
        caps=tuple(
            schemas.Cap(
                component=r.component,
                max_personnel=r.max_personnel,
                from_=r.starts_on,
                to=r.ends_on,
            )
            for r in operation.caps
        ),
        policy=schemas.Policy(
            max_deployment_days=operation.max_deployment_days,
            law_enforcement_capabilities=tuple(operation.law_enforcement_capabilities),
        ),
        passes=_passes(operation.pass_window),
    )


def _load_complete(session: Session, operation_id: int) -> Operation:
    """The operation with every record loaded in a few queries, not one per unit."""
    statement = (
        select(Operation)
        .where(Operation.id == operation_id)
        .options(
            selectinload(Operation.locations),
            selectinload(Operation.capabilities),
            selectinload(Operation.units).selectinload(UnitRecord.agency),
            selectinload(Operation.requirements),
            selectinload(Operation.tasks),
            selectinload(Operation.caps),
            selectinload(Operation.pass_window),
        )
        .execution_options(populate_existing=True)
    )
    return session.scalars(statement).one()


def requirement_of(record: RequirementRecord) -> schemas.Requirement:
    return schemas.Requirement(
        location=record.location.code,
        capability=record.capability.code,
        personnel=record.personnel,
        from_=record.starts_on,
        to=record.ends_on,
    )


def unit_of(record: UnitRecord) -> schemas.Unit:
    return schemas.Unit(
        id=record.code,
        name=record.name,
        capability=record.capability.code,
        component=record.component,
        agency=record.agency.path if record.agency is not None else None,
        strength=record.strength,
        home=schemas.Home(name=record.home_name, lat=record.home_lat, lon=record.home_lon),
        location=record.location.code if record.location is not None else None,
        deployed_since=record.deployed_since,
        available_from=record.available_from,
        available_until=record.available_until,
        max_deployment_days=record.max_deployment_days,
    )


def _passes(window: PassWindow | None) -> schemas.Passes | None:
    if window is None:
        return None
    return schemas.Passes(
        from_=window.starts_on,
        to=window.ends_on,
        length_days=window.length_days,
        blocks=window.blocks,
        max_home_distance_km=window.max_home_distance_km,
    )
