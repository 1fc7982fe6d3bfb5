"""Requirements come from approved request lines (following their amendments) and open tasks:
the reference story, told through the requests, plans like the scenario file."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Literal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.models import AuditRecord
from mobilize.audit.service import verify_trail
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.operations.plans import (
    adopt_plan,
    adopted_document,
    snapshot,
    store_plan,
)
from mobilize.operations.requirements import requirements_in_force
from mobilize.operations.service import get_operation
from mobilize.operations.tasks import mark_done
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import required_by_day, verify_plan
from mobilize.reports.strength import strength_on
from mobilize.requests import schemas
from mobilize.requests.access import get_request
from mobilize.requests.drafts import create_request
from mobilize.requests.fulfilment import fulfilment
from mobilize.requests.queries import request_out
from mobilize.requests.service import Change, amend, cancel, decide, respond
from mobilize.scenario.schemas import Scenario
from tests.requests.conftest import Demo, officers_line

OFFICERS = "RFA-2018-0001"
CONFIG = SolverConfig(time_limit=10, workers=8, seed=0)


def _officers_at(demo: Demo, location: str) -> list[tuple[int, str]]:
    with session_scope(demo.engine) as session:
        found = requirements_in_force(session, get_operation(session))
    return [
        (item.requirement.personnel, item.source)
        for item in found
        if item.requirement.capability == "LEO"
        and item.requirement.location == location
        and item.source.startswith(OFFICERS)
    ]


def _now(session: Session, demo: Demo, number: str) -> Change:
    return Change(number, get_request(session, demo.actors["dhs.requester"], number).revision)


def _sign(demo: Demo, approver: str, decision: Literal["approve", "deny"] = "approve") -> None:
    with session_scope(demo.engine) as session:
        request = get_request(session, demo.actors[approver], OFFICERS)
        shown = request_out(session, request)
        judged = schemas.CriterionJudgement(judgement="satisfied", note="reviewed")
        criteria = {criterion: judged for line in request.lines for criterion in line.criteria}
        choice = schemas.ApprovalInput(
            version_sha256=shown.version_sha256, decision=decision, criteria=criteria
        )
        decide(session, demo.key, demo.actors[approver], _now(session, demo, OFFICERS), choice)


def test_the_requests_state_the_reference_requirements(
    demo: Demo, reference_scenario: Scenario
) -> None:
    with session_scope(demo.engine) as session:
        stored = snapshot(session, None)
        sources = Counter(
            item.source.split(" ")[0]
            for item in requirements_in_force(session, get_operation(session))
        )
    assert required_by_day(stored) == required_by_day(reference_scenario)
    assert sources == {"RFA-2018-0001": 7, "RFA-2018-0002": 27, "task": 6}


def test_an_amendment_counts_once_it_is_signed(demo: Demo) -> None:
    assert _officers_at(demo, "SDC") == [(100, f"{OFFICERS} line 1 (version 1)")]
    cut = schemas.AmendmentInput(note="fewer", changes=[schemas.LineChange(line=1, personnel=80)])
    with session_scope(demo.engine) as session:
        amend(session, demo.key, demo.actors["dhs.requester"], _now(session, demo, OFFICERS), cut)
    assert _officers_at(demo, "SDC") == [(100, f"{OFFICERS} line 1 (version 1)")]
    offer = schemas.ResponseInput(answers=[schemas.LineAnswer(line=1, offer="all")])
    with session_scope(demo.engine) as session:
        respond(
            session, demo.key, demo.actors["doj.responder"], _now(session, demo, OFFICERS), offer
        )
    _sign(demo, "doj.approver")
    assert _officers_at(demo, "SDC") == [(80, f"{OFFICERS} line 1 (version 2)")]


def test_a_denied_amendment_or_a_cancelled_request_asks_for_nothing(demo: Demo) -> None:
    cut = schemas.AmendmentInput(note="fewer", changes=[schemas.LineChange(line=1, personnel=80)])
    with session_scope(demo.engine) as session:
        amend(session, demo.key, demo.actors["dhs.requester"], _now(session, demo, OFFICERS), cut)
    offer = schemas.ResponseInput(answers=[schemas.LineAnswer(line=1, offer="all")])
    with session_scope(demo.engine) as session:
        respond(
            session, demo.key, demo.actors["doj.responder"], _now(session, demo, OFFICERS), offer
        )
    _sign(demo, "doj.approver", "deny")
    assert _officers_at(demo, "SDC") == []
    assert _officers_at(demo, "TCA")  # the other lines stand


def test_a_cancelled_request_asks_for_nothing(demo: Demo) -> None:
    draft = schemas.RequestDraft(
        title="More officers",
        justification="j",
        operation="Border support 2018",
        lines=[
            officers_line(
                personnel=30,
                location="ELC",
                starts_on=date(2018, 12, 20),
                ends_on=date(2018, 12, 31),
            )
        ],
    )
    with session_scope(demo.engine) as session:
        number = create_request(session, demo.key, demo.actors["dhs.requester"], draft).number
        cancel(
            session,
            demo.key,
            demo.actors["dhs.requester"],
            _now(session, demo, number),
            "not needed",
        )
    with session_scope(demo.engine) as session:
        sources = [item.source for item in requirements_in_force(session, get_operation(session))]
    assert not [source for source in sources if source.startswith(number)]


def test_a_line_must_ask_for_a_place_and_capability_of_its_operation(demo: Demo) -> None:
    line = officers_line(
        personnel=30, location="XXX", starts_on=date(2018, 12, 20), ends_on=date(2018, 12, 31)
    )
    draft = schemas.RequestDraft(
        title="t", justification="j", operation="Border support 2018", lines=[line]
    )
    with session_scope(demo.engine) as session, pytest.raises(InvalidInput, match=r"line 1.*XXX"):
        create_request(session, demo.key, demo.actors["dhs.requester"], draft)


def _plan_store_adopt(demo: Demo) -> tuple[Scenario, int]:
    with session_scope(demo.engine) as session:
        scenario = snapshot(session, None)
        previous = adopted_document(session, get_operation(session))
    document = make_plan(scenario, PlanRequest(config=CONFIG, adopted=previous))
    assert verify_plan(scenario, document).violations == []
    with session_scope(demo.engine) as session:
        number = store_plan(session, demo.key, scenario, document, "army.planner").number
        adopt_plan(session, demo.key, get_operation(session), number, "army.planner")
    return scenario, number


def test_the_reference_story_engineers_done_on_10_december(demo: Demo) -> None:
    """Issue 6: the reference operation loaded, the wire done on 10 December, re-planned and
    adopted: by the 20th no engineers, active duty within 4,000, every department's officers
    deployed, every step in an intact audit trail."""
    _plan_store_adopt(demo)
    with session_scope(demo.engine) as session:
        operation = get_operation(session)
        for task in [task.code for task in operation.tasks if task.capability.code == "ENG"]:
            mark_done(session, demo.key, operation, task, date(2018, 12, 10), "army.planner")
    scenario, number = _plan_store_adopt(demo)
    with session_scope(demo.engine) as session:
        plan = adopted_document(session, get_operation(session))
        officers = fulfilment(session, demo.actors["dhs.requester"], OFFICERS, date(2018, 12, 20))
        report = verify_trail(session, demo.key)
        actions = Counter(session.scalars(select(AuditRecord.action)))
    strength = strength_on(scenario, plan, date(2018, 12, 20))
    assert not [row for row in strength.rows if row.capability == "ENG"]
    active = sum(row.deployed for row in strength.rows if row.component == "active")
    assert 0 < active <= 4000
    planned: Counter[str] = Counter()
    for line in officers.lines:
        planned[line.supporting_agency] += line.planned
    assert set(planned) == {"DOJ", "DOS", "DOE", "DOT", "DOL", "DOI"}
    assert all(planned.values())
    assert officers.planned == officers.filled == officers.approved == 320
    assert report.intact, report.first_break
    assert actions["task.done"] == 6
    assert actions["plan.store"] == actions["plan.adopt"] == 2
    assert number == 2
