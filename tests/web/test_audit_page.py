"""The audit page and `GET /api/audit/records`: recent activity without typing anything,
filters and search, changes field by field, outcomes in words."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilize.auth.service import create_token
from mobilize.core.db import session_scope
from tests.web.conftest import SignIn, Site

ROW = re.compile(r'<td data-label="#">(\d+)</td>')


def test_the_audit_page_lists_recent_activity_newest_first(signed_in: SignIn) -> None:
    page = signed_in("dhs.requester").get("/audit")
    assert page.status_code == 200
    ids = [int(found) for found in ROW.findall(page.text)]
    assert len(ids) == 25
    assert ids == sorted(ids, reverse=True)
    assert "request.create" in page.text or "request.submit" in page.text
    assert "(ok: None)" not in page.text
    assert ">done<" in page.text
    assert 'rel="next"' in page.text  # more than a page: the next one is a link


def test_filters_and_search_narrow_the_list(signed_in: SignIn, site: Site) -> None:
    client = signed_in("dhs.requester")
    mine = client.get("/audit", params={"user": "doj.responder"}).text
    assert ROW.search(mine)
    assert set(re.findall(r'<td data-label="Who">([^ <]+)', mine)) == {"doj.responder"}
    one = client.get("/audit", params={"q": site.numbers[0], "action": "request.create"}).text
    assert len(ROW.findall(one)) == 1
    assert '<span class="field">line 1</span>' in one  # a creation lists its fields
    nothing = client.get("/audit", params={"since": "2000-01-01", "until": "2000-01-02"}).text
    assert "No record matches." in nothing


def test_a_trail_one_may_not_read_is_refused(signed_in: SignIn, site: Site) -> None:
    justice = signed_in("doj.responder")
    outside = [n for n in site.numbers if n not in justice.get("/requests").text]
    assert outside
    answer = justice.get("/audit", params={"type": "request", "id": outside[0]})
    assert answer.status_code == 403
    listed = justice.get("/audit", params={"q": outside[0]}).text
    # Only their own refused attempt, not the request's trail.
    assert set(re.findall(r'<td data-label="Who">([^ <]+)', listed)) == {"doj.responder"}
    assert "refused: not allowed" in listed


def test_the_api_lists_the_same_records(app: FastAPI, site: Site, signed_in: SignIn) -> None:
    with session_scope(site.engine) as session:
        token = create_token(session, site.key, "dhs.requester")
    with TestClient(app) as client:
        answer = client.get(
            "/api/audit/records",
            params={"action": "request.", "limit": 3, "order": "oldest"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["items"]) == 3
    assert body["total"] >= 3
    first = body["items"][0]
    assert first["action"] == "request.create"
    assert first["outcome_words"] == "done"
    assert {change["field"] for change in first["changes"]} >= {"lines.1", "status"}
    wanted = {"action": "request.", "order": "oldest"}
    page = signed_in("dhs.requester").get("/audit", params=wanted).text
    assert [int(i) for i in ROW.findall(page)][:3] == [item["id"] for item in body["items"]]


def test_a_form_sent_with_blank_fields_asks_for_nothing(signed_in: SignIn) -> None:
    client = signed_in("dhs.requester")
    blank = "q=&user=&agency=&action=&type=&id=&since=&until=&order=newest"
    assert ROW.search(client.get(f"/audit?{blank}").text)
    board = client.get("/requests?q=&status=&agency=&capability=&on=&view=list")
    assert board.status_code == 200
    assert client.get("/audit?since=1800-01-01").status_code == 422


def test_text_with_nul_is_refused_not_sent_to_the_database(
    app: FastAPI, site: Site, signed_in: SignIn
) -> None:
    with session_scope(site.engine) as session:
        token = create_token(session, site.key, "dhs.requester")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        for name in ("q", "user", "agency", "action", "id"):
            answer = client.get("/api/audit/records", params={name: "a\x00b"}, headers=headers)
            assert answer.status_code == 422, (name, answer.text)
