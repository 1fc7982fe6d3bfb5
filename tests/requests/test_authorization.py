"""Who may do what: every route of the API x every role x where the role is held.

`EXPECTED` is the reviewed document. Each route has one row per role giving the status for a
user holding that role (and nothing else) in:

- requesting: DHS, the agency that filed the request (the requester's own agency);
- addressed: DOJ, the agency the request's only line is addressed to (the responder's and
  the approver's own agency);
- outside: DOE, an agency that is no party to the request.

and one status for a caller without a token. Every attempt is made on a fresh request in the
state the route needs and with a valid body and a current `If-Match`, so that what is tested is
authorization, not validation or the workflow's rules. The routes are taken from the app's
OpenAPI document: a route without a row here fails `test_every_route_has_a_reviewed_row`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilize.audit.sealer import seal_now
from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.jobs import service as jobs
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.operations.models import TaskRecord
from mobilize.operations.plans import snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.scenario.schemas import Scenario
from tests.requests.conftest import Demo

Expected = int | frozenset[int]
Row = tuple[Expected, Expected, Expected]  # requesting, addressed, outside
Key = tuple[str, str, str, str]  # method, path template, role, side

SIDES = {"requesting": "DHS", "addressed": "DOJ", "outside": "DOE"}
ROLES = tuple(role.value for role in Role)
ANONYMOUS, NO_AGENCY = "anonymous", "-"
CASES = [(role, side) for role in ROLES for side in SIDES] + [(ANONYMOUS, NO_AGENCY)]
PROBLEM_TYPE = "application/problem+json"

# Rows that recur.
EVERYWHERE: Row = (200, 200, 200)
PARTIES: Row = (200, 200, 403)
REQUESTING: Row = (200, 403, 403)
ADDRESSED: Row = (403, 200, 403)
NOWHERE: Row = (403, 403, 403)


def route(
    method: str,
    path: str,
    *,
    requester: Row,
    responder: Row,
    approver: Row,
    planner: Row,
    viewer: Row,
    admin: Row,
    anonymous: Expected,
) -> dict[Key, Expected]:
    """One route's rows, spread into `EXPECTED`'s keys."""
    rows = {
        "requester": requester,
        "responder": responder,
        "approver": approver,
        "planner": planner,
        "viewer": viewer,
        "admin": admin,
    }
    table: dict[Key, Expected] = {
        (method, path, role, side): row[index]
        for role, row in rows.items()
        for index, side in enumerate(SIDES)
    }
    table[(method, path, ANONYMOUS, NO_AGENCY)] = anonymous
    return table


EXPECTED: dict[Key, Expected] = {
    # Who the token is, every agency, the audit chain's check: anyone signed in.
    **route(
        "GET",
        "/api/me",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/agencies",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    # The latest signed head is public within the system: it reveals no record.
    **route(
        "GET",
        "/api/audit/head",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/audit/verify",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    # The list answers everyone signed in, with only the requests of their parties
    # (test_lists_show_a_request_to_its_parties_only).
    **route(
        "GET",
        "/api/requests",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    # A requester files for their own agency only (the body cannot name another one): the
    # side is where the requester is; the line is addressed to DOT, a party to none of them.
    **route(
        "POST",
        "/api/requests",
        requester=(201, 201, 201),
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    # Reading one request: any role held in a party's agency line.
    **route(
        "GET",
        "/api/requests/{number}",
        requester=PARTIES,
        responder=PARTIES,
        approver=PARTIES,
        planner=PARTIES,
        viewer=PARTIES,
        admin=PARTIES,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/requests/{number}/history",
        requester=PARTIES,
        responder=PARTIES,
        approver=PARTIES,
        planner=PARTIES,
        viewer=PARTIES,
        admin=PARTIES,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/requests/{number}/fulfilment",
        requester=PARTIES,
        responder=PARTIES,
        approver=PARTIES,
        planner=PARTIES,
        viewer=PARTIES,
        admin=PARTIES,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/requests/{number}/decision-package",
        requester=PARTIES,
        responder=PARTIES,
        approver=PARTIES,
        planner=PARTIES,
        viewer=PARTIES,
        admin=PARTIES,
        anonymous=401,
    ),
    **route(
        "GET",
        "/api/requests/{number}/{paper}.pdf",
        requester=PARTIES,
        responder=PARTIES,
        approver=PARTIES,
        planner=PARTIES,
        viewer=PARTIES,
        admin=PARTIES,
        anonymous=401,
    ),
    # The requester's side: editing a draft, submitting, amending, cancelling.
    **route(
        "PATCH",
        "/api/requests/{number}",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    **route(
        "POST",
        "/api/requests/{number}/submit",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    **route(
        "POST",
        "/api/requests/{number}/amendments",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    **route(
        "POST",
        "/api/requests/{number}/cancel",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    # The addressed agency's side: its responder answers, its approver signs. Nobody of the
    # requesting agency approves, whatever roles they hold (separation of duties).
    **route(
        "POST",
        "/api/requests/{number}/responses",
        requester=NOWHERE,
        responder=ADDRESSED,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    **route(
        "POST",
        "/api/requests/{number}/decisions",
        requester=NOWHERE,
        responder=NOWHERE,
        approver=ADDRESSED,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    # Execution: the requester, or a planner of either party (a supporting agency's planner
    # executes its own lines); closing the whole request is the requester's side's (or the
    # operation's lead's: DoD, no side here).
    **route(
        "POST",
        "/api/requests/{number}/execute",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=PARTIES,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    **route(
        "POST",
        "/api/requests/{number}/close",
        requester=REQUESTING,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=REQUESTING,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ),
    # The operation's record. DHS (its requests), DOJ and DOE (their units) are all parties
    # to the reference operation: any role of theirs reads it, a planner of theirs runs it.
    **route(
        "GET",
        "/api/operations",
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ),
    **{
        key: status
        for path in (
            "/api/operations/{name}/tasks",
            "/api/operations/{name}/plans",
            "/api/operations/{name}/plans/{number}",
            "/api/operations/{name}/strength",
            "/api/operations/{name}/requirements",
            "/api/operations/{name}/units/{code}/orders",
            "/api/jobs/{job_id}",
        )
        for key, status in route(
            "GET",
            path,
            requester=EVERYWHERE,
            responder=EVERYWHERE,
            approver=EVERYWHERE,
            planner=EVERYWHERE,
            viewer=EVERYWHERE,
            admin=EVERYWHERE,
            anonymous=401,
        ).items()
    },
    **{
        key: status
        for method, path, ok in (
            ("POST", "/api/operations/{name}/plans", 202),
            ("POST", "/api/jobs/{job_id}/cancel", 200),
        )
        for key, status in route(
            method,
            path,
            requester=NOWHERE,
            responder=NOWHERE,
            approver=NOWHERE,
            planner=(ok, ok, ok),
            viewer=NOWHERE,
            admin=NOWHERE,
            anonymous=401,
        ).items()
    },
}
# What moves units is the lead's (DoD, no side here) or the units' own agency's: the tasks,
# a plan moving DoD's units, an order to a DoD unit are refused to every side's planner
# (tests/requests/test_takeover.py shows the allowed cases).
EXPECTED |= {
    key: status
    for method, path in (
        ("POST", "/api/operations/{name}/tasks/{code}/progress"),
        ("POST", "/api/operations/{name}/tasks/{code}/done"),
        ("POST", "/api/operations/{name}/plans/{number}/adopt"),
        ("POST", "/api/operations/{name}/units/{code}/orders"),
        ("POST", "/api/requests/{number}/accept"),
    )
    for key, status in route(
        method,
        path,
        requester=NOWHERE,
        responder=NOWHERE,
        approver=NOWHERE,
        planner=NOWHERE,
        viewer=NOWHERE,
        admin=NOWHERE,
        anonymous=401,
    ).items()
}
# A line is filled by the responder of the agency it is addressed to; a fill's status is set
# by that agency (responder or planner) or the lead's planners.
EXPECTED |= route(
    "POST",
    "/api/requests/{number}/fills",
    requester=NOWHERE,
    responder=ADDRESSED,
    approver=NOWHERE,
    planner=NOWHERE,
    viewer=NOWHERE,
    admin=NOWHERE,
    anonymous=401,
)
EXPECTED |= route(
    "POST",
    "/api/requests/{number}/fills/{unit}/status",
    requester=NOWHERE,
    responder=ADDRESSED,
    approver=NOWHERE,
    planner=ADDRESSED,
    viewer=NOWHERE,
    admin=NOWHERE,
    anonymous=401,
)
EXPECTED |= route(
    "GET",
    "/api/operations/{name}/support",
    requester=EVERYWHERE,
    responder=EVERYWHERE,
    approver=EVERYWHERE,
    planner=EVERYWHERE,
    viewer=EVERYWHERE,
    admin=EVERYWHERE,
    anonymous=401,
)
# Your own: what awaits you, your notifications and their delivery; the audit records you may
# read (filtered by the service to them, never refused): anyone signed in.
EXPECTED |= {
    key: status
    for method, path in (
        ("GET", "/api/me/awaiting"),
        ("GET", "/api/me/notifications"),
        ("POST", "/api/me/notifications/read"),
        ("GET", "/api/me/notification-settings"),
        ("PUT", "/api/me/notification-settings"),
        ("GET", "/api/audit/records"),
    )
    for key, status in route(
        method,
        path,
        requester=EVERYWHERE,
        responder=EVERYWHERE,
        approver=EVERYWHERE,
        planner=EVERYWHERE,
        viewer=EVERYWHERE,
        admin=EVERYWHERE,
        anonymous=401,
    ).items()
}
# What an adoption would change is told to whoever may adopt: the lead's planners (no side
# here), as the adoption itself.
EXPECTED |= route(
    "GET",
    "/api/operations/{name}/plans/{number}/adoption",
    requester=NOWHERE,
    responder=NOWHERE,
    approver=NOWHERE,
    planner=NOWHERE,
    viewer=NOWHERE,
    admin=NOWHERE,
    anonymous=401,
)
TABLE_ROUTES = sorted({(method, path) for method, path, _, _ in EXPECTED})


# How each route is tried ---------------------------------------------------------------------

LINE = {
    "capability": "LOG",
    "component": "civilian",
    "personnel": 10,
    "location": "SDC",
    "starts_on": "2018-11-01",
    "ends_on": "2018-11-30",
}
STAGES = ("draft", "submitted", "offered", "approved", "in_execution")


@dataclass(frozen=True)
class Attempt:
    """One call of a route: where, with which ETag, with which body."""

    url: str
    if_match: str | None = None
    body: Any = None


@dataclass(frozen=True)
class Workflow:
    """Requests brought to a stage through the API by the demo's users: DHS files to DOJ."""

    client: TestClient
    demo: Demo

    def request_at(self, stage: str) -> dict[str, Any]:
        line = LINE | {"supporting_agency": SIDES["addressed"]}
        draft = {"title": "Matrix", "justification": "Who may do what.", "lines": [line]}
        shown = self.call("dhs.requester", "POST", "/api/requests", None, draft)
        steps: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
            lambda s: self.call("dhs.requester", "POST", _at(s, "submit"), s),
            lambda s: self.call("doj.responder", "POST", _at(s, "responses"), s, OFFER_ALL),
            lambda s: self.call("doj.approver", "POST", _at(s, "decisions"), s, approval(s)),
            lambda s: self.call("cbp.planner", "POST", _at(s, "execute"), s),
        ]
        for step in steps[: STAGES.index(stage)]:
            shown = step(shown)
        return shown

    def in_operation(self) -> dict[str, Any]:
        """A request for the reference operation, taken in by its lead, offered by DOJ."""
        line = LINE | {"supporting_agency": SIDES["addressed"], "capability": "LEO"}
        line |= {"starts_on": "2018-12-20", "ends_on": "2019-01-31"}
        draft = {
            "title": "Matrix",
            "justification": "Who may fill.",
            "operation": "Border support 2018",
            "lines": [line],
        }
        shown = self.call("dhs.requester", "POST", "/api/requests", None, draft)
        shown = self.call("dhs.requester", "POST", _at(shown, "submit"), shown)
        shown = self.call("army.planner", "POST", _at(shown, "accept"), shown)
        return self.call("doj.responder", "POST", _at(shown, "responses"), shown, OFFER_ALL)

    def call(
        self,
        username: str,
        method: str,
        url: str,
        shown: dict[str, Any] | None,
        body: Any = None,
    ) -> dict[str, Any]:
        headers = self.demo.headers(username)
        if shown is not None:
            headers["If-Match"] = etag(shown)
        response = self.client.request(method, url, headers=headers, json=body)
        assert response.status_code in (200, 201), response.text
        found: dict[str, Any] = response.json()
        return found


def _at(shown: dict[str, Any], action: str = "") -> str:
    return f"/api/requests/{shown['number']}" + (f"/{action}" if action else "")


def etag(shown: dict[str, Any]) -> str:
    return f'"r{shown["revision"]}"'


OFFER_ALL = {"answers": [{"line": 1, "offer": "all"}]}


def approval(shown: dict[str, Any]) -> dict[str, Any]:
    """Every criterion of the line satisfied, signed on the version shown; line 1 named, so
    that a caller who may not decide it is told so rather than that nothing is left."""
    criteria = {name: {"judgement": "satisfied"} for name in shown["lines"][0]["criteria"]}
    return {
        "version_sha256": shown["version_sha256"],
        "decision": "approve",
        "lines": [1],
        "criteria": criteria,
    }


def _read(action: str) -> Callable[[Workflow], Attempt]:
    return lambda flow: Attempt(_at(flow.request_at("submitted"), action))


def _write(stage: str, action: str, body: Any = None) -> Callable[[Workflow], Attempt]:
    def attempt(flow: Workflow) -> Attempt:
        shown = flow.request_at(stage)
        return Attempt(_at(shown, action), etag(shown), body(shown) if callable(body) else body)

    return attempt


def _create(flow: Workflow) -> Attempt:
    # DOT is a party to none of the sides, so no requester asks its own agency.
    line = LINE | {"supporting_agency": "DOT"}
    return Attempt("/api/requests", None, {"title": "T", "justification": "J", "lines": [line]})


OPERATION = "/api/operations/Border support 2018"
_task_numbers = itertools.count(1)


def _fresh_task(flow: Workflow) -> str:
    """A new open task (set up in the database: there is no route that adds tasks)."""
    code = f"matrix-{next(_task_numbers)}"
    with session_scope(flow.demo.engine) as session:
        operation = get_operation(session)
        like = operation.tasks[0]
        operation.tasks.append(
            TaskRecord(
                code=code,
                position=len(operation.tasks),
                location=like.location,
                capability=like.capability,
                personnel=10,
            )
        )
    return code


@functools.cache
def _greedy_plan(scenario_json: str) -> PlanDocument:
    return make_plan(Scenario.model_validate_json(scenario_json), PlanRequest(solver="greedy"))


def _stored_plan(flow: Workflow) -> int:
    """A new proposed plan (the greedy one, stored as `mobilize plan --operation` would)."""
    with session_scope(flow.demo.engine) as session:
        scenario = snapshot(session, None)
        document = _greedy_plan(scenario.model_dump_json())
        return store_plan(session, flow.demo.key, scenario, document).number


def _queued_job(flow: Workflow) -> int:
    with session_scope(flow.demo.engine) as session:
        params = plan_params("Border support 2018", time_limit=5)
        return jobs.submit(session, flow.demo.key, PLAN_JOB, params, "army.planner").id


_team_numbers = itertools.count(1)


def _new_team() -> dict[str, Any]:
    return {
        "id": f"matrix-team-{next(_team_numbers)}",
        "name": "Matrix officers",
        "component": "civilian",
        "strength": 10,
        "home": {"name": "Washington DC", "lat": 38.9, "lon": -77.0},
    }


def _fill(flow: Workflow) -> Attempt:
    shown = flow.in_operation()
    return Attempt(_at(shown, "fills"), etag(shown), {"line": 1, "new_unit": _new_team()})


def _fill_status(flow: Workflow) -> Attempt:
    shown = flow.in_operation()
    team = _new_team()
    filled = {"line": 1, "new_unit": team, "on": "2018-12-10"}
    flow.call("doj.responder", "POST", _at(shown, "fills"), shown, filled)
    url = _at(shown, f"fills/{team['id']}/status")
    return Attempt(url, None, {"status": "mobilizing", "on": "2018-12-12"})


def _accept(flow: Workflow) -> Attempt:
    line = LINE | {"supporting_agency": SIDES["addressed"]}
    draft = {
        "title": "M",
        "justification": "J",
        "operation": "Border support 2018",
        "lines": [line],
    }
    shown = flow.call("dhs.requester", "POST", "/api/requests", None, draft)
    shown = flow.call("dhs.requester", "POST", _at(shown, "submit"), shown)
    return Attempt(_at(shown, "accept"), etag(shown))


def _sealed_head(flow: Workflow) -> Attempt:
    seal_now(flow.demo.engine, flow.demo.key)
    return Attempt("/api/audit/head")


EXERCISES: dict[tuple[str, str], Callable[[Workflow], Attempt]] = {
    ("GET", "/api/me/awaiting"): lambda flow: Attempt("/api/me/awaiting"),
    ("GET", "/api/me/notifications"): lambda flow: Attempt("/api/me/notifications"),
    ("POST", "/api/me/notifications/read"): lambda flow: Attempt(
        "/api/me/notifications/read", None, {"ids": None}
    ),
    ("GET", "/api/me/notification-settings"): lambda flow: Attempt("/api/me/notification-settings"),
    ("PUT", "/api/me/notification-settings"): lambda flow: Attempt(
        "/api/me/notification-settings", None, {"email": None, "delivery": "digest"}
    ),
    ("GET", "/api/audit/records"): lambda flow: Attempt("/api/audit/records"),
    ("GET", "/api/operations/{name}/plans/{number}/adoption"): lambda flow: Attempt(
        f"{OPERATION}/plans/{_stored_plan(flow)}/adoption"
    ),
    ("POST", "/api/requests/{number}/accept"): _accept,
    ("POST", "/api/requests/{number}/fills"): _fill,
    ("POST", "/api/requests/{number}/fills/{unit}/status"): _fill_status,
    ("GET", "/api/operations/{name}/support"): lambda flow: Attempt(f"{OPERATION}/support"),
    ("GET", "/api/me"): lambda flow: Attempt("/api/me"),
    ("GET", "/api/agencies"): lambda flow: Attempt("/api/agencies"),
    ("GET", "/api/audit/head"): _sealed_head,
    ("GET", "/api/audit/verify"): lambda flow: Attempt("/api/audit/verify"),
    ("GET", "/api/requests"): lambda flow: Attempt("/api/requests"),
    ("POST", "/api/requests"): _create,
    ("GET", "/api/requests/{number}"): _read(""),
    ("GET", "/api/requests/{number}/history"): _read("history"),
    ("GET", "/api/requests/{number}/fulfilment"): _read("fulfilment"),
    ("GET", "/api/requests/{number}/decision-package"): _read("decision-package"),
    ("GET", "/api/requests/{number}/{paper}.pdf"): _read("ics-213rr.pdf"),
    ("PATCH", "/api/requests/{number}"): _write("draft", "", {"title": "Retitled"}),
    ("POST", "/api/requests/{number}/submit"): _write("draft", "submit"),
    ("POST", "/api/requests/{number}/amendments"): _write(
        "submitted", "amendments", {"note": "Fewer", "changes": [{"line": 1, "personnel": 5}]}
    ),
    ("POST", "/api/requests/{number}/cancel"): _write("submitted", "cancel", {"reason": "Met"}),
    ("POST", "/api/requests/{number}/responses"): _write("submitted", "responses", OFFER_ALL),
    ("POST", "/api/requests/{number}/decisions"): _write("offered", "decisions", approval),
    ("POST", "/api/requests/{number}/execute"): _write("approved", "execute"),
    ("POST", "/api/requests/{number}/close"): _write("in_execution", "close"),
    ("GET", "/api/operations"): lambda flow: Attempt("/api/operations"),
    ("GET", "/api/operations/{name}/tasks"): lambda flow: Attempt(f"{OPERATION}/tasks"),
    ("GET", "/api/operations/{name}/plans"): lambda flow: Attempt(f"{OPERATION}/plans"),
    ("GET", "/api/operations/{name}/plans/{number}"): lambda flow: Attempt(
        f"{OPERATION}/plans/{_stored_plan(flow)}"
    ),
    ("GET", "/api/operations/{name}/strength"): lambda flow: Attempt(
        f"{OPERATION}/strength?date=2018-12-20"
    ),
    ("GET", "/api/operations/{name}/requirements"): lambda flow: Attempt(
        f"{OPERATION}/requirements"
    ),
    ("GET", "/api/operations/{name}/units/{code}/orders"): lambda flow: Attempt(
        f"{OPERATION}/units/mp-tca/orders"
    ),
    ("POST", "/api/operations/{name}/units/{code}/orders"): lambda flow: Attempt(
        f"{OPERATION}/units/mp-tca/orders",
        None,
        {"kind": "extend", "on": "2019-01-15", "reason": "relief delayed"},
    ),
    ("GET", "/api/jobs/{job_id}"): lambda flow: Attempt(f"/api/jobs/{_queued_job(flow)}"),
    ("POST", "/api/operations/{name}/tasks/{code}/progress"): lambda flow: Attempt(
        f"{OPERATION}/tasks/{_fresh_task(flow)}/progress", None, {"on": "2018-12-01", "done": 1}
    ),
    ("POST", "/api/operations/{name}/tasks/{code}/done"): lambda flow: Attempt(
        f"{OPERATION}/tasks/{_fresh_task(flow)}/done", None, {"on": "2018-12-01"}
    ),
    ("POST", "/api/operations/{name}/plans"): lambda flow: Attempt(
        f"{OPERATION}/plans", None, {"time_limit": 5}
    ),
    ("POST", "/api/operations/{name}/plans/{number}/adopt"): lambda flow: Attempt(
        f"{OPERATION}/plans/{_stored_plan(flow)}/adopt"
    ),
    ("POST", "/api/jobs/{job_id}/cancel"): lambda flow: Attempt(
        f"/api/jobs/{_queued_job(flow)}/cancel"
    ),
}


# The tests -----------------------------------------------------------------------------------


@pytest.fixture
def tokens(demo: Demo) -> dict[tuple[str, str], str]:
    """A user per role and side holding that role only, in that side's agency."""
    found = {}
    with session_scope(demo.engine) as session:
        for role in Role:
            for side, agency in SIDES.items():
                username = f"matrix.{role.value}.{agency.lower()}"
                add_user(session, demo.key, username, agency, [(role, agency)])
                found[(role.value, side)] = create_token(session, demo.key, username)
    return found


def _openapi_routes(app: FastAPI) -> set[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def test_every_route_has_a_reviewed_row(app: FastAPI) -> None:
    served = _openapi_routes(app)
    unreviewed = sorted(served - set(TABLE_ROUTES))
    assert not unreviewed, (
        "routes without a row in EXPECTED: "
        + ", ".join(f"{method} {path}" for method, path in unreviewed)
        + "; decide who may call them, add their rows, and an entry in EXERCISES"
    )
    assert not sorted(set(TABLE_ROUTES) - served), "EXPECTED has rows for routes that are gone"
    untried = sorted(set(TABLE_ROUTES) - set(EXERCISES))
    assert not untried, f"routes in EXPECTED without an entry in EXERCISES: {untried}"


def test_every_row_names_every_role_and_side() -> None:
    missing = [
        f"{method} {path}: {role} {side}"
        for method, path in TABLE_ROUTES
        for role, side in CASES
        if (method, path, role, side) not in EXPECTED
    ]
    assert not missing, "EXPECTED is incomplete:\n" + "\n".join(missing)


def _allowed(expected: Expected) -> frozenset[int]:
    return expected if isinstance(expected, frozenset) else frozenset({expected})


@pytest.mark.parametrize(
    ("method", "path"), [pytest.param(*route, id=" ".join(route)) for route in TABLE_ROUTES]
)
def test_route_answers_each_role_as_reviewed(
    method: str,
    path: str,
    client: TestClient,
    demo: Demo,
    tokens: dict[tuple[str, str], str],
) -> None:
    flow = Workflow(client, demo)
    mismatches = []
    for role, side in CASES:
        attempt = EXERCISES[(method, path)](flow)
        headers = {"If-Match": attempt.if_match} if attempt.if_match else {}
        if role != ANONYMOUS:
            headers["Authorization"] = f"Bearer {tokens[(role, side)]}"
        response = client.request(method, attempt.url, headers=headers, json=attempt.body)
        expected = EXPECTED[(method, path, role, side)]
        status = response.status_code
        refused_plainly = status >= 400 and not response.headers["content-type"].startswith(
            PROBLEM_TYPE
        )
        if status not in _allowed(expected) or refused_plainly:
            mismatches.append(
                f"  {role:<10} {side:<11} expected {expected}, got {status}: {response.text[:200]}"
            )
    assert not mismatches, f"{method} {path}:\n" + "\n".join(mismatches)


def test_lists_show_a_request_to_its_parties_only(
    client: TestClient, demo: Demo, tokens: dict[tuple[str, str], str]
) -> None:
    number = Workflow(client, demo).request_at("submitted")["number"]
    seen = {}
    for side in SIDES:
        headers = {"Authorization": f"Bearer {tokens[('viewer', side)]}"}
        page = client.get("/api/requests", params={"q": number}, headers=headers).json()
        seen[side] = [item["number"] for item in page["items"]]
    assert seen == {"requesting": [number], "addressed": [number], "outside": []}
