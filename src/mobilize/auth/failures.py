"""Failed authentication, counted per source and minute rather than recorded one by one.

Every failed bearer token or sign-in adds one to its source's row for the minute (an upsert on
that row alone: an attack waits on itself, never on the rest of the application); once the
minute is over, `fold_failures` writes one audit record per source, minute and kind, so an
attack stays visible in the log at the cost of a record a minute. A source past
`TOKEN_FAILURES_PER_MINUTE` is refused (429) before its token is even looked up.
Authorization denials of signed-in users are not here: they stay individual records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mobilize.audit.service import Entry, append
from mobilize.auth.models import AuthFailureCount
from mobilize.core.db import session_scope
from mobilize.core.errors import TooManyAttempts, Unauthenticated

T = TypeVar("T")
TOKEN_FAILURES_PER_MINUTE = 30
SOURCE_LENGTH = 100


def minute_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def count_failure(session: Session, source: str, kind: str, now: datetime | None = None) -> int:
    """One more failure of `kind` from `source` this minute; the minute's count so far."""
    minute = minute_of(now or datetime.now(UTC))
    values = {"source": source[:SOURCE_LENGTH], "minute": minute, "kind": kind, "failures": 1}
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    upsert = (
        insert(AuthFailureCount)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["source", "minute", "kind"],
            set_={"failures": AuthFailureCount.failures + 1},
        )
        .returning(AuthFailureCount.failures)
    )
    return int(session.execute(upsert).scalar_one())


def failures_this_minute(
    session: Session, source: str, kind: str, now: datetime | None = None
) -> int:
    found = session.get(
        AuthFailureCount, (source[:SOURCE_LENGTH], minute_of(now or datetime.now(UTC)), kind)
    )
    return found.failures if found else 0


def authenticate_counted(
    engine: Engine,
    source: str,
    work: Callable[[Session], T],
    limit: int = TOKEN_FAILURES_PER_MINUTE,
) -> T:
    """Run a bearer-token authentication for a caller at `source`: its failure is counted (in
    a transaction of its own, since the attempt's rolls back) instead of recorded; a source
    with `limit` failures this minute is refused without a look-up."""
    try:
        with session_scope(engine) as session:
            if failures_this_minute(session, source, "token") >= limit:
                raise TooManyAttempts(
                    f"{limit} failed authentications from this address this minute; "
                    "try again next minute"
                )
            return work(session)
    except (Unauthenticated, TooManyAttempts):
        with session_scope(engine) as session:
            count_failure(session, source, "token")
        raise


def fold_failures(session: Session, key: bytes, now: datetime | None = None) -> int:
    """One audit record per source, minute and kind for every minute that is over; the
    counts are then gone from the table. How many records were written."""
    current = minute_of(now or datetime.now(UTC))
    rows = session.scalars(
        select(AuthFailureCount)
        .where(AuthFailureCount.minute < current)
        .order_by(AuthFailureCount.minute, AuthFailureCount.source, AuthFailureCount.kind)
        .with_for_update()
    ).all()
    for row in rows:
        minute = minute_of(row.minute.replace(tzinfo=row.minute.tzinfo or UTC))
        after = {"failures": row.failures, "minute": minute.isoformat(), "kind": row.kind}
        detail = f"{row.failures} failed {row.kind} authentication(s) from {row.source}"
        entry = Entry(
            None,
            None,
            "authenticate.failed",
            "source",
            row.source,
            None,
            after,
            "unauthenticated",
            detail,
        )
        append(session, key, entry)
        session.execute(
            delete(AuthFailureCount).where(
                AuthFailureCount.source == row.source,
                AuthFailureCount.minute == row.minute,
                AuthFailureCount.kind == row.kind,
            )
        )
    return len(rows)
