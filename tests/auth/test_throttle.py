"""Sign-in limits: per source first (atomic under parallel attempts), then a backoff per name
that slows a sprayed name without ever locking its owner out."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobilize.auth.models import Role
from mobilize.auth.service import add_user
from mobilize.auth.sessions import SignedIn, sign_in
from mobilize.auth.throttle import NAME_BACKOFF_CAP, SOURCE_ATTEMPTS, WINDOW, attempt_sign_in
from mobilize.core.db import session_scope
from mobilize.core.errors import TooManyAttempts, Unauthenticated

KEY = b"throttle-test-key"
OWNER = "dod.secdef"
PASSWORD = "the-right-one"
ATTACKER = "203.0.113.7"
T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def accounts(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        add_user(session, KEY, OWNER, "DoD", [(Role.APPROVER, "DoD")], password=PASSWORD)
    return engine


def _try(engine: Engine, source: str, password: str, now: datetime) -> str:
    """'ok', 'wrong' (checked and refused) or 'throttled' (not checked)."""

    def check(session: Session) -> tuple[str, SignedIn]:
        return sign_in(session, KEY, OWNER, password)

    try:
        attempt_sign_in(engine, source, OWNER, check, now)
    except Unauthenticated:
        return "wrong"
    except TooManyAttempts:
        return "throttled"
    return "ok"


def test_exactly_five_of_forty_parallel_wrong_sign_ins_from_one_source_are_checked(
    accounts: Engine,
) -> None:
    checked = 0
    lock = threading.Lock()

    def check(session: Session) -> None:
        nonlocal checked
        with lock:
            checked += 1
        raise Unauthenticated("unknown user or wrong password")

    def attempt(_: int) -> str:
        try:
            attempt_sign_in(accounts, ATTACKER, OWNER, check, T0)
        except Unauthenticated:
            return "wrong"
        except TooManyAttempts:
            return "throttled"
        return "ok"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    assert checked == SOURCE_ATTEMPTS
    assert outcomes.count("wrong") == SOURCE_ATTEMPTS
    assert outcomes.count("throttled") == 40 - SOURCE_ATTEMPTS


def test_the_owner_signs_in_from_another_source_within_seconds(accounts: Engine) -> None:
    assert [_try(accounts, ATTACKER, f"guess-{n}", T0) for n in range(7)] == (
        ["wrong"] * SOURCE_ATTEMPTS + ["throttled"] * 2
    )
    # The attacker's address stays shut, even with the right password...
    assert _try(accounts, ATTACKER, PASSWORD, T0 + timedelta(seconds=2)) == "throttled"
    # ...while the owner, from their own, waits the name's first backoff step: one second.
    assert _try(accounts, "198.51.100.20", PASSWORD, T0) == "throttled"
    assert _try(accounts, "198.51.100.20", PASSWORD, T0 + timedelta(seconds=1)) == "ok"


def test_the_source_may_try_again_once_its_window_is_over(accounts: Engine) -> None:
    for n in range(SOURCE_ATTEMPTS):
        assert _try(accounts, ATTACKER, f"guess-{n}", T0) == "wrong"
    assert _try(accounts, ATTACKER, PASSWORD, T0 + WINDOW - timedelta(seconds=1)) == "throttled"
    assert _try(accounts, ATTACKER, PASSWORD, T0 + WINDOW) == "ok"


def test_a_name_sprayed_from_many_sources_backs_off_progressively(accounts: Engine) -> None:
    """Each guess from a fresh address; a refused one waits a second and tries again."""
    now, checked_at = T0, list[datetime]()
    while len(checked_at) < 12:
        if _probe(accounts, f"192.0.2.{len(checked_at)}", now) == "checked":
            checked_at.append(now)
        else:
            now += timedelta(seconds=1)
    gaps = [(later - earlier).seconds for earlier, later in pairwise(checked_at)]
    assert gaps == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, NAME_BACKOFF_CAP.seconds]


def _probe(engine: Engine, source: str, now: datetime) -> str:
    def check(session: Session) -> None:
        raise Unauthenticated("probe")

    try:
        attempt_sign_in(engine, source, OWNER, check, now)
    except Unauthenticated:
        return "checked"
    except TooManyAttempts:
        return "throttled"
    return "ok"
