"""Lists that scale: the request board, strength and support searched, filtered, sorted and
paged on the server, with the same parameters as the JSON API."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from mobilize.auth.service import create_token
from mobilize.core.db import session_scope
from tests.web.conftest import OPERATION, SignIn, Site

DASHBOARD = f"/operations/{OPERATION}"
NUMBER = re.compile(r'<a href="/requests/(RFA-\d{4}-\d{4})">')


def test_the_board_searches_filters_and_sorts(signed_in: SignIn, site: Site) -> None:
    client = signed_in("dhs.requester")
    listed = client.get("/requests", params={"view": "list", "sort": "-number"}).text
    assert NUMBER.findall(listed) == sorted(site.numbers, reverse=True)
    assert 'aria-sort="descending"' in listed
    by_people = client.get("/requests", params={"view": "list", "sort": "personnel"}).text
    people = [
        int(n.replace(",", "")) for n in re.findall(r'data-label="People">([\d,]+)<', by_people)
    ]
    assert len(people) == len(site.numbers)
    assert people == sorted(people)
    one = client.get("/requests", params={"view": "list", "q": site.numbers[0]}).text
    assert NUMBER.findall(one) == [site.numbers[0]]
    assert "1 request match." in one
    nothing = client.get("/requests", params={"capability": "NOPE"}).text
    assert NUMBER.findall(nothing) == []
    assert "0 requests match." in nothing


def test_strength_rows_filter_and_sort_like_the_api(
    app: FastAPI, signed_in: SignIn, site: Site
) -> None:
    client = signed_in("army.planner")
    wanted = {"on": "2018-12-20", "component": "active", "sort": "-deployed"}
    shown = client.get(f"{DASHBOARD}/strength", params=wanted).text
    table = shown.split('data-testid="strength-rows"')[1].split("</table>")[0]
    components = re.findall(r'data-label="Component">([^<]+)<', table)
    deployed = [
        int(v.replace(",", "")) for v in re.findall(r'data-label="Deployed">([\d,]+)<', table)
    ]
    assert components
    assert set(components) == {"active"}
    assert deployed == sorted(deployed, reverse=True)
    with session_scope(site.engine) as session:
        token = create_token(session, site.key, "army.planner")
    with TestClient(app) as api:
        answer = api.get(
            f"/api/operations/{OPERATION}/strength",
            params={"date": "2018-12-20", "component": "active", "sort": "-deployed"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    assert [row["deployed"] for row in answer.json()["rows"]] == deployed


def test_support_is_searched_by_agency(signed_in: SignIn) -> None:
    client = signed_in("army.planner")
    everyone = client.get(f"{DASHBOARD}/support", params={"on": "2018-12-24"}).text
    justice = client.get(f"{DASHBOARD}/support", params={"on": "2018-12-24", "q": "DOJ"}).text
    agencies = re.findall(r'<tr><th scope="row">([^<]+)</th>', justice)
    assert agencies == ["DOJ", "All agencies"]
    total = re.search(r"All agencies</th><td colspan=\"5\"></td><td[^>]*>([\d,]+)<", everyone)
    assert total is not None
    assert total.group(1) in justice  # the totals stay those of every agency


def test_plans_filter_by_status(signed_in: SignIn) -> None:
    client = signed_in("army.planner")
    none_adopted = client.get(f"{DASHBOARD}/plans", params={"status": "adopted"}).text
    assert "No plan" in none_adopted
