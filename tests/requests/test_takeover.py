"""The takeover a new user found, refused at each step: an agency files a one-person request
against another agency's operation, becomes a party, then withdraws the lead's units, marks
its tasks done and adopts its plans — and keeps that access after cancelling the request.

An operation's parties are its lead, the agencies of its units and the requesting agencies
of requests the lead took in; what moves a unit is for its own agency or the lead's planners.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.operations.plans import snapshot, store_plan
from mobilize.operations.service import import_scenario
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.scenario.schemas import Scenario
from tests.requests.conftest import Demo

DRILL = "Small border test"  # led by DoD: most of its personnel are DoD's
PROBLEM = "application/problem+json"


@pytest.fixture
def drill(demo: Demo, small_scenario: Scenario) -> dict[str, str]:
    """The small operation beside the demo's, and tokens of an outsider agency (USDA, no
    units anywhere) and of DOJ (a party: it has a unit in the drill), each a requester and
    planner of their own agency."""
    with session_scope(demo.engine) as session:
        import_scenario(session, small_scenario, key=demo.key)
        tokens = {}
        for agency in ("USDA", "DOJ"):
            name = f"{agency.lower()}.taker"
            add_user(
                session, demo.key, name, agency, [(Role.REQUESTER, agency), (Role.PLANNER, agency)]
            )
            tokens[agency] = create_token(session, demo.key, name)
        army = demo.tokens["army.planner"]
    return tokens | {"DoD": army}


def _call(
    client: TestClient, token: str, method: str, url: str, body: Any = None, etag: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} | ({"If-Match": etag} if etag else {})
    return client.request(method, url, json=body, headers=headers)


def _refused(answer: Any) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)


def _one_person_request(client: TestClient, token: str, to: str = "DOJ") -> dict[str, Any]:
    line = {
        "capability": "LEO",
        "component": "civilian",
        "personnel": 1,
        "location": "ELC",
        "starts_on": "2018-12-05",
        "ends_on": "2018-12-06",
        "supporting_agency": to,
    }
    draft = {
        "title": "One",
        "justification": "A foot in the door.",
        "operation": DRILL,
        "lines": [line],
    }
    filed = _call(client, token, "POST", "/api/requests", draft)
    assert filed.status_code == 201, filed.text
    shown = filed.json()
    submitted = _call(
        client, token, "POST", f"/api/requests/{shown['number']}/submit", etag=filed.headers["ETag"]
    )
    assert submitted.status_code == 200, submitted.text
    return {"number": shown["number"], "etag": submitted.headers["ETag"]}


def _stored_plan(demo: Demo) -> int:
    with session_scope(demo.engine) as session:
        scenario = snapshot(session, DRILL)
    document = make_plan(scenario, PlanRequest(solver="greedy"))
    with session_scope(demo.engine) as session:
        return store_plan(session, demo.key, scenario, document).number


def test_a_request_the_lead_has_not_taken_in_makes_nobody_a_party(
    client: TestClient, drill: dict[str, str]
) -> None:
    _one_person_request(client, drill["USDA"], to="DOJ")
    _refused(_call(client, drill["USDA"], "GET", f"/api/operations/{DRILL}/tasks"))
    _refused(
        _call(client, drill["USDA"], "POST", f"/api/operations/{DRILL}/plans", {"time_limit": 5})
    )


def test_a_cancelled_request_grants_nothing(client: TestClient, drill: dict[str, str]) -> None:
    filed = _one_person_request(client, drill["USDA"], to="DOJ")
    taken = _call(
        client, drill["DoD"], "POST", f"/api/requests/{filed['number']}/accept", etag=filed["etag"]
    )
    assert taken.status_code == 200, taken.text
    assert _call(client, drill["USDA"], "GET", f"/api/operations/{DRILL}/tasks").status_code == 200
    cancelled = _call(
        client,
        drill["USDA"],
        "POST",
        f"/api/requests/{filed['number']}/cancel",
        {"reason": "done"},
        taken.headers["ETag"],
    )
    assert cancelled.status_code == 200, cancelled.text
    _refused(_call(client, drill["USDA"], "GET", f"/api/operations/{DRILL}/tasks"))


def test_a_party_may_not_withdraw_the_leads_units(
    client: TestClient, drill: dict[str, str]
) -> None:
    order = {"kind": "withdraw", "on": "2018-12-20", "reason": "taken over"}
    _refused(
        _call(client, drill["DOJ"], "POST", f"/api/operations/{DRILL}/units/mp-1/orders", order)
    )
    own = _call(
        client, drill["DOJ"], "POST", f"/api/operations/{DRILL}/units/leo-doj-1/orders", order
    )
    assert own.status_code == 201, own.text  # its own unit answers to it
    lead = _call(client, drill["DoD"], "POST", f"/api/operations/{DRILL}/units/mp-1/orders", order)
    assert lead.status_code == 201, lead.text


def test_a_party_may_not_mark_the_leads_tasks_done(
    client: TestClient, drill: dict[str, str]
) -> None:
    done = {"on": "2018-12-01"}
    _refused(
        _call(client, drill["DOJ"], "POST", f"/api/operations/{DRILL}/tasks/wire-SDC/done", done)
    )
    progress = {"on": "2018-12-01", "done": 1}
    _refused(
        _call(
            client,
            drill["DOJ"],
            "POST",
            f"/api/operations/{DRILL}/tasks/wire-SDC/progress",
            progress,
        )
    )
    lead = _call(client, drill["DoD"], "POST", f"/api/operations/{DRILL}/tasks/wire-SDC/done", done)
    assert lead.status_code == 200, lead.text


def test_a_party_may_not_adopt_a_plan_that_moves_the_leads_units(
    client: TestClient, demo: Demo, drill: dict[str, str]
) -> None:
    number = _stored_plan(demo)
    _refused(_call(client, drill["DOJ"], "POST", f"/api/operations/{DRILL}/plans/{number}/adopt"))
    lead = _call(client, drill["DoD"], "POST", f"/api/operations/{DRILL}/plans/{number}/adopt")
    assert lead.status_code == 200, lead.text
