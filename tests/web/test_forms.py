"""Forms that help, without a browser: every mistake of a filing at once, beside its field and
in a summary, in plain words, with what was typed kept; names, numbers and dates as people
type them; rows added and removed without JavaScript; and every other form (answer, sign,
amend, fill, compare, plan, sign in) coming back as it was filled when it is refused."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import OPERATION, SignIn, form_token, submit_sign_in

DASHBOARD = f"/operations/{OPERATION}"
REVISION = re.compile(r'name="revision" value="(\d+)"')


def _line(row: int, **fields: str) -> dict[str, str]:
    return {f"lines-{row}-{name}": value for name, value in fields.items()}


def _error_beside(page: str, field: str) -> str:
    found = re.search(rf'id="{re.escape(field)}-error"[^>]*>([^<]*)<', page)
    assert found, f"no message beside {field}"
    return html.unescape(found.group(1))


def _summary(page: str) -> list[str]:
    box = re.search(r'data-testid="error-summary">(.*?)</div>', page, re.S)
    assert box, "an error summary at the top"
    return [html.unescape(m) for m in re.findall(r'<a href="#[^"]+">([^<]*)</a>', box.group(1))]


def _file(client: TestClient, data: dict[str, str]) -> Any:
    token = form_token(client.get("/requests/new").text)
    return client.post("/requests/new", data={"form_token": token} | data, follow_redirects=False)


FIVE_MISTAKES = {
    "title": "",
    "justification": "Officers for El Centro over the holidays.",
    "operation": OPERATION,
    "line_count": "2",
    **_line(
        0,
        capability="LEO",
        component="civilian",
        personnel="many",
        location="ELC",
        starts_on="2018-12-20",
        ends_on="2018-12-01",
        supporting_agency="DOJ",
    ),
    **_line(
        1,
        capability="MP",
        component="active",
        personnel="20",
        location="",
        starts_on="12/40/2018",
        ends_on="2019-01-10",
        supporting_agency="DoD",
    ),
}


def test_a_filing_with_five_mistakes_shows_all_five_in_plain_words_and_keeps_the_input(
    signed_in: SignIn,
) -> None:
    answer = _file(signed_in("dhs.requester"), FIVE_MISTAKES)
    assert answer.status_code == 422
    page = answer.text
    expected = {
        "title": "Enter a title",
        "lines-0-personnel": "Enter the number of people as a whole number, like 1,200",
        "lines-0-ends_on": "The end date must be on or after the start date (2018-12-20)",
        "lines-1-location": "Choose a location",
        "lines-1-starts_on": "Enter the start date as 2018-12-20, 12/20/2018 or 20 Dec 2018",
    }
    for field, message in expected.items():
        assert _error_beside(page, field) == message
    assert _summary(page) == [
        "Title: Enter a title",
        "Line 1 personnel: Enter the number of people as a whole number, like 1,200",
        "Line 1 to: The end date must be on or after the start date (2018-12-20)",
        "Line 2 location: Choose a location",
        "Line 2 from: Enter the start date as 2018-12-20, 12/20/2018 or 20 Dec 2018",
    ]
    assert "validation" not in page
    assert "Input should" not in page
    assert ">Officers for El Centro over the holidays.</textarea>" in page
    assert 'value="many"' in page
    assert 'value="12/40/2018"' in page
    assert re.search(r'<option value="ELC" selected>El Centro Sector \(ELC\)</option>', page)
    assert re.search(r'<option value="DoD" selected>Department of Defense \(DoD\)', page)


def test_names_numbers_and_dates_are_read_as_people_type_them(signed_in: SignIn) -> None:
    """The API takes what the pages show: "military police", "San Diego", "dod", "1,200",
    "12/20/2018", "20 Dec 2018"; the request stores the codes."""
    client = signed_in("dhs.requester")
    answer = client.post(
        "/requests/new",
        data={
            "form_token": form_token(client.get("/requests/new").text),
            "title": "Military police for San Diego",
            "justification": "Typed as people say it.",
            "operation": OPERATION,
            "line_count": "1",
            **_line(
                0,
                capability="military police",
                component="active",
                personnel="1,200",
                location="San Diego",
                starts_on="12/20/2018",
                ends_on="20 Dec 2018",
                supporting_agency="dod",
            ),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:3000]
    shown = client.get(answer.headers["location"]).text
    row = re.search(r'<th scope="row">1</th><td>(.*?)</tr>', shown, re.S)
    assert row is not None
    assert "MP (active)" in row.group(1)
    assert "1,200" in row.group(1)
    assert "SDC" in row.group(1)
    assert "2018-12-20 to 2018-12-20" in row.group(1)
    assert "DoD" in row.group(1)


def test_an_ambiguous_or_unknown_name_is_refused_beside_its_field(signed_in: SignIn) -> None:
    data = FIVE_MISTAKES | {"title": "t"} | _line(1, location="El", starts_on="2018-12-20")
    data |= _line(0, personnel="10", ends_on="2018-12-24", capability="Cooks")
    answer = _file(signed_in("dhs.requester"), data)
    assert answer.status_code == 422
    ambiguous = _error_beside(answer.text, "lines-1-location")
    assert ambiguous == "'El' could be El Centro Sector (ELC) or El Paso Sector (EPT): choose one"
    assert _error_beside(answer.text, "lines-0-capability").startswith(
        f"no capability 'Cooks' in {OPERATION}; choose one of Engineers (ENG), Military police"
    )


def test_lines_are_added_and_removed_without_javascript_keeping_what_was_typed(
    signed_in: SignIn,
) -> None:
    data = FIVE_MISTAKES | {"change": "add"}
    added = _file(signed_in("dhs.requester"), data)
    assert added.status_code == 200
    assert 'name="line_count" value="3"' in added.text
    assert "<legend>Line 3</legend>" in added.text
    assert 'data-testid="error-summary"' not in added.text  # not judged yet
    removed = _file(signed_in("dhs.requester"), FIVE_MISTAKES | {"change": "remove-0"})
    assert 'name="line_count" value="1"' in removed.text
    assert 'id="lines-0-starts_on" name="lines-0-starts_on"' in removed.text
    assert 'value="12/40/2018"' in removed.text  # line 2 moved up to line 1
    assert 'value="many"' not in removed.text


def _read(client: TestClient, path: str) -> tuple[str, str]:
    page = client.get(path).text
    revision = REVISION.search(page)
    assert revision is not None
    return form_token(page), revision.group(1)


def _post(client: TestClient, path: str, action: str, data: dict[str, str]) -> Any:
    token, revision = _read(client, path)
    return client.post(
        f"{path}/{action}",
        data={"form_token": token, "revision": revision} | data,
        follow_redirects=False,
    )


def _filed_and_submitted(signed_in: SignIn) -> str:
    client = signed_in("dhs.requester")
    data = {
        "title": "Officers and police for El Centro",
        "justification": "Holiday surge.",
        "operation": OPERATION,
        "line_count": "2",
        **_line(
            0,
            capability="LEO",
            component="civilian",
            personnel="10",
            location="ELC",
            starts_on="2018-12-20",
            ends_on="2019-01-10",
            supporting_agency="DOJ",
        ),
        **_line(
            1,
            capability="MP",
            component="active",
            personnel="20",
            location="ELC",
            starts_on="2018-12-20",
            ends_on="2019-01-10",
            supporting_agency="DoD",
        ),
    }
    filed = _file(client, data)
    assert filed.status_code == 303, filed.text[:2000]
    path = filed.headers["location"]
    assert _post(client, path, "submit", {}).status_code == 303
    return str(path)


def test_an_offer_without_a_number_comes_back_with_the_answer_kept(signed_in: SignIn) -> None:
    path = _filed_and_submitted(signed_in)
    answer = _post(
        signed_in("doj.responder"),
        path,
        "respond",
        {"offer-1": "part", "personnel-1": "", "note-1": "Marshals only"},
    )
    assert answer.status_code == 422
    assert "a part offer says how many" in answer.text
    assert 'href="#respond-problem"' in answer.text
    assert '<option value="part" selected>offer part</option>' in answer.text
    assert 'value="Marshals only"' in answer.text
    assert "Back to the start" not in answer.text


def test_an_approval_refused_by_the_rules_keeps_every_judgement(signed_in: SignIn) -> None:
    path = _filed_and_submitted(signed_in)
    assert _post(signed_in("dod.responder"), path, "respond", {"offer-2": "all"}).status_code == 303
    secretary = signed_in("dod.secdef")
    sha = re.search(r'name="version_sha256" value="([0-9a-f]{64})"', secretary.get(path).text)
    assert sha is not None
    criteria = ("legality", "lethality", "risk", "cost", "appropriateness", "readiness")
    judged = {f"criterion-{c}": "satisfied" for c in criteria}
    judged |= {"criterion-risk": "not_satisfied", "note-risk": "Too close to the crossing"}
    answer = _post(
        secretary,
        path,
        "decide",
        {"version_sha256": sha.group(1), "line-2": "1", "decision": "approve"} | judged,
    )
    assert answer.status_code == 409
    assert "not satisfied: risk; deny the line instead" in answer.text
    page = answer.text
    risk = re.search(r'id="criterion-risk".*?</select>', page, re.S)
    assert risk is not None
    assert '<option value="not_satisfied" selected>' in risk.group(0)
    assert 'value="Too close to the crossing"' in page
    assert '<option value="approve" selected>approve</option>' in page


def test_an_amendment_not_understood_comes_back_beside_its_field(signed_in: SignIn) -> None:
    answer = _post(
        signed_in("dhs.requester"),
        "/requests/RFA-2018-0002",
        "amend",
        {"amend-personnel-1": "lots", "note": "More for the holidays"},
    )
    assert answer.status_code == 422
    assert _error_beside(answer.text, "amend-personnel-1") == (
        "Enter the number of people as a whole number, like 1,200"
    )
    assert 'value="lots"' in answer.text
    assert 'value="More for the holidays"' in answer.text


def test_a_fill_refused_keeps_the_team_typed(signed_in: SignIn) -> None:
    path = _filed_and_submitted(signed_in)
    assert _post(signed_in("doj.responder"), path, "respond", {"offer-1": "all"}).status_code == 303
    assert _post(signed_in("army.planner"), path, "accept", {}).status_code == 303
    team = {
        "line": "1",
        "new-id": "usms-elc",
        "new-name": "U.S. Marshals team El Centro",
        "new-component": "civilian",
        "new-strength": "ten",
        "new-home": "San Diego CA",
        "new-lat": "32.7",
        "new-lon": "west",
    }
    answer = _post(signed_in("doj.responder"), path, "fill", team)
    assert answer.status_code == 422
    assert _error_beside(answer.text, "new-strength") == (
        "Enter the team's strength as a whole number, like 1,200"
    )
    assert _error_beside(answer.text, "new-lon") == "Enter the longitude as a number, like -117.08"
    assert 'value="U.S. Marshals team El Centro"' in answer.text
    assert 'value="32.7"' in answer.text


def test_compare_with_no_plans_chosen_says_so_on_the_plans_page(signed_in: SignIn) -> None:
    answer = signed_in("army.planner").get(f"{DASHBOARD}/plans/compare?first=1")
    assert answer.status_code == 422
    assert "Choose a plan in each column" in answer.text
    assert "<h1>Plans for" in answer.text
    assert "Field required" not in answer.text


def test_a_time_limit_not_understood_keeps_what_was_typed(signed_in: SignIn) -> None:
    client = signed_in("army.planner")
    token = form_token(client.get(f"{DASHBOARD}/plans").text)
    answer = client.post(f"{DASHBOARD}/plans", data={"form_token": token, "time_limit": "ten"})
    assert answer.status_code == 422
    assert _error_beside(answer.text, "time_limit").startswith("time limit: a number of seconds")
    assert 'value="ten"' in answer.text


def test_a_sign_in_from_a_stale_form_comes_back_with_the_name_kept(
    signed_in: SignIn,
) -> None:
    client = signed_in("dhs.requester")
    client.cookies.delete("mobilize_sign_in")
    answer = client.post(
        "/sign-in",
        data={"form_token": "old", "username": "dod.secdef", "password": "x", "next": "/"},
    )
    assert answer.status_code == 403
    assert 'value="dod.secdef"' in answer.text
    assert "open the sign-in page again" in answer.text
    again = submit_sign_in(client, "dod.secdef", "pw-dod.secdef-1")
    assert again.status_code == 303


def test_a_cancel_on_a_stale_page_says_so_and_keeps_the_reason(signed_in: SignIn) -> None:
    path = _filed_and_submitted(signed_in)
    requester = signed_in("dhs.requester")
    token, revision = _read(requester, path)
    assert _post(signed_in("doj.responder"), path, "respond", {"offer-1": "all"}).status_code == 303
    answer = requester.post(
        f"{path}/cancel",
        data={"form_token": token, "revision": revision, "reason": "Covered by DHS staff"},
    )
    assert answer.status_code == 412
    assert 'id="cancel-problem"' in answer.text
    assert 'value="Covered by DHS staff"' in answer.text
    assert 'data-testid="request-status">submitted<' in answer.text
