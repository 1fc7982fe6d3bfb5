"""Finding and creating agencies by their path in the tree."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.core.errors import NotFound


def load_agencies(session: Session) -> dict[int, Agency]:
    """Every agency, by id, in one query. Agencies are few and nearly every request reads
    their paths (a path walks the parents): while the caller holds this, a path or an
    `agency` of a row loaded in the session costs no query of its own."""
    return {agency.id: agency for agency in session.scalars(select(Agency))}


HELD = "mobilize.agencies"  # Session.info: every agency, held for the transaction


def held_agencies(session: Session) -> dict[int, Agency]:
    """`load_agencies` once per transaction, held by the session: its identity map keeps a row
    only while something else does, so without this each path read would query the parents
    again. A flush that adds an agency lets the next call load them afresh."""
    held: dict[int, Agency] | None = session.info.get(HELD)
    if held is None:
        held = session.info[HELD] = load_agencies(session)
    return held


@event.listens_for(Session, "after_flush")
def _forget_held(session: Session, _context: object) -> None:
    if any(isinstance(row, Agency) for row in session.new):
        session.info.pop(HELD, None)


def split_path(path: str) -> list[str]:
    """`DoD/Army` -> ['DoD', 'Army']; text that is not a clean path stays one agency."""
    parts = path.split("/")
    if any(not part or part != part.strip() for part in parts):
        return [path]
    return parts


def ensure_agency(session: Session, path: str) -> Agency:
    """The agency at `path`, created with its parents where missing."""
    codes = split_path(path)
    agency = _child_agency(session, None, codes[0])
    for code in codes[1:]:
        agency = _child_agency(session, agency, code)
    return agency


def _child_agency(session: Session, parent: Agency | None, code: str) -> Agency:
    same_parent = Agency.parent_id.is_(None) if parent is None else Agency.parent_id == parent.id
    found = session.scalars(select(Agency).where(Agency.code == code, same_parent)).one_or_none()
    if found is None:
        found = Agency(code=code, name=code, parent=parent)
        session.add(found)
        session.flush()
    return found


def find_agency(session: Session, path: str) -> Agency:
    """The agency at `path` (from those held for the transaction); NotFound names the
    agencies there are."""
    held = held_agencies(session).values()
    found = next((agency for agency in held if agency.path == path), None)
    if found is None:
        known = ", ".join(sorted(agency.path for agency in held))
        raise NotFound(f"no agency {path!r}; known agencies: {known or 'none'}")
    return found


# The agencies of the reference exchange (../shared/domain.md): departments and their parts.
REFERENCE_AGENCIES = (
    ("DHS", "Department of Homeland Security"),
    ("DHS/CBP", "U.S. Customs and Border Protection"),
    ("DoD", "Department of Defense"),
    ("DoD/Army", "U.S. Army"),
    ("DoD/Marine Corps", "U.S. Marine Corps"),
    ("DOJ", "Department of Justice"),
    ("DOS", "Department of State"),
    ("DOE", "Department of Energy"),
    ("DOT", "Department of Transportation"),
    ("DOL", "Department of Labor"),
    ("DOI", "Department of the Interior"),
)


def ensure_reference_agencies(session: Session) -> list[Agency]:
    made = []
    for path, name in REFERENCE_AGENCIES:
        agency = ensure_agency(session, path)
        agency.name = name
        made.append(agency)
    return made
