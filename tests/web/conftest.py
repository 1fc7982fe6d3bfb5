"""The web application over the demo: users with passwords, the app, a signed-in client."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.core.settings import Settings
from mobilize.requests.demo import demo_users, load_demo
from mobilize.scenario.schemas import Scenario
from mobilize.server import create_app
from tests.databases import DatabaseTemplates

AUDIT_KEY = b"web-test-key"
OPERATION = "Border support 2018"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def password_of(username: str) -> str:
    return f"pw-{username}-1"


@dataclass
class Site:
    engine: Engine
    database_url: str
    key: bytes
    numbers: list[str]


def load_site(engine: Engine, scenario: Scenario) -> list[str]:
    """The demo with a password for each user; the requests' numbers."""
    passwords = {user.username: password_of(user.username) for user in demo_users()}
    with session_scope(engine) as session:
        return load_demo(session, AUDIT_KEY, scenario, passwords)


@pytest.fixture
def site(
    engine: Engine, database_url: str, templates: DatabaseTemplates, reference_scenario: Scenario
) -> Site:
    """The test's own copy of the demo with passwords (loaded once per process: the argon2
    hashes alone take seconds)."""
    engine.dispose()  # the copy replaces the migrated database: nothing may hold it open
    numbers = templates.copy("web_site", database_url, lambda e: load_site(e, reference_scenario))
    return Site(engine, database_url, AUDIT_KEY, list(numbers))


def web_app(site: Site, tmp_path: Path, run_jobs: bool) -> FastAPI:
    settings = Settings(
        database_url=site.database_url,
        audit_key=AUDIT_KEY.decode(),
        audit_key_file=tmp_path / "unused.key",
    )
    return create_app(settings, run_jobs=run_jobs)


@pytest.fixture
def app(site: Site, tmp_path: Path) -> FastAPI:
    return web_app(site, tmp_path, run_jobs=False)


def form_token(html: str) -> str:
    found = FORM_TOKEN.search(html)
    assert found, "the page has a form with its form token"
    return found.group(1)


def submit_sign_in(client: TestClient, username: str, password: str) -> Response:
    """Open the sign-in page and post its form, as a browser does (no redirect followed)."""
    page = client.get("/sign-in")
    data = {"form_token": form_token(page.text), "username": username, "password": password}
    answer: Response = client.post("/sign-in", data=data | {"next": "/"}, follow_redirects=False)
    return answer


SignIn = Callable[[str], TestClient]


@pytest.fixture
def signed_in(app: FastAPI) -> Iterator[SignIn]:
    """A client per user, signed in through the sign-in form (https: the cookie is Secure)."""
    clients: list[TestClient] = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        client.__enter__()
        clients.append(client)
        answer = submit_sign_in(client, username, password_of(username))
        assert answer.status_code == 303, answer.text
        return client

    yield sign_in
    for client in clients:
        client.__exit__(None, None, None)
    app.state.context.engine.dispose()
