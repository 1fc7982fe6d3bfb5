"""`mobilize worker` refuses what it cannot do in one line, before it changes anything (its
CPU priority included: these run in the test's own process)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import run_cli as run


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    return database_url


def test_an_unknown_cpu_priority_is_refused(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("worker", "--cpu", "high") == 2
    assert "--cpu 'high': use one of idle, low, normal" in capsys.readouterr().err


def test_an_unknown_queue_is_refused(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("worker", "--queues", "plan,exports") == 2
    assert "use some of plan, passes, io" in capsys.readouterr().err


def test_sqlite_is_refused_at_normal_priority(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if database.startswith("postgresql"):
        pytest.skip("the worker runs on PostgreSQL")
    assert run("worker") == 2
    assert "needs PostgreSQL" in capsys.readouterr().err
    assert os.sched_getscheduler(0) == os.SCHED_OTHER
