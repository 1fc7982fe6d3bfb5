"""Sign-in limits: per source first, then a backoff per user name.

A source may have `SOURCE_ATTEMPTS` failed (or still running) sign-ins in `WINDOW`; past that,
it is refused without a password check. A name may fail `NAME_FREE_FAILURES` times from
anywhere; after that each attempt on it must wait a delay that doubles per failure, capped at
`NAME_BACKOFF_CAP`: spraying one name from many addresses gets a guess a minute, while its
owner, from their own address, waits at most that long, never a lockout.

An attempt claims its place in a transaction of its own, committed before the password is
checked, under the rows' locks: of 40 parallel wrong sign-ins from one source exactly
`SOURCE_ATTEMPTS` are checked. The claim is settled afterwards (a failure counted, a success
clearing the name's backoff). These functions open their own transactions, as `run_audited`
does, because that ordering is the point.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mobilize.auth.failures import count_failure
from mobilize.auth.models import SignInThrottle
from mobilize.core.db import session_scope
from mobilize.core.errors import TooManyAttempts

T = TypeVar("T")
SOURCE_ATTEMPTS = 5
WINDOW = timedelta(minutes=15)
NAME_FREE_FAILURES = 5
NAME_BACKOFF_CAP = timedelta(seconds=60)
SUBJECT_LENGTH = 200


def attempt_sign_in(
    engine: Engine,
    source: str,
    username: str,
    check: Callable[[Session], T],
    now: datetime | None = None,
) -> T:
    """Run `check` (the password check and what follows it) if `source` and `username` may
    try now; count its failure. TooManyAttempts when they may not."""
    moment = now or datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            claim(session, source, username, moment)
    except TooManyAttempts:
        with session_scope(engine) as session:
            count_failure(session, source, "sign-in", moment)
        raise
    succeeded = False
    try:
        with session_scope(engine) as session:
            result = check(session)
        succeeded = True
        return result
    finally:
        with session_scope(engine) as session:
            settle(session, source, username, succeeded, moment)
            if not succeeded:
                count_failure(session, source, "sign-in", moment)


def claim(session: Session, source: str, username: str, now: datetime) -> None:
    """Reserve this attempt, or refuse it: the source's limit first, then the name's backoff."""
    by_source = _locked(session, "source", source, now)
    if by_source.failures + by_source.pending >= SOURCE_ATTEMPTS:
        again = _aware(by_source.window_start) + WINDOW
        raise TooManyAttempts(
            f"{by_source.failures} failed sign-ins from this address lately; "
            f"try again after {again:%H:%M} UTC"
        )
    by_name = _locked(session, "name", username, now)
    if by_name.next_attempt is not None and _aware(by_name.next_attempt) > now:
        seconds = max(1, round((_aware(by_name.next_attempt) - now).total_seconds()))
        raise TooManyAttempts(
            f"{by_name.failures} failed sign-ins for {username!r} lately; try again in {seconds} s"
        )
    if by_name.failures >= NAME_FREE_FAILURES:
        by_name.next_attempt = now + backoff(by_name.failures)  # one attempt per delay
    by_source.pending += 1
    session.flush()


def settle(session: Session, source: str, username: str, succeeded: bool, now: datetime) -> None:
    by_source = _locked(session, "source", source, now)
    by_source.pending = max(0, by_source.pending - 1)
    by_name = _locked(session, "name", username, now)
    if succeeded:
        by_name.failures, by_name.next_attempt = 0, None
    else:
        by_source.failures += 1
        by_name.failures += 1
        if by_name.failures >= NAME_FREE_FAILURES:
            by_name.next_attempt = now + backoff(by_name.failures)
    session.flush()


def backoff(failures: int) -> timedelta:
    """1 s at the first failure past the free ones, doubling, capped."""
    seconds = 2 ** min(failures - NAME_FREE_FAILURES, 16)
    return min(timedelta(seconds=seconds), NAME_BACKOFF_CAP)


def _locked(session: Session, scope: str, subject: str, now: datetime) -> SignInThrottle:
    """The row of `subject` under its lock (created when missing), its window renewed when
    it lapsed: claims left by a crashed attempt go with it."""
    subject = subject[:SUBJECT_LENGTH]
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(SignInThrottle)
        .values(scope=scope, subject=subject, failures=0, pending=0, window_start=now)
        .on_conflict_do_nothing(index_elements=["scope", "subject"])
    )
    row = session.get(
        SignInThrottle, (scope, subject), with_for_update=True, populate_existing=True
    )
    assert row is not None
    if _aware(row.window_start) + WINDOW <= now:
        row.failures, row.pending, row.window_start, row.next_attempt = 0, 0, now, None
    return row


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
