"""Fixtures for the request workflow: a database with the demo loaded, tokens, an API client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mobilize.auth.service import Actor, actor_named, create_token
from mobilize.core.db import session_scope
from mobilize.core.settings import Settings
from mobilize.requests import schemas
from mobilize.requests.demo import demo_users, load_demo
from mobilize.scenario.schemas import Scenario
from mobilize.server import create_app
from tests.databases import DatabaseTemplates

AUDIT_KEY = b"test-audit-key"


def officers_line(**changes: Any) -> schemas.LineDraft:
    """A line asking DOJ for civilian officers at San Diego, 5 to 20 December 2018;
    `changes` set any of its fields."""
    line = {
        "capability": "LEO",
        "component": "civilian",
        "personnel": 10,
        "location": "SDC",
        "starts_on": date(2018, 12, 5),
        "ends_on": date(2018, 12, 20),
        "supporting_agency": "DOJ",
    }
    return schemas.LineDraft.model_validate(line | changes)


@dataclass
class Demo:
    """The reference exchange loaded: its engine, the key, each demo user's actor and token."""

    engine: Engine
    key: bytes
    actors: dict[str, Actor]
    tokens: dict[str, str]
    numbers: list[str]

    def headers(self, username: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}", **extra}


@dataclass(frozen=True)
class LoadedDemo:
    """What loading the demo gave, kept with its template: the requests' numbers, each demo
    user's actor and token (valid in every copy: the tokens' hashes are in the database)."""

    numbers: tuple[str, ...]
    actors: dict[str, Actor]
    tokens: dict[str, str]


def load_demo_with_tokens(engine: Engine, scenario: Scenario) -> LoadedDemo:
    with session_scope(engine) as session:
        numbers = load_demo(session, AUDIT_KEY, scenario)
        names = [user.username for user in demo_users()]
        tokens = {name: create_token(session, AUDIT_KEY, name) for name in names}
        actors = {name: actor_named(session, name) for name in names}
    return LoadedDemo(tuple(numbers), actors, tokens)


def copy_demo(templates: DatabaseTemplates, url: str, scenario: Scenario) -> LoadedDemo:
    """Make the database at `url` a copy of the demo, loaded once per process."""
    return templates.copy("requests_demo", url, lambda e: load_demo_with_tokens(e, scenario))


@pytest.fixture
def demo(
    engine: Engine,
    database_url: str,
    templates: DatabaseTemplates,
    reference_scenario: Scenario,
) -> Demo:
    """The test's own copy of the demo, in the database of `engine` and `database_url`."""
    engine.dispose()  # the copy replaces the migrated database: nothing may hold it open
    loaded = copy_demo(templates, database_url, reference_scenario)
    return Demo(engine, AUDIT_KEY, dict(loaded.actors), dict(loaded.tokens), list(loaded.numbers))


@pytest.fixture
def app(demo: Demo, database_url: str, tmp_path: Path) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        audit_key=AUDIT_KEY.decode(),
        audit_key_file=tmp_path / "unused.key",
    )
    # Jobs are run by the tests that want them (`InProcessWorker.run_once`), not behind them.
    return create_app(settings, run_jobs=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
    app.state.context.engine.dispose()
