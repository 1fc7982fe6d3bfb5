"""Papers from the pages: the ICS-213RR and the approval memo as pages to print (no menu, no
buttons) and as PDF; a plan's orders as CSV, iCalendar and PDF; the strength exports with the
caps and the shortfalls."""

from __future__ import annotations

import io
import shutil

import icalendar
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import InProcessWorker
from tests.requests.test_papers import pdf_text
from tests.web.conftest import OPERATION, SignIn, Site, form_token

DASHBOARD = f"/operations/{OPERATION}"
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs pdftotext (apt-get install poppler-utils)"
)


def test_the_resource_request_page_prints_without_menu_or_buttons(signed_in: SignIn) -> None:
    client = signed_in("dhs.requester")
    request_page = client.get("/requests/RFA-2018-0002").text
    assert 'href="/requests/RFA-2018-0002/ics-213rr"' in request_page
    assert 'href="/requests/RFA-2018-0002/approval-memo.pdf"' in request_page
    paper = client.get("/requests/RFA-2018-0002/ics-213rr")
    assert paper.status_code == 200
    assert "Resource Request Message (ICS 213 RR)" in paper.text
    assert "<button" not in paper.text
    assert "<form" not in paper.text
    assert 'class="screen"' in paper.text  # the links, hidden in print
    assert "@media print { .screen { display: none; }" in paper.text
    assert "Sign out" not in paper.text


@needs_pdftotext
def test_the_memo_pdf_from_the_page_names_the_signer_and_the_version(signed_in: SignIn) -> None:
    answer = signed_in("dod.secdef").get("/requests/RFA-2018-0002/approval-memo.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="RFA-2018-0002-approval-memo.pdf"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content)
    assert "FROM Secretary of Defense" in text or "Secretary of Defense" in text
    assert "RFA-2018-0002 version 2, SHA-256" in text


def test_another_agency_gets_no_paper_page(signed_in: SignIn) -> None:
    assert signed_in("doj.responder").get("/requests/RFA-2018-0002/ics-213rr").status_code == 403


def _planned(client: TestClient, site: Site) -> str:
    token = form_token(client.get(f"{DASHBOARD}/plans").text)
    client.post(f"{DASHBOARD}/plans", data={"form_token": token, "time_limit": "10"})
    worker = InProcessWorker(site.engine, site.key, {PLAN_JOB: plan_handler(site.engine, site.key)})
    while worker.run_once() is not None:
        pass
    return f"{DASHBOARD}/plans/1"


@needs_pdftotext
def test_a_plans_orders_come_as_csv_icalendar_and_pdf(signed_in: SignIn, site: Site) -> None:
    client = signed_in("army.planner")
    plan = _planned(client, site)
    assert f'href="{plan}/orders.ics"' in client.get(plan).text
    csv = client.get(f"{plan}/orders.csv")
    assert csv.status_code == 200
    rows = csv.text.splitlines()
    assert (
        rows[0]
        == "date,action,unit,unit_name,capability,component,personnel,location,location_name,reason"
    )
    assert len(rows) > 1
    first = rows[1].split(",")
    calendar = icalendar.Calendar.from_ical(client.get(f"{plan}/orders.ics").content)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == len(rows) - 1
    assert any(str(event.decoded("dtstart")) == first[0] for event in events)
    assert all(str(event["uid"]).endswith("@mobilize") for event in events)
    pdf = client.get(f"{plan}/orders.pdf")
    assert pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    assert f"Orders: {OPERATION}, plan 1" in text
    # The first order's unit; a cell may break after its hyphen, which pdftotext then drops.
    assert first[2].replace("-", "") in text.replace(" ", "").replace("-", "")


def test_strength_exports_carry_the_caps_and_the_shortfalls(signed_in: SignIn) -> None:
    client = signed_in("dhs.requester")
    span = "on=2018-12-15&to=2018-12-17"
    caps = client.get(f"{DASHBOARD}/strength.csv?{span}&table=caps").text.splitlines()
    assert caps[0] == "date,component,deployed,cap,headroom"
    assert {row.split(",")[0] for row in caps[1:]} == {"2018-12-16", "2018-12-17"}  # from the 16th
    assert all(row.split(",")[3] == "4000" for row in caps[1:])
    short = client.get(f"{DASHBOARD}/strength.csv?{span}&table=shortfalls").text.splitlines()
    assert short[0] == "date,location,capability,required,present,short"
    assert all(int(row.split(",")[5]) > 0 for row in short[1:])
    book = load_workbook(io.BytesIO(client.get(f"{DASHBOARD}/strength.xlsx?{span}").content))
    assert book.sheetnames == ["strength", "caps", "shortfalls"]
    assert book["caps"].max_row == len(caps)
