"""The API keeps its own contract: schemathesis sends what the OpenAPI document allows (and
what it does not) to every operation, as users of both sides of the exchange, and checks that
no answer is a server error and that every answer's status, content type and body are the ones
the document gives.

The operations are read, when the module is collected (schemathesis parametrizes then), from
an app on an empty in-memory database; the calls go to the module's own app on a database of
each backend with the demo loaded (the `app` fixture is per test, too slow to fuzz on). A
path's request number is either generated or one that exists, and then a write's `If-Match`
either generated or the request's current ETag, so that the fuzzing reaches the rules and not
only the refusals in front of them.

Some inputs only PostgreSQL refuses (NUL in text, an overlong value): the fuzzing draws them
too rarely to count on, so they are tried one by one at the end, on each backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mobilize.audit.service import verify_trail
from mobilize.auth.service import create_token
from mobilize.core.db import make_engine, session_scope
from mobilize.core.migrate import upgrade
from mobilize.core.settings import Settings
from mobilize.requests.demo import load_demo
from mobilize.scenario.schemas import Scenario
from mobilize.server import create_app
from tests.conftest import _backends, postgres_schema
from tests.requests.conftest import AUDIT_KEY, Demo

# One user of each side of the exchange, so that the rules behind each role are reached.
USERS = ("dhs.requester", "cbp.planner", "doj.responder", "doj.approver", "dod.secdef")
FILER = "dhs.requester"  # filed every request here, so may read each of them
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
DRAFT: dict[str, Any] = {
    "title": "Fuzzing target",
    "justification": "A request for schemathesis to work on.",
    "lines": [
        {
            "capability": "LOG",
            "component": "civilian",
            "personnel": 10,
            "location": "SDC",
            "starts_on": "2018-11-01",
            "ends_on": "2018-11-30",
            "supporting_agency": "DOJ",
        }
    ],
}


@dataclass(frozen=True)
class Fuzzed:
    """The app under test, a client on it, its users' tokens and the requests that exist."""

    app: FastAPI
    client: TestClient
    tokens: dict[str, str]
    numbers: list[str]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def current_etag(self, number: str) -> str:
        response = self.client.get(f"/api/requests/{number}", headers=self.headers(FILER))
        return str(response.headers["ETag"])


@pytest.fixture(scope="module", params=_backends())
def fuzzed_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database of each backend for the module: what only PostgreSQL refuses (NUL in text,
    an overlong value) is a server error there and not on SQLite."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'mobilize.db'}"
        return
    with postgres_schema("fuzz") as url:
        yield url


@pytest.fixture(scope="module")
def fuzzed(
    fuzzed_url: str, tmp_path_factory: pytest.TempPathFactory, reference_scenario: Scenario
) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("schemathesis-key")
    engine = make_engine(fuzzed_url)
    upgrade(engine)
    with session_scope(engine) as session:
        numbers = load_demo(session, AUDIT_KEY, reference_scenario)
        tokens = {name: create_token(session, AUDIT_KEY, name) for name in USERS}
    engine.dispose()
    settings_ = Settings(
        database_url=fuzzed_url,
        audit_key=AUDIT_KEY.decode(),
        audit_key_file=folder / "unused.key",
        # Fuzzing sends bad tokens by the thousand from one address: the limit (429, which the
        # contract documents) would answer for every route after the first thirty.
        token_failures_per_minute=10**9,
    )
    app = create_app(settings_, run_jobs=False)
    with TestClient(app) as client:
        fuzzed = Fuzzed(app, client, tokens, numbers)
        numbers.extend(_fresh_requests(fuzzed))
        yield fuzzed
    app.state.context.engine.dispose()


def _fresh_requests(fuzzed: Fuzzed) -> list[str]:
    """A draft and a submitted request to DOJ, besides the demo's two in execution."""
    headers = fuzzed.headers(FILER)
    draft = fuzzed.client.post("/api/requests", json=DRAFT, headers=headers).json()["number"]
    submitted = fuzzed.client.post("/api/requests", json=DRAFT, headers=headers)
    fuzzed.client.post(
        f"/api/requests/{submitted.json()['number']}/submit",
        headers=headers | {"If-Match": submitted.headers["ETag"]},
    )
    return [draft, submitted.json()["number"]]


def _described_app() -> FastAPI:
    """The same routes, on a database that is only there for `create_app` to start."""
    unused = Path("/nonexistent/unused.key")
    settings_ = Settings(database_url="sqlite://", audit_key="unused", audit_key_file=unused)
    return create_app(settings_, run_jobs=False)


schema = schemathesis.openapi.from_asgi("/openapi.json", _described_app())


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_keeps_its_contract(
    case: schemathesis.Case[Any], data: st.DataObject, fuzzed: Fuzzed
) -> None:
    user = data.draw(st.sampled_from(USERS), label="user")
    headers = fuzzed.headers(user)
    number = case.path_parameters.get("number") if case.path_parameters else None
    if number is not None and data.draw(st.booleans(), label="an existing request"):
        number = data.draw(st.sampled_from(fuzzed.numbers), label="number")
        case.path_parameters["number"] = number
        if _takes_if_match(case) and data.draw(st.booleans(), label="its current ETag"):
            headers["If-Match"] = fuzzed.current_etag(number)
    case.call_and_validate(headers=headers, checks=CHECKS, app=fuzzed.app)


def _takes_if_match(case: schemathesis.Case[Any]) -> bool:
    return any(parameter.name.lower() == "if-match" for parameter in case.operation.headers)


# What only PostgreSQL refuses, one by one ----------------------------------------------------

NUL = "a\x00b"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"title": NUL}, id="title"),
        pytest.param({"justification": NUL}, id="justification"),
        pytest.param({"operation": NUL}, id="operation"),
        *(
            pytest.param({"lines": [DRAFT["lines"][0] | {field: NUL}]}, id=field)
            for field in ("capability", "location", "supporting_agency")
        ),
    ],
)
def test_text_with_nul_is_invalid_input(
    client: TestClient, demo: Demo, change: dict[str, object]
) -> None:
    response = client.post("/api/requests", json=DRAFT | change, headers=demo.headers(FILER))
    assert response.status_code == 422, response.text


def test_search_text_and_idempotency_key_with_nul_are_invalid_input(
    client: TestClient, demo: Demo
) -> None:
    headers = demo.headers(FILER)
    assert client.get("/api/requests", params={"q": NUL}, headers=headers).status_code == 422
    keyed = headers | {"Idempotency-Key": NUL}
    assert client.post("/api/requests", json=DRAFT, headers=keyed).status_code == 422


@pytest.mark.parametrize("path", ["/api/requests/" + "x" * 150, "/api/requests/a%00b"])
def test_any_path_asked_without_a_token_is_recorded_and_refused(
    client: TestClient, demo: Demo, path: str
) -> None:
    assert client.get(path).status_code == 401
    with session_scope(demo.engine) as session:
        assert verify_trail(session, demo.key).intact


def test_search_text_is_literal(client: TestClient, demo: Demo) -> None:
    headers = demo.headers(FILER)
    found = client.get("/api/requests", params={"q": "RFA-2018-000_"}, headers=headers).json()
    assert found["total"] == 0  # an underscore is not a wildcard
