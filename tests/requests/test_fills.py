"""From a signed line to people on site: fills, their dated lives, the planner placing them,
and fulfilment counted from them alone (issue 14's story, through the API)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobilize.agencies.service import ensure_agency
from mobilize.core.db import session_scope
from mobilize.operations.models import UnitRecord
from mobilize.operations.plans import get_plan, plan_document, snapshot, store_plan
from mobilize.operations.service import get_operation
from mobilize.planning.service import PlanRequest, make_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Component
from tests.requests.conftest import Demo

OPERATION = "Border support 2018"
FIRST, LAST = date(2018, 12, 20), date(2019, 1, 31)
ASSIGNED = "2018-12-10"
NEW_TEAM = {
    "id": "doj-sdc-team",
    "name": "DOJ officers team, San Diego",
    "component": "civilian",
    "strength": 30,
    "home": {"name": "FLETC Glynco GA", "lat": 31.25, "lon": -81.47},
    "available_from": "2018-12-18",
}


def _line(agency: str, location: str, personnel: int) -> dict[str, Any]:
    return {
        "capability": "LEO",
        "component": "civilian",
        "personnel": personnel,
        "location": location,
        "starts_on": FIRST.isoformat(),
        "ends_on": LAST.isoformat(),
        "supporting_agency": agency,
    }


def _draft(*lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "More officers for San Diego and the Rio Grande Valley",
        "justification": "Holiday traffic at the ports of entry.",
        "operation": OPERATION,
        "lines": list(lines),
    }


class Story:
    """Calls as each demo user, following the request's ETag."""

    def __init__(self, client: TestClient, demo: Demo) -> None:
        self.client, self.demo = client, demo

    def post(self, user: str, path: str, body: Any = None, etag: str | None = None) -> Any:
        headers = self.demo.headers(user, **({"If-Match": etag} if etag else {}))
        return self.client.post(path, json=body, headers=headers)

    def get(self, user: str, path: str) -> Any:
        return self.client.get(path, headers=self.demo.headers(user))

    def etag(self, number: str) -> str:
        return str(self.get("dhs.requester", f"/api/requests/{number}").headers["ETag"])

    def act(self, user: str, number: str, action: str, body: Any = None) -> Any:
        answer = self.post(user, f"/api/requests/{number}/{action}", body, self.etag(number))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def filed(self, *lines: dict[str, Any], submit: bool = True) -> str:
        created = self.post("dhs.requester", "/api/requests", _draft(*lines))
        assert created.status_code == 201, created.text
        number = str(created.json()["number"])
        if submit:
            self.act("dhs.requester", number, "submit")
        return number

    def sign(self, approver: str, number: str) -> None:
        shown = self.get(approver, f"/api/requests/{number}").json()
        mine = [line for line in shown["lines"] if line["status"] == "offered"]
        criteria = {
            name: {"judgement": "satisfied", "note": ""}
            for line in mine
            for name in line["criteria"]
        }
        body = {
            "version_sha256": shown["version_sha256"],
            "decision": "approve",
            "criteria": criteria,
        }
        self.act(approver, number, "decisions", body)


@pytest.fixture
def story(client: TestClient, demo: Demo) -> Story:
    with session_scope(demo.engine) as session:
        operation = get_operation(session, OPERATION)
        leo = next(c for c in operation.capabilities if c.code == "LEO")
        operation.units.append(
            UnitRecord(
                code="dss-rgv",
                name="Diplomatic Security Service agents, Rio Grande Valley",
                position=len(operation.units),
                capability=leo,
                component=Component.CIVILIAN,
                agency=ensure_agency(session, "DOS/Diplomatic Security Service"),
                strength=20,
                home_name="DSS Houston field office",
                home_lat=29.76,
                home_lon=-95.37,
                available_from=date(2018, 12, 18),
            )
        )
    return Story(client, demo)


def _plan_and_adopt(story: Story) -> Any:
    with session_scope(story.demo.engine) as session:
        scenario = snapshot(session, OPERATION)
    config = SolverConfig(time_limit=30, workers=2, seed=0)
    document = make_plan(scenario, PlanRequest(config=config))
    assert verify_plan(scenario, document).violations == []
    with session_scope(story.demo.engine) as session:
        number = store_plan(session, story.demo.key, scenario, document).number
    adopted = story.post("army.planner", f"/api/operations/{OPERATION}/plans/{number}/adopt")
    assert adopted.status_code == 200, adopted.text
    with session_scope(story.demo.engine) as session:
        return plan_document(get_plan(session, get_operation(session, OPERATION), number))


def test_filled_officers_are_planned_checked_in_and_released(story: Story) -> None:
    number = story.filed(_line("DOJ", "SDC", 30), _line("DOS", "RGV", 20))
    draft = story.filed(_line("DOJ", "SDC", 300), submit=False)
    story.act("army.planner", number, "accept")
    story.act("doj.responder", number, "responses", {"answers": [{"line": 1, "offer": "all"}]})
    story.act("dos.responder", number, "responses", {"answers": [{"line": 2, "offer": "all"}]})
    story.act("doj.responder", number, "fills", {"line": 1, "new_unit": NEW_TEAM, "on": ASSIGNED})
    story.act("dos.responder", number, "fills", {"line": 2, "unit": "dss-rgv", "on": ASSIGNED})
    story.sign("doj.approver", number)
    story.sign("dos.approver", number)

    plan = _plan_and_adopt(story)
    arrivals = {
        d.unit: (d.location, d.from_)
        for d in plan.deployments
        if d.unit in ("doj-sdc-team", "dss-rgv")
    }
    # Both teams are placed where the officers are needed (the planner posts units by need,
    # as it does every unit of the capability).
    assert set(arrivals) == {"doj-sdc-team", "dss-rgv"}
    assert {place for place, _ in arrivals.values()} <= {"SDC", "RGV"}
    reasons = {a.unit: a.reason for a in plan.actions or [] if a.action == "deploy"}
    assert reasons["doj-sdc-team"].startswith(f"fills {number} line 1 (DOJ)")
    assert reasons["dss-rgv"].startswith(f"fills {number} line 2 (DOS)")

    for user, unit in (("doj.responder", "doj-sdc-team"), ("dos.responder", "dss-rgv")):
        arrival = arrivals[unit][1]
        for status in ("mobilizing", "en_route", "on_site"):
            moved = story.post(
                user,
                f"/api/requests/{number}/fills/{unit}/status",
                {"status": status, "on": arrival.isoformat()},
            )
            assert moved.status_code == 200, moved.text
    day_after = max(arrival for _, arrival in arrivals.values()) + timedelta(days=1)
    shown = story.get("cbp.planner", f"/api/requests/{number}/fulfilment?on={day_after}").json()
    assert [line["on_site"] for line in shown["lines"]] == [30, 20]
    assert [line["filled"] for line in shown["lines"]] == [30, 20]
    assert shown["on_site"] == 50
    assert shown["planned"] == 50
    assert shown["released"] == 0
    nothing = story.get("dhs.requester", f"/api/requests/{draft}/fulfilment?on={day_after}").json()
    assert (nothing["requested"], nothing["filled"], nothing["on_site"]) == (300, 0, 0)
    assert nothing["offered"] == nothing["approved"] == nothing["released"] == 0

    checked_in = arrivals["doj-sdc-team"][1]
    checked_out = date(2019, 1, 10)
    for status in ("demobilizing", "released"):
        moved = story.post(
            "doj.responder",
            f"/api/requests/{number}/fills/doj-sdc-team/status",
            {"status": status, "on": checked_out.isoformat()},
        )
        assert moved.status_code == 200, moved.text
    shown = story.get("cbp.planner", f"/api/requests/{number}/fulfilment?on={checked_out}").json()
    assert shown["lines"][0]["released"] == 30
    assert shown["lines"][0]["on_site"] == 0
    report = story.get("dhs.requester", f"/api/operations/{OPERATION}/support?on=2019-01-31")
    assert report.status_code == 200, report.text
    doj = next(row for row in report.json()["rows"] if row["agency"] == "DOJ")
    assert doj["released"] == 30
    assert doj["person_days"] == (checked_out - checked_in).days * 30


def test_a_fill_beyond_the_offer_or_of_another_agency_is_refused(story: Story) -> None:
    number = story.filed(_line("DOJ", "SDC", 30))
    story.act("army.planner", number, "accept")
    story.act(
        "doj.responder",
        number,
        "responses",
        {"answers": [{"line": 1, "offer": "part", "personnel": 20}]},
    )
    too_many = story.post(
        "doj.responder",
        f"/api/requests/{number}/fills",
        {"line": 1, "new_unit": NEW_TEAM},
        story.etag(number),
    )
    assert too_many.status_code == 422
    assert "only 20 of the 20 offered" in too_many.json()["detail"]
    foreign = story.post(
        "doj.responder",
        f"/api/requests/{number}/fills",
        {"line": 1, "unit": "dss-rgv"},
        story.etag(number),
    )
    assert foreign.status_code == 403
    assert foreign.headers["content-type"].startswith("application/problem+json")


def test_statuses_move_forwards_and_never_into_the_future(story: Story) -> None:
    number = story.filed(_line("DOS", "RGV", 20))
    story.act("army.planner", number, "accept")
    story.act("dos.responder", number, "responses", {"answers": [{"line": 1, "offer": "all"}]})
    story.act("dos.responder", number, "fills", {"line": 1, "unit": "dss-rgv", "on": ASSIGNED})
    path = f"/api/requests/{number}/fills/dss-rgv/status"
    future = (date.today() + timedelta(days=1)).isoformat()
    assert (
        story.post("dos.responder", path, {"status": "en_route", "on": future}).status_code == 422
    )
    assert (
        story.post("dos.responder", path, {"status": "on_site", "on": "2018-12-21"}).status_code
        == 200
    )
    backwards = story.post("dos.responder", path, {"status": "mobilizing", "on": "2018-12-22"})
    assert backwards.status_code == 409
    earlier = story.post("dos.responder", path, {"status": "released", "on": "2018-12-20"})
    assert earlier.status_code == 422
    outsider = story.post("doj.responder", path, {"status": "released", "on": "2018-12-30"})
    assert outsider.status_code == 403


def test_a_cancelled_request_releases_its_fills(story: Story) -> None:
    number = story.filed(_line("DOS", "RGV", 20))
    story.act("army.planner", number, "accept")
    story.act("dos.responder", number, "responses", {"answers": [{"line": 1, "offer": "all"}]})
    story.act("dos.responder", number, "fills", {"line": 1, "unit": "dss-rgv"})
    story.act("dhs.requester", number, "cancel", {"reason": "no longer needed"})
    shown = story.get(
        "dhs.requester", f"/api/requests/{number}/fulfilment?on={date.today()}"
    ).json()
    assert shown["lines"][0]["fills"][0]["status"] == "released"
    again = story.filed(_line("DOS", "RGV", 20))
    story.act("army.planner", again, "accept")
    story.act("dos.responder", again, "responses", {"answers": [{"line": 1, "offer": "all"}]})
    story.act("dos.responder", again, "fills", {"line": 1, "unit": "dss-rgv"})  # free again
