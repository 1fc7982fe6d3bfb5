"""The operation's record through the API: a task done early, a re-plan run as a job, adopted,
and the strength report after it; who may do what."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilize.auth.models import Role
from mobilize.auth.service import add_user, create_token
from mobilize.core.db import session_scope
from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import InProcessWorker
from tests.requests.conftest import Demo

OPERATION = "/api/operations/Border support 2018"


def _run_jobs(demo: Demo) -> None:
    worker = InProcessWorker(demo.engine, demo.key, {PLAN_JOB: plan_handler(demo.engine, demo.key)})
    while worker.run_once() is not None:
        pass


def test_task_done_replan_adopt_and_report(client: TestClient, demo: Demo) -> None:
    planner = demo.headers("army.planner")
    done = client.post(
        f"{OPERATION}/tasks/wire-RGV/done", json={"on": "2018-12-10"}, headers=planner
    )
    assert done.status_code == 200, done.text
    assert done.json()["done_on"] == "2018-12-10"
    queued = client.post(f"{OPERATION}/plans", json={"time_limit": 10}, headers=planner)
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    _run_jobs(demo)
    job = client.get(queued.headers["Location"], headers=demo.headers("cbp.planner")).json()
    assert job["status"] == "done"
    assert job["progress"]["level"]
    number = job["result"]["plan"]
    shown = client.get(f"{OPERATION}/plans/{number}", headers=demo.headers("doj.responder"))
    assert shown.json()["document"]["scenario"] == "Border support 2018"
    adopted = client.post(f"{OPERATION}/plans/{number}/adopt", headers=planner)
    assert adopted.status_code == 200, adopted.text
    again = client.post(f"{OPERATION}/plans/{number}/adopt", headers=planner)
    assert again.status_code == 409
    report = client.get(
        f"{OPERATION}/strength",
        params={"date": "2018-12-20"},
        headers=demo.headers("dhs.requester"),
    ).json()
    assert report["source"] == f"plan {number} (adopted)"
    assert not [row for row in report["rows"] if row["capability"] == "ENG"]
    active = sum(row["deployed"] for row in report["rows"] if row["component"] == "active")
    assert 0 < active <= 4000


def test_only_planners_of_a_party_run_plans(client: TestClient, demo: Demo) -> None:
    refused = client.post(f"{OPERATION}/plans", json={}, headers=demo.headers("dhs.requester"))
    assert refused.status_code == 403
    assert "planner role" in refused.json()["detail"]


def test_an_agency_not_party_sees_nothing(client: TestClient, demo: Demo, app: FastAPI) -> None:
    with session_scope(demo.engine) as session:
        add_user(session, demo.key, "fema.planner", "FEMA", [(Role.PLANNER, "FEMA")])
        token = create_token(session, demo.key, "fema.planner")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/operations", headers=headers).json() == []
    assert client.get(f"{OPERATION}/tasks", headers=headers).status_code == 403
    ran = client.post(f"{OPERATION}/plans", json={}, headers=headers)
    assert ran.status_code == 403


def test_a_queued_plan_job_is_cancelled(client: TestClient, demo: Demo) -> None:
    planner = demo.headers("army.planner")
    queued = client.post(f"{OPERATION}/plans", json={"time_limit": 5}, headers=planner)
    cancelled = client.post(f"{queued.headers['Location']}/cancel", headers=planner)
    assert cancelled.json()["status"] == "cancelled"
    assert client.post(f"{queued.headers['Location']}/cancel", headers=planner).status_code == 409


def test_requirements_name_their_sources(client: TestClient, demo: Demo) -> None:
    listed = client.get(f"{OPERATION}/requirements", headers=demo.headers("doj.responder"))
    assert listed.status_code == 200, listed.text
    officers = [row for row in listed.json() if row["source"].startswith("RFA-2018-0001")]
    assert sum(row["personnel"] for row in officers) == 320
    assert {row["from"] for row in officers} == {"2018-12-05"}
    assert any(row["source"] == "task wire-RGV" for row in listed.json())


def test_a_hand_order_is_given_with_a_reason_and_kept_in_the_units_record(
    client: TestClient, demo: Demo
) -> None:
    order = {"kind": "withdraw", "on": "2018-12-20", "reason": "needed for hurricane relief"}
    path = f"{OPERATION}/units/log-tca/orders"
    given = client.post(path, json=order, headers=demo.headers("army.planner"))
    assert given.status_code == 201, given.text
    assert given.json()["source"] == "by hand (army.planner)"
    record = client.get(path, headers=demo.headers("dhs.requester")).json()
    assert [(row["kind"], row["on"], row["status"]) for row in record] == [
        ("withdraw", "2018-12-20", "in force")
    ]
    blank = client.post(path, json=order | {"reason": "   "}, headers=demo.headers("army.planner"))
    assert blank.status_code == 422
    assert "reason" in blank.json()["detail"]
    unknown = client.post(
        f"{OPERATION}/units/nope/orders", json=order, headers=demo.headers("army.planner")
    )
    assert unknown.status_code == 404
    refused = client.post(path, json=order, headers=demo.headers("dhs.requester"))
    assert refused.status_code == 403


def test_fair_use_refuses_a_third_solve_with_when_to_retry(client: TestClient, demo: Demo) -> None:
    planner = demo.headers("army.planner")
    for _ in range(2):
        queued = client.post(f"{OPERATION}/plans", json={"time_limit": 30}, headers=planner)
        assert queued.status_code == 202, queued.text
    refused = client.post(f"{OPERATION}/plans", json={"time_limit": 30}, headers=planner)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 5 <= int(refused.headers["Retry-After"]) <= 30
    assert "army.planner has 2 solves queued or running" in refused.json()["detail"]
    other = client.post(f"{OPERATION}/plans", json={}, headers=demo.headers("cbp.planner"))
    assert other.status_code == 202  # the limit is per user; the operation allows 4
