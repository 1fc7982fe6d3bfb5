"""The database goes away and comes back: the API answers 503 problem+json with Retry-After
(never a plain 500), the CLI one line and exit 1, and the same server answers again once the
database is back (stale pooled connections are pinged and replaced). Runs on a cluster of the
test's own, never the shared server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mobilize.core.settings import Settings
from mobilize.server import create_app
from tests.cluster import Cluster, cluster_available, throwaway_cluster
from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(not cluster_available(), reason="no PostgreSQL binaries")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster() as started:
        yield started


def test_lost_database_is_a_503_then_answers_again_without_a_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    settings = Settings(cluster.url, "test-key", tmp_path / "unused.key")
    with TestClient(create_app(settings, run_jobs=False)) as client:
        assert client.get("/ready").status_code == 200
        assert client.get("/api/me").status_code == 401  # the pool holds a live connection
        cluster.stop()
        down = client.get("/api/me", headers={"Authorization": "Bearer x"})
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert int(down.headers["Retry-After"]) > 0
        assert f"127.0.0.1:{cluster.port}" in down.json()["detail"]
        assert client.get("/ready").status_code == 503
        assert client.get("/health").status_code == 200
        client.cookies.set("mobilize_session", "a-session")  # looked up in the database
        page = client.get("/requests", follow_redirects=False)
        client.cookies.clear()
        assert page.status_code == 503
        assert "unreachable" in page.text
        cluster.start()
        assert client.get("/ready").status_code == 200
        assert client.get("/api/me").status_code == 401


def test_cli_says_one_line_when_the_database_is_down(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", cluster.url)
    assert run_cli("db", "upgrade") == 0
    cluster.stop()
    capsys.readouterr()
    assert run_cli("audit", "verify") == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert f"postgres on 127.0.0.1:{cluster.port} is unreachable" in lines[0]
    assert "Connection refused" in lines[0]
