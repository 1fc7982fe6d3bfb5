"""One API request, one transaction on PostgreSQL: the work goes on in the transaction its
authentication began (`edge.context.current_actor`, `core.db.finish_in`); SQLite keeps a
transaction for each (every SQLite transaction holds the one write lock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.core.settings import Settings
from mobilize.server import create_app

KEY = b"transaction-test-key"


@pytest.fixture
def served(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with session_scope(engine) as session:
        add_user(session, KEY, "dhs.viewer", "DHS", [(Role.VIEWER, "DHS")])
        token = create_token(session, KEY, "dhs.viewer")
    app = create_app(Settings(database_url, KEY.decode(), tmp_path / "unused.key"), run_jobs=False)
    with TestClient(app) as client:
        yield client, token
    app.state.context.engine.dispose()


def _begins(client: TestClient, path: str, token: str) -> tuple[int, int]:
    """The answer's status and how many transactions the server began for it."""
    assert isinstance(client.app, FastAPI)
    engine: Engine = client.app.state.context.engine
    begun: list[object] = []

    def count(connection: object) -> None:
        begun.append(connection)

    event.listen(engine, "begin", count)
    try:
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        event.remove(engine, "begin", count)
    return answer.status_code, len(begun)


def test_a_request_s_work_goes_on_in_its_authentication_s_transaction(
    served: tuple[TestClient, str], database_url: str
) -> None:
    client, token = served
    status, begun = _begins(client, "/api/agencies", token)
    assert status == 200
    assert begun == (1 if database_url.startswith("postgresql") else 2)


def test_a_request_refused_after_authentication_leaves_no_connection_behind(
    served: tuple[TestClient, str],
) -> None:
    """The work fails (404) in the transaction authentication began: it is rolled back and
    its connection back in the pool when the request ends."""
    client, token = served
    status, _ = _begins(client, "/api/requests/RFA-2018-9999", token)
    assert status == 404
    assert isinstance(client.app, FastAPI)
    pool = client.app.state.context.engine.pool
    assert pool.checkedout() == 0
