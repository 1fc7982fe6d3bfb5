"""The reference exchange, loaded through the service layer, tells its story."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from mobilize.audit.models import AuditRecord
from mobilize.audit.service import verify_trail
from mobilize.core.db import session_scope
from mobilize.operations.plans import adopt_plan, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.requests.demo import check_in_as_planned
from mobilize.requests.fulfilment import fulfilment
from mobilize.requests.models import Fill
from mobilize.requests.queries import history
from tests.conftest import run_cli
from tests.requests.conftest import Demo


def test_officers_request_is_answered_by_each_department(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        officers = fulfilment(session, demo.actors["dhs.requester"], demo.numbers[0])
    departments = {line.supporting_agency for line in officers.lines}
    assert departments == {"DOJ", "DOS", "DOE", "DOT", "DOL", "DOI"}
    assert officers.requested == officers.offered == officers.approved == officers.filled == 320
    assert officers.on_site == 0  # nobody checked in yet


def test_amendment_extends_to_january_but_for_the_surge(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        story = history(session, demo.actors["dod.secdef"], demo.numbers[1])
    assert [version.version for version in story.versions] == [1, 2]
    first, amended = (version.content["lines"] for version in story.versions)
    assert {line["ends_on"] for line in first} == {"2018-12-15"}
    surge = [line for line in amended if line["ends_on"] == "2018-12-15"]
    assert sorted((line["location"], line["personnel"]) for line in surge) == [
        ("RGV", 370),
        ("SDC", 70),
    ]
    assert all(line["ends_on"] == "2019-01-31" for line in amended if line not in surge)
    assert all(line["capability"] != "ENG" for line in amended)  # the wire is a task
    actions = [event.action for event in story.events]
    assert actions.count("request.approve") == 2  # signed, then the amendment signed again


def test_every_step_is_in_an_intact_audit_trail(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        report = verify_trail(session, demo.key)
        actors = set(session.scalars(select(AuditRecord.actor)))
    assert report.intact, report.first_break
    assert {"dhs.requester", "doj.approver", "dod.secdef", "dod.responder"} <= actors


def test_fulfilment_counts_each_departments_officers_as_they_check_in(demo: Demo) -> None:
    christmas = date(2018, 12, 20)
    with session_scope(demo.engine) as session:
        before = fulfilment(session, demo.actors["dhs.requester"], demo.numbers[0], christmas)
        scenario = snapshot(session, None)
    assert before.planned == before.on_site == 0  # no plan adopted, nobody checked in
    document = make_plan(scenario, PlanRequest(config=SolverConfig(time_limit=30, workers=2)))
    with session_scope(demo.engine) as session:
        number = store_plan(session, demo.key, scenario, document).number
        adopt_plan(session, demo.key, get_operation(session), number)
    with session_scope(demo.engine) as session:
        planned = fulfilment(session, demo.actors["doj.responder"], demo.numbers[0], christmas)
        filled = len(list(session.scalars(select(Fill))))
        assert check_in_as_planned(session, demo.key) == filled  # every unit named is planned
    with session_scope(demo.engine) as session:
        after = fulfilment(session, demo.actors["doj.responder"], demo.numbers[0], christmas)
    assert planned.planned == 320
    assert planned.on_site == 0
    assert {line.supporting_agency for line in after.lines if line.on_site} == {
        "DOJ",
        "DOS",
        "DOE",
        "DOT",
        "DOL",
        "DOI",
    }
    assert after.on_site == after.requested == 320


def test_fulfilment_and_support_from_the_command_line(
    demo: Demo,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    assert (
        run_cli("requests", "fulfilment", demo.numbers[0], "--on", "2018-12-20", "-f", "json") == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert (shown["requested"], shown["filled"], shown["on_site"]) == (320, 320, 0)
    assert run_cli("report", "support", "--on", "2018-12-20", "-f", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    doj = next(row for row in rows if row["agency"] == "DOJ")
    assert (doj["requested"], doj["filled"], doj["person_days"]) == ("185", "185", "0")
    assert run_cli("report", "support", "-f", "yaml") == 2
    assert "--format" in capsys.readouterr().err
