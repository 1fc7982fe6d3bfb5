"""Who reads which part of the audit log: the rights that `audit.listing` filters by.

A reader sees the records on what they may read elsewhere (the requests they are party to,
the operations they are party to with their plans, tasks and units), their own records, and,
as an admin, the records of people of the agencies they administer. The same rule serves the
audit page and `GET /api/audit/records`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.listing import Readable
from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.operations.access import may_read
from mobilize.operations.service import list_operations
from mobilize.requests.access import parties_clause
from mobilize.requests.models import SupportRequest


def readable_by(session: Session, actor: Actor) -> Readable:
    """The part of the audit log `actor` may read."""
    # The party rule as SQL (tests/requests/test_queries.py holds it to `is_party`).
    requests = session.scalars(select(SupportRequest.number).where(parties_clause(session, actor)))
    operations = [o.name for o in list_operations(session) if may_read(session, actor, o)]
    administered = [agency for agency, role in actor.grants if role == Role.ADMIN]
    return Readable(
        everything=False,
        actor=actor.username,
        requests=frozenset(requests),
        operations=frozenset(operations),
        agencies=frozenset(administered),
    )
