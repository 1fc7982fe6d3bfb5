"""Failed authentication is counted per source and minute, folded into the log as one record
each, and a source past its limit is refused. (Authorization denials of signed-in users stay
individual records: `tests/requests/test_rules.py`, `assert_refusal_recorded`.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select

from mobilize.api.housekeeping import IDEMPOTENCY_LIFETIME, housekeeping, purge_expired
from mobilize.audit.heads import TreeHead, head_is_signed, read_public_key
from mobilize.audit.models import AuditRecord
from mobilize.audit.sealer import seal
from mobilize.auth.failures import (
    TOKEN_FAILURES_PER_MINUTE,
    FailureGate,
    count_failure,
    fold_failures,
)
from mobilize.auth.models import AuthFailureCount, Role, WebSession
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.core.settings import Settings
from mobilize.edge.context import ApiContext
from mobilize.requests.models import IdempotentResponse
from mobilize.server import create_app

KEY = b"failures-test-key"


@pytest.fixture
def api(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with session_scope(engine) as session:
        add_user(session, KEY, "dhs.viewer", "DHS", [(Role.VIEWER, "DHS")])
        token = create_token(session, KEY, "dhs.viewer")
    settings = Settings(database_url, KEY.decode(), tmp_path / "unused.key")
    app = create_app(settings, run_jobs=False)
    with TestClient(app) as client:
        yield client, token
    app.state.context.engine.dispose()


def _served(client: TestClient) -> ApiContext:
    assert isinstance(client.app, FastAPI)
    context: ApiContext = client.app.state.context
    return context


def _records(engine: Engine, action: str) -> list[AuditRecord]:
    with session_scope(engine) as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_bad_tokens_are_counted_not_recorded_one_by_one(
    api: tuple[TestClient, str], engine: Engine
) -> None:
    client, _ = api
    statuses = [
        client.get("/api/me", headers={"Authorization": f"Bearer mob_wrong{n}"}).status_code
        for n in range(TOKEN_FAILURES_PER_MINUTE + 3)
    ]
    assert statuses.count(401) == TOKEN_FAILURES_PER_MINUTE
    assert statuses.count(429) == 3
    assert _records(engine, "authenticate") == []
    with session_scope(engine) as session:  # as the server's housekeeping does
        housekeeping(KEY, _served(client).failure_gate)(session)
    with session_scope(engine) as session:
        counts = session.scalars(select(AuthFailureCount)).all()
        assert [(c.source, c.kind, c.failures) for c in counts] == [
            ("testclient", "token", TOKEN_FAILURES_PER_MINUTE + 3)
        ]
        assert fold_failures(session, KEY, datetime.now(UTC)) == 0  # the minute is not over
        assert fold_failures(session, KEY, datetime.now(UTC) + timedelta(minutes=1)) == 1
    [folded] = _records(engine, "authenticate.failed")
    assert (folded.object_id, folded.outcome) == ("testclient", "unauthenticated")
    assert folded.after["failures"] == TOKEN_FAILURES_PER_MINUTE + 3


def test_an_address_past_its_limit_is_refused_without_a_transaction(
    api: tuple[TestClient, str], engine: Engine
) -> None:
    """The flood costs the database nothing once the process has seen the limit; what it
    tried is still counted, at the next housekeeping pass."""
    client, _ = api
    wrong = {"Authorization": "Bearer mob_wrong"}
    for _ in range(TOKEN_FAILURES_PER_MINUTE):
        assert client.get("/api/me", headers=wrong).status_code == 401
    statements: list[str] = []
    served = _served(client).engine

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(served, "before_cursor_execute", count)
    try:
        answers = [client.get("/api/me", headers=wrong) for _ in range(20)]
    finally:
        event.remove(served, "before_cursor_execute", count)
    assert {answer.status_code for answer in answers} == {429}
    assert answers[0].headers["content-type"] == "application/problem+json"
    assert answers[0].json()["detail"].endswith("try again next minute")
    assert answers[0].headers["X-Content-Type-Options"] == "nosniff"  # as every answer
    assert statements == []
    gate = _served(client).failure_gate
    with session_scope(engine) as session:
        assert gate.flush(session) == 20
        assert gate.flush(session) == 0  # told once
    with session_scope(engine) as session:
        [count_row] = session.scalars(select(AuthFailureCount)).all()
        assert count_row.failures == TOKEN_FAILURES_PER_MINUTE + 20


def test_the_gate_shuts_an_address_for_its_minute_only() -> None:
    gate = FailureGate()
    now = datetime(2026, 12, 3, 17, 0, 59, tzinfo=UTC)
    gate.shut("10.0.0.9", now)
    assert gate.refuses("10.0.0.9", now)
    assert not gate.refuses("10.0.0.8", now)  # another address
    assert not gate.refuses("10.0.0.9", now + timedelta(seconds=1))  # the next minute


def test_the_address_over_its_limit_is_refused_even_with_a_good_token(
    api: tuple[TestClient, str],
) -> None:
    client, token = api
    for n in range(TOKEN_FAILURES_PER_MINUTE):
        client.get("/api/me", headers={"Authorization": f"Bearer mob_wrong{n}"})
    refused = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 429
    assert "try again next minute" in refused.json()["detail"]


def test_a_source_another_process_pushed_past_its_limit_is_learned(
    api: tuple[TestClient, str], engine: Engine
) -> None:
    """Another server's failures from an address shut it here at the next housekeeping pass,
    valid token or not; no request looks the count up."""
    client, token = api
    mine = {"Authorization": f"Bearer {token}"}
    with session_scope(engine) as session:
        count_failure(session, "testclient", "token", failures=TOKEN_FAILURES_PER_MINUTE - 1)
    assert client.get("/api/me", headers=mine).status_code == 200  # still under the limit
    with session_scope(engine) as session:
        count_failure(session, "testclient", "token")  # the other process's last one
    gate = _served(client).failure_gate
    with session_scope(engine) as session:
        housekeeping(KEY, gate, TOKEN_FAILURES_PER_MINUTE)(session)
    refused = client.get("/api/me", headers=mine)
    assert refused.status_code == 429
    with session_scope(engine) as session:
        assert gate.learn(session, TOKEN_FAILURES_PER_MINUTE + 1) == 0  # a higher limit


def test_expired_sessions_and_old_idempotent_answers_are_purged(engine: Engine) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        user = add_user(session, KEY, "x", "DHS", [(Role.VIEWER, "DHS")])
        for hours, name in ((-1, "gone"), (1, "open")):
            expires = now + timedelta(hours=hours)
            session.add(
                WebSession(user_id=user.id, token_hash=name, form_token="f", expires_at=expires)
            )
        for age, name in (
            (IDEMPOTENCY_LIFETIME + timedelta(minutes=1), "old"),
            (timedelta(0), "new"),
        ):
            session.add(
                IdempotentResponse(
                    user_id=user.id,
                    key=name,
                    fingerprint="f",
                    status_code=201,
                    body={},
                    headers={},
                    created_at=now - age,
                )
            )
    with session_scope(engine) as session:
        purged = purge_expired(session, now)
        assert (purged["web_sessions"], purged["idempotent_responses"]) == (1, 1)
        assert [s.token_hash for s in session.scalars(select(WebSession))] == ["open"]
        assert [r.key for r in session.scalars(select(IdempotentResponse))] == ["new"]


def test_the_latest_signed_head_is_published_with_its_public_key(
    api: tuple[TestClient, str], engine: Engine
) -> None:
    client, token = api
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/audit/head", headers=headers).status_code == 404
    with session_scope(engine) as session:
        sealed = seal(session, KEY)
    assert sealed is not None
    published = client.get("/api/audit/head", headers=headers).json()
    head = TreeHead(
        published["tree_size"],
        published["root_hash"],
        datetime.fromisoformat(published["issued_at"]),
        published["signature"],
    )
    assert head.size == sealed.size
    assert head_is_signed(head, read_public_key(published["public_key"].encode()))
