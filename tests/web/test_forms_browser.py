"""Forms that help, in Chromium: a filing with five mistakes shows all five at once — in the
summary, which links to each field, and beside each field — keeps everything typed, and files
once they are put right. The new pages (the form with its errors, the papers, a plan's orders)
pass axe-core and do not scroll sideways on a 390 px phone. Screenshots for the docs: the form
with its errors, and the printed ICS-213RR (the PDF drawn by pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import InProcessWorker
from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser
from tests.web.conftest import OPERATION, Site, password_of, web_app

pytestmark = skip_without_browser()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DASHBOARD = f"/operations/{OPERATION}"


@pytest.fixture
def server(site: Site, tmp_path: Path) -> Iterator[LiveServer]:
    app = web_app(site, tmp_path, run_jobs=False)
    with LiveServer(app) as live:
        yield live
    app.state.context.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _signed_in(
    browser: Browser, server: LiveServer, username: str, viewport: dict[str, int]
) -> Page:
    page = browser.new_context(base_url=server.url, viewport=viewport).new_page()  # type: ignore[arg-type]
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password_of(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def _line(page: Page, row: int, values: dict[str, str]) -> None:
    """Fill line `row` (1-based): selects by their option's value or label, the rest typed."""
    for field, value in values.items():
        control = page.get_by_label(f"Line {row} {field}", exact=True)
        if control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def test_five_mistakes_are_shown_at_once_kept_and_put_right(
    browser: Browser, server: LiveServer
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _signed_in(browser, server, "dhs.requester", {"width": 1280, "height": 900})
    page.goto("/requests/new")
    expect(page.get_by_label("Operation")).to_have_value(OPERATION)  # the only one
    page.get_by_label("Justification").fill("Officers and police for El Centro, holidays.")
    _line(
        page,
        1,
        {
            "Capability": "Civilian law-enforcement officers (LEO)",
            "Component": "civilian",
            "Personnel": "many",
            "Location": "El Centro Sector (ELC)",
            "From": "2018-12-20",
            "To": "2018-12-01",
            "Addressed to": "DOJ",
        },
    )
    page.get_by_role("button", name="Add a line").click()  # in place, by the script
    expect(page.get_by_role("group", name="Line 2")).to_be_visible()
    _line(
        page,
        2,
        {
            "Capability": "MP",
            "Component": "active",
            "Personnel": "20",
            "From": "12/40/2018",
            "To": "2019-01-10",
            "Addressed to": "DoD",
        },
    )
    page.get_by_role("button", name="File the draft").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There are 5 problems")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Title: Enter a title",
            "Line 1 personnel: Enter the number of people as a whole number, like 1,200",
            "Line 1 to: The end date must be on or after the start date (2018-12-20)",
            "Line 2 location: Choose a location",
            "Line 2 from: Enter the start date as 2018-12-20, 12/20/2018 or 20 Dec 2018",
        ]
    )
    beside = {
        "title": "Enter a title",
        "lines-0-personnel": "like 1,200",
        "lines-0-ends_on": "on or after the start date",
        "lines-1-location": "Choose a location",
        "lines-1-starts_on": "12/20/2018",
    }
    for field, message in beside.items():
        expect(page.get_by_test_id(f"{field}-error")).to_contain_text(message)
    expect(page.get_by_label("Line 1 Personnel", exact=True)).to_have_value("many")
    expect(page.get_by_label("Line 1 Capability", exact=True)).to_have_value("LEO")
    expect(page.get_by_label("Line 2 From", exact=True)).to_have_value("12/40/2018")
    expect(page.get_by_label("Line 2 Addressed to", exact=True)).to_have_value("DoD")
    expect(page.get_by_label("Justification")).to_have_value(
        "Officers and police for El Centro, holidays."
    )
    found = axe_violations(page)
    assert not found, describe(found)
    page.screenshot(path=str(SCREENSHOTS / "filing-errors.png"), full_page=True)

    summary.get_by_role("link", name="Line 2 location: Choose a location").click()
    expect(page.get_by_label("Line 2 Location", exact=True)).to_be_focused()
    page.get_by_label("Title").fill("Officers and police for El Centro")
    _line(page, 1, {"Personnel": "1,200", "To": "10 Jan 2019"})
    _line(page, 2, {"Location": "ELC", "From": "12/20/2018"})
    page.get_by_role("button", name="File the draft").click()
    expect(page.get_by_test_id("request-status")).to_have_text("draft")
    expect(page.get_by_role("cell", name="1,200").first).to_be_visible()


def _fits_a_phone(page: Page, path: str) -> None:
    answer = page.goto(path)
    assert answer is not None
    assert answer.status < 400, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide at {PHONE['width']} px"
    found = axe_violations(page)
    assert not found, f"{path}:\n{describe(found)}"


def test_the_new_pages_fit_a_phone_and_pass_axe(browser: Browser, server: LiveServer) -> None:
    requester = _signed_in(browser, server, "dhs.requester", PHONE)
    for path in (
        "/requests/new",
        "/requests/RFA-2018-0002/ics-213rr",
        "/requests/RFA-2018-0002/approval-memo",
    ):
        _fits_a_phone(requester, path)
    requester.goto("/requests/new")
    requester.get_by_role("button", name="File the draft").click()  # nothing filled in
    expect(requester.get_by_test_id("error-summary")).to_be_visible()
    width = requester.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert not axe_violations(requester), describe(axe_violations(requester))


def test_a_plans_orders_page_fits_a_phone_and_passes_axe(
    browser: Browser, server: LiveServer, site: Site
) -> None:
    planner = _signed_in(browser, server, "army.planner", PHONE)
    planner.goto(f"{DASHBOARD}/plans")
    planner.get_by_label("Time limit (seconds)").fill("10")
    planner.get_by_role("button", name="Plan the operation as it stands").click()
    worker = InProcessWorker(site.engine, site.key, {PLAN_JOB: plan_handler(site.engine, site.key)})
    while worker.run_once() is not None:
        pass
    _fits_a_phone(planner, f"{DASHBOARD}/plans/1/orders.html")
    expect(planner.get_by_role("heading", level=1)).to_have_text(f"Orders: {OPERATION}, plan 1")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
def test_the_printed_ics_213rr_as_a_picture(browser: Browser, server: LiveServer) -> None:
    page = _signed_in(browser, server, "dhs.requester", {"width": 1280, "height": 900})
    answer = page.request.get(f"{server.url}/requests/RFA-2018-0001/ics-213rr.pdf")
    assert answer.ok
    assert answer.body().startswith(b"%PDF-")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = SCREENSHOTS / "ics-213rr"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", "-", str(stem)],
        input=answer.body(),
        check=True,
    )
    assert stem.with_suffix(".png").stat().st_size > 10_000
