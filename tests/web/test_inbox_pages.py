"""The landing page is the user's queue, the menu counts it on every page and keeps the
operation's links, the API agrees with the page; notifications are listed and marked read;
guarded request actions are confirmed first and say what they did."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilize.auth.service import actor_named, create_token
from mobilize.core.db import session_scope
from mobilize.requests import schemas
from mobilize.requests.service import Change, create_request, submit_request
from tests.web.conftest import OPERATION, SignIn, Site, form_token

DASHBOARD = f"/operations/{OPERATION}"


def _officers_for_el_centro(site: Site) -> str:
    """DHS files and submits RFA-2018-0003: officers at El Centro from DOJ."""
    line = {
        "capability": "LEO",
        "component": "civilian",
        "personnel": 10,
        "location": "ELC",
        "starts_on": "2018-12-20",
        "ends_on": "2019-01-10",
        "supporting_agency": "DOJ",
    }
    draft = schemas.RequestDraft.model_validate(
        {
            "title": "More officers for El Centro over the holidays",
            "justification": "CBP asks for officers at El Centro.",
            "operation": OPERATION,
            "lines": [line],
        }
    )
    with session_scope(site.engine) as session:
        requester = actor_named(session, "dhs.requester")
        request = create_request(session, site.key, requester, draft)
        submit_request(session, site.key, requester, Change(request.number, request.revision))
        return request.number


def _menu_count(html: str) -> int:
    found = re.search(r'data-testid="menu-awaiting">Awaiting you \((\d+)\)<', html)
    assert found, "every page's menu counts what awaits the user"
    return int(found.group(1))


def test_the_responder_lands_on_what_awaits_them_and_the_api_agrees(
    signed_in: SignIn, site: Site, app: FastAPI
) -> None:
    justice = signed_in("doj.responder")
    before = _menu_count(justice.get("/requests").text)
    number = _officers_for_el_centro(site)
    landing = justice.get("/")
    assert landing.status_code == 200
    assert f"{number} awaits your answer" in landing.text
    assert "line 1: 10 LEO at ELC" in landing.text
    assert _menu_count(landing.text) == before + 1
    with session_scope(site.engine) as session:
        token = create_token(session, site.key, "doj.responder")
    api = TestClient(app).get("/api/me/awaiting", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.json()["count"] == _menu_count(landing.text)
    assert [i["subject"] for i in api.json()["items"] if i["kind"] == "answer"] == [number]


def test_every_page_has_the_same_menu(signed_in: SignIn) -> None:
    planner = signed_in("army.planner")
    for path in ("/", "/requests", "/requests/RFA-2018-0002", "/audit", "/notifications"):
        html = planner.get(path).text
        for link in ("", "/plans", "/passes", "/strength", "/support"):
            assert f'href="{DASHBOARD}{link}"' in html, (path, link)
        assert 'href="/notifications"' in html


def test_notifications_are_listed_and_marked_read(signed_in: SignIn, site: Site) -> None:
    justice = signed_in("doj.responder")
    number = _officers_for_el_centro(site)
    page = justice.get("/notifications").text
    assert f"{number} awaits your answer" in page
    assert "sends no e-mail" in page  # no SMTP set: said plainly
    unread = page.count("(new)")
    assert unread >= 1
    token = form_token(page)
    marked = justice.post("/notifications/read", data={"form_token": token})
    assert f"{unread} notifications marked read" in marked.text
    assert "(new)" not in marked.text
    saved = justice.post(
        "/notifications/settings",
        data={"form_token": token, "email": "doj@justice.example", "delivery": "digest"},
    )
    assert "Saved: a digest" in saved.text
    assert 'value="doj@justice.example"' in saved.text
    refused = justice.post(
        "/notifications/settings",
        data={"form_token": token, "email": "not an address", "delivery": "digest"},
    )
    assert refused.status_code == 422


def test_cancelling_a_request_is_confirmed_first_and_says_what_it_did(
    signed_in: SignIn, site: Site
) -> None:
    number = _officers_for_el_centro(site)
    requester = signed_in("dhs.requester")
    token = form_token(requester.get(f"/requests/{number}").text)
    fields = {"form_token": token, "revision": "2", "reason": "CBP found officers locally"}
    asked = requester.post(f"/requests/{number}/cancel", data=fields)
    assert asked.status_code == 200
    assert "Line 1: 10 LEO at ELC" in asked.text
    assert "submitted → <strong>cancelled</strong>" in asked.text
    assert 'data-testid="request-status">submitted<' in requester.get(f"/requests/{number}").text
    done = requester.post(f"/requests/{number}/cancel", data=fields | {"confirmed": "yes"})
    assert 'data-testid="request-status">cancelled<' in done.text
    assert f"{number} cancelled: line 1 cancelled" in done.text
