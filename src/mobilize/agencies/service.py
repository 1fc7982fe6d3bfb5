"""Finding and creating agencies by their path in the tree."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency


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
