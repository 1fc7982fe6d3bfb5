"""Failed authentication, counted per source and minute rather than recorded one by one.

Every failed bearer token or sign-in adds one to its source's row for the minute (an upsert on
that row alone: an attack waits on itself, never on the rest of the application); once the
minute is over, `fold_failures` writes one audit record per source, minute and kind, so an
attack stays visible in the log at the cost of a record a minute. A source past
`TOKEN_FAILURES_PER_MINUTE` is refused (429) before its token is even looked up, by the process
alone (`FailureGate`): a flood from one address costs no transaction each, and its tally
reaches the row every few seconds (`FailureGate.flush`). A process shuts a source the moment
its own count reaches the limit, and learns of the sources other processes pushed past it at
its next housekeeping pass (`FailureGate.learn`), so that no request pays a look-up for it.
Authorization denials of signed-in users are not here: they stay individual records.
"""

from __future__ import annotations

import threading
from collections import Counter
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


def count_failure(
    session: Session, source: str, kind: str, now: datetime | None = None, failures: int = 1
) -> int:
    """`failures` more of `kind` from `source` in the minute of `now`; its count so far."""
    minute = minute_of(now or datetime.now(UTC))
    source = source[:SOURCE_LENGTH]
    values = {"source": source, "minute": minute, "kind": kind, "failures": failures}
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    upsert = (
        insert(AuthFailureCount)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["source", "minute", "kind"],
            set_={"failures": AuthFailureCount.failures + failures},
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


class FailureGate:
    """The sources this process knows to be past their limit this minute, refused without a
    transaction, and what they tried meanwhile, until `flush` adds it to their rows. Each
    process learns a source's state from the database on its own; the count is the database's
    (the sum of every process's flushes), so the log still shows the whole attack."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shut: dict[str, datetime] = {}  # source -> the minute it is shut for
        self._tally: Counter[tuple[str, datetime]] = Counter()

    def refuses(self, source: str, now: datetime | None = None) -> bool:
        """True (and one more failure tallied) when `source` is shut this minute."""
        minute = minute_of(now or datetime.now(UTC))
        with self._lock:
            if self._shut.get(source) != minute:
                return False
            self._tally[(source, minute)] += 1
            return True

    def shut(self, source: str, now: datetime | None = None) -> None:
        minute = minute_of(now or datetime.now(UTC))
        with self._lock:
            self._shut = {s: m for s, m in self._shut.items() if m == minute}  # old minutes go
            self._shut[source] = minute

    def learn(self, session: Session, limit: int, now: datetime | None = None) -> int:
        """Shut every source at `limit` failed tokens or more this minute, whichever process
        counted them; how many are shut."""
        minute = minute_of(now or datetime.now(UTC))
        over = session.scalars(
            select(AuthFailureCount.source).where(
                AuthFailureCount.minute == minute,
                AuthFailureCount.kind == "token",
                AuthFailureCount.failures >= limit,
            )
        ).all()
        for source in over:
            self.shut(source, minute)
        return len(over)

    def flush(self, session: Session) -> int:
        """Add the failures tallied since the last flush to their rows; how many."""
        with self._lock:
            tally, self._tally = self._tally, Counter()
        for (source, minute), failures in sorted(tally.items()):
            count_failure(session, source, "token", minute, failures)
        return sum(tally.values())


def too_many(limit: int) -> TooManyAttempts:
    return TooManyAttempts(
        f"{limit} failed authentications from this address this minute; try again next minute"
    )


def authenticate_counted(
    engine: Engine,
    source: str,
    work: Callable[[Session], T],
    limit: int = TOKEN_FAILURES_PER_MINUTE,
    gate: FailureGate | None = None,
) -> T:
    """Run a bearer-token authentication for a caller at `source`: its failure is counted (in
    a transaction of its own, since the attempt's rolls back) instead of recorded; a source
    with `limit` failures this minute is refused without a look-up, and shut in `gate` (which
    the server asks before routing: `edge.context.RefuseShutSources`) once it reaches it.
    With a `gate`, the gate alone refuses (the server asks it before routing; it learns of
    other processes' counts at each housekeeping pass): no look-up per request."""

    def attempt(session: Session) -> T:
        if gate is None and failures_this_minute(session, source, "token") >= limit:
            raise too_many(limit)
        return work(session)

    try:
        with session_scope(engine) as session:
            return attempt(session)
    except (Unauthenticated, TooManyAttempts):
        with session_scope(engine) as session:
            failures = count_failure(session, source, "token")
        if gate is not None and failures >= limit:
            gate.shut(source)
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
