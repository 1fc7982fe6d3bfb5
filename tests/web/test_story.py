"""The reference story in a real browser (Debian's Chromium through Playwright), against a real
server: DHS files a request to the six departments and DoD; Justice offers its officers; DoD
offers and the Secretary signs with the criteria; a planner runs a plan, watches it finish
live, and adopts it; the dashboard shows active duty under 4,000 after 16 December. Then every
page passes axe-core's checks and renders without JavaScript. Screenshots go to
docs/screenshots/, which the README shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser
from tests.web.conftest import OPERATION, Site, password_of, web_app

pytestmark = skip_without_browser()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DEPARTMENTS = ("DOJ", "DOS", "DOE", "DOT", "DOL", "DOI")
DASHBOARD = f"/operations/{OPERATION}"


@pytest.fixture
def server(site: Site, tmp_path: Path) -> Iterator[LiveServer]:
    app = web_app(site, tmp_path, run_jobs=True)
    with LiveServer(app) as live:
        yield live
    app.state.context.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _signed_in(browser: Browser, server: LiveServer, username: str, scripts: bool = True) -> Page:
    context = browser.new_context(
        base_url=server.url, java_script_enabled=scripts, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password_of(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def _file_request(page: Page) -> str:
    page.goto("/requests/new")
    page.get_by_label("Title").fill("More officers for El Centro over the holidays")
    page.get_by_label("Justification").fill("CBP asks for officers at El Centro, 20 Dec to 10 Jan.")
    page.get_by_label("Operation").select_option(OPERATION)
    lines = [(agency, "LEO", "civilian", 10) for agency in DEPARTMENTS]
    lines.append(("DoD", "MP", "active", 20))
    for index, (agency, capability, component, personnel) in enumerate(lines, start=1):
        if index > 1:
            page.get_by_role("button", name="Add a line").click()
        page.get_by_label(f"Line {index} Capability", exact=True).select_option(capability)
        page.get_by_label(f"Line {index} Component", exact=True).select_option(component)
        page.get_by_label(f"Line {index} Personnel", exact=True).fill(str(personnel))
        page.get_by_label(f"Line {index} Location", exact=True).select_option("ELC")
        page.get_by_label(f"Line {index} From", exact=True).fill("2018-12-20")
        page.get_by_label(f"Line {index} To", exact=True).fill("2019-01-10")
        page.get_by_label(f"Line {index} Addressed to", exact=True).select_option(agency)
    page.get_by_role("button", name="File the draft").click()
    expect(page.get_by_test_id("request-status")).to_have_text("draft")
    page.get_by_role("button", name="Submit to the supporting agencies").click()
    expect(page.get_by_test_id("request-status")).to_have_text("submitted")
    number = re.search(r"/requests/(RFA-\d{4}-\d{4})", page.url)
    assert number is not None
    return number.group(1)


def test_the_reference_story_in_the_browser(browser: Browser, server: LiveServer) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dhs = _signed_in(browser, server, "dhs.requester")
    number = _file_request(dhs)
    request_path = f"/requests/{number}"

    justice = _signed_in(browser, server, "doj.responder")
    justice.goto(request_path)
    justice.get_by_label("Line 1: 10 LEO at ELC").select_option("all")
    justice.get_by_role("button", name="Send the answer").click()
    expect(justice.get_by_test_id("line-1-status")).to_have_text("offered")

    dod = _signed_in(browser, server, "dod.responder")
    dod.goto(request_path)
    dod.get_by_label("Line 7: 20 MP at ELC").select_option("all")
    dod.get_by_role("button", name="Send the answer").click()
    expect(dod.get_by_test_id("line-7-status")).to_have_text("offered")

    lead = _signed_in(browser, server, "army.planner")
    lead.goto(request_path)
    lead.get_by_role("button", name=re.compile("^Accept into")).click()
    expect(lead.get_by_role("button", name=re.compile("^Accept into"))).to_have_count(0)

    secretary = _signed_in(browser, server, "dod.secdef")
    secretary.goto(request_path)
    _sign_after_judging(secretary)
    expect(secretary.get_by_test_id("line-1-status")).to_have_text("offered")  # DOJ's to sign
    secretary.screenshot(path=str(SCREENSHOTS / "request.png"), full_page=True)

    planner = _signed_in(browser, server, "army.planner")
    planner.goto(f"{DASHBOARD}/plans")
    planner.get_by_label("Time limit (seconds)").fill("10")
    planner.get_by_role("button", name="Plan the operation as it stands").click()
    expect(planner.get_by_test_id("job-status")).to_have_text("done", timeout=90_000)
    expect(planner.get_by_test_id("job-short")).to_contain_text("person-days short")
    expect(planner).to_have_url(re.compile(r"/plans/\d+$"), timeout=15_000)  # moves on itself
    planner.get_by_role("button", name="Adopt: its actions become orders").click()
    expect(planner.get_by_test_id("adopt-shortfall")).to_contain_text("shortfall person-days")
    planner.get_by_role("button", name=re.compile(r"^Confirm: adopt plan \d+$")).click()
    expect(planner.get_by_test_id("plan-status")).to_have_text("adopted")
    expect(planner.get_by_test_id("done")).to_contain_text("adopted")
    planner.screenshot(path=str(SCREENSHOTS / "plan.png"), full_page=True)

    planner.goto(f"{DASHBOARD}?on=2018-12-20")
    active = planner.get_by_test_id("deployed-active").inner_text()
    assert 0 < int(active.replace(",", "")) < 4000
    expect(planner.locator("#strength-chart .main-svg").first).to_be_visible()  # Plotly drew
    planner.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    _check_every_page(browser, server, request_path)


CRITERIA = ("Legality", "Lethality", "Risk", "Cost", "Appropriateness", "Readiness")


def _sign_after_judging(secretary: Page) -> None:
    """Nothing is judged at first and signing is refused until every criterion is; the cost,
    the cap headroom day by day and the readiness are shown beside the criteria."""
    for criterion in CRITERIA:
        expect(secretary.get_by_label(criterion, exact=True)).to_have_value("")
    expect(secretary.get_by_label("Decision")).to_have_value("")
    expect(secretary.get_by_test_id("package-cost")).to_contain_text("$")
    expect(secretary.get_by_test_id("package-cap-active")).to_contain_text("4,000")
    expect(secretary.get_by_test_id("package-share-MP")).to_contain_text("%")
    secretary.get_by_role("button", name="Sign", exact=True).click()
    expect(secretary.get_by_test_id("line-7-status")).to_have_text("offered")  # refused
    for criterion in CRITERIA[:-1]:
        secretary.get_by_label(criterion, exact=True).select_option("satisfied")
    secretary.get_by_label("Decision").select_option("approve")
    secretary.screenshot(path=str(SCREENSHOTS / "sign.png"), full_page=True)
    secretary.get_by_role("button", name="Sign", exact=True).click()
    expect(secretary.get_by_test_id("line-7-status")).to_have_text("offered")  # one unjudged
    secretary.get_by_label(CRITERIA[-1], exact=True).select_option("satisfied")
    secretary.get_by_role("button", name="Sign", exact=True).click()
    expect(secretary.get_by_test_id("confirm-lines")).to_contain_text("offered → approved")
    secretary.get_by_role("button", name="Confirm: sign").click()
    expect(secretary.get_by_test_id("line-7-status")).to_have_text("approved")
    expect(secretary.get_by_test_id("done")).to_contain_text("line 7 approved")


PAGES = (
    "/",
    "/notifications",
    "/requests",
    "/requests/new",
    f"{DASHBOARD}?on=2018-12-20",
    f"{DASHBOARD}/plans",
    f"{DASHBOARD}/plans/1",
    f"{DASHBOARD}/passes",
    f"{DASHBOARD}/strength?on=2018-12-24",
    f"{DASHBOARD}/support?on=2018-12-24",
    "/audit?type=request&id=RFA-2018-0002",
    f"{DASHBOARD}/plans/compare?first=1&second=1",
    "/jobs/1",  # the live view, once the job is over
    "/requests/RFA-2018-0001",  # not the planner's: the error page
)


def _check_every_page(browser: Browser, server: LiveServer, request_path: str) -> None:
    """Each page: no axe violation (labels, contrast, headings, landmarks), and its heading
    and text without JavaScript."""
    with_scripts = _signed_in(browser, server, "army.planner")
    without = _signed_in(browser, server, "army.planner", scripts=False)
    for path in (*PAGES, request_path):
        with_scripts.goto(path)
        found = axe_violations(with_scripts)
        assert not found, f"{path}:\n{describe(found)}"
        without.goto(path)
        expect(without.locator("h1")).to_have_count(1)
        assert "Sign out" in without.inner_text("header")
    sign_in = browser.new_context(base_url=server.url).new_page()
    sign_in.goto("/sign-in")
    assert not axe_violations(sign_in), describe(axe_violations(sign_in))


def test_another_agency_sees_and_does_only_its_own_in_the_browser(
    browser: Browser, server: LiveServer
) -> None:
    justice = _signed_in(browser, server, "doj.responder")
    justice.goto("/requests")
    expect(justice.get_by_role("link", name="RFA-2018-0001")).to_be_visible()
    expect(justice.get_by_role("link", name="RFA-2018-0002")).to_have_count(0)
    answer = justice.goto("/requests/RFA-2018-0002")
    assert answer is not None
    assert answer.status == 403
    expect(justice.get_by_role("heading", level=1)).to_have_text("Not allowed")
    justice.goto("/requests/RFA-2018-0001")
    expect(justice.get_by_role("button", name="Amend")).to_have_count(0)
    expect(justice.get_by_role("button", name="Sign", exact=True)).to_have_count(0)
    expect(justice.get_by_role("button", name="Cancel the request")).to_have_count(0)
    forged = justice.request.post(
        f"{server.url}/requests/RFA-2018-0001/cancel",
        form={"form_token": "from-another-site", "revision": "1", "reason": "forged"},
    )
    assert forged.status == 403
    planner = justice.request.post(
        f"{server.url}{DASHBOARD}/plans", form={"form_token": "x", "time_limit": "5"}
    )
    assert planner.status == 403
