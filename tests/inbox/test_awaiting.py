"""The queue asks the rules: a plan newer than the adopted one awaits whoever may adopt it,
a finished plan job awaits its requester, and both are told in the transaction that made
them."""

from __future__ import annotations

from typing import Any

from mobilize.core.db import session_scope
from mobilize.inbox.awaiting import awaiting
from mobilize.inbox.service import notifications_of
from mobilize.jobs import service as jobs
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.operations.plan_run import plan_operation
from mobilize.operations.plans import store_plan
from mobilize.passes.service import PassRequest
from mobilize.planning.service import PlanRequest
from tests.requests.conftest import Demo

OPERATION = "Border support 2018"


def test_a_new_plan_awaits_the_lead_planner_not_the_requester(demo: Demo) -> None:
    def store(session: Any, scenario: Any, document: Any) -> int:
        return store_plan(session, demo.key, scenario, document, "army.planner").number

    number = plan_operation(
        demo.engine, OPERATION, PlanRequest(solver="greedy"), PassRequest(solver="greedy"), store
    ).stored
    with session_scope(demo.engine) as session:
        planner = awaiting(session, demo.actors["army.planner"])
        requester = awaiting(session, demo.actors["dhs.requester"])
        told = notifications_of(session, demo.actors["army.planner"])
    [plan] = [item for item in planner if item.kind == "adopt"]
    assert plan.link == f"/operations/{OPERATION}/plans/{number}"
    assert plan.detail.startswith("made by army.planner: ")
    assert plan.detail.endswith("against no plan adopted yet")
    assert not [item for item in requester if item.kind == "adopt"]
    assert [n.subject for n in told if n.kind == "adopt"] == [plan.title]


def test_a_finished_job_awaits_its_requester(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        job = jobs.submit(session, demo.key, PLAN_JOB, plan_params(OPERATION), "army.planner")
    with session_scope(demo.engine) as session:
        jobs.fail(session, demo.key, job.id, "Traceback ...\nthe scenario has no unit")
    with session_scope(demo.engine) as session:
        [item] = [i for i in awaiting(session, demo.actors["army.planner"]) if i.kind == "job"]
        told = notifications_of(session, demo.actors["army.planner"])
        others = awaiting(session, demo.actors["cbp.planner"])
    assert item.detail == "failed: the scenario has no unit"
    assert item.link == f"/jobs/{job.id}"
    assert [n.kind for n in told if n.link == item.link] == ["job"]
    assert not [i for i in others if i.kind == "job"]
