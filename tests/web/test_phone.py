"""Every page of the reference story on a phone (390 by 844 in Debian's Chromium): no sideways
scroll of the page itself (wide tables scroll in their own box or reflow), and axe-core's
checks; and the audit page lists the last actions without anything typed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from mobilize.jobs.plan_job import PLAN_JOB, plan_handler
from mobilize.jobs.worker import InProcessWorker
from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser
from tests.web.conftest import OPERATION, Site, form_token, password_of, web_app

pytestmark = skip_without_browser()
PHONE: ViewportSize = {"width": 390, "height": 844}
DASHBOARD = f"/operations/{OPERATION}"
PAGES = (
    "/requests",
    "/requests/new",
    "/requests/RFA-2018-0001",
    "/requests/RFA-2018-0002",
    DASHBOARD,
    f"{DASHBOARD}?on=2018-12-20",
    f"{DASHBOARD}/plans",
    f"{DASHBOARD}/plans/1",
    f"{DASHBOARD}/plans/compare?first=1&second=1",
    f"{DASHBOARD}/passes",
    f"{DASHBOARD}/strength?on=2018-12-24",
    f"{DASHBOARD}/support?on=2018-12-24",
    "/audit",
    "/audit?type=request&id=RFA-2018-0002",
    "/jobs/1",
)


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


def _phone(browser: Browser, server: LiveServer, username: str) -> Page:
    context = browser.new_context(base_url=server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password_of(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def _plan_once(page: Page, site: Site) -> None:
    """Plan 1 and job 1 exist, run here rather than behind the test."""
    page.goto(f"{DASHBOARD}/plans")
    token = form_token(page.content())
    queued = page.request.post(
        f"{DASHBOARD}/plans", form={"form_token": token, "time_limit": "5"}, max_redirects=0
    )
    assert queued.status == 303
    worker = InProcessWorker(site.engine, site.key, {PLAN_JOB: plan_handler(site.engine, site.key)})
    while worker.run_once() is not None:
        pass


def test_every_page_fits_a_phone_and_passes_axe(
    browser: Browser, server: LiveServer, site: Site
) -> None:
    planner = _phone(browser, server, "army.planner")
    _plan_once(planner, site)
    too_wide, failing = [], []
    for path in PAGES:
        answer = planner.goto(path)
        assert answer is not None
        assert answer.status in (200, 403), path
        width = planner.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{path}: {width} px")
        found = axe_violations(planner)
        if found:
            failing.append(f"{path}:\n{describe(found)}")
    admin = _phone(browser, server, "admin")
    for path in ("/admin/users", "/audit", "/"):
        admin.goto(path)
        width = admin.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide.append(f"{path} (admin): {width} px")
        found = axe_violations(admin)
        if found:
            failing.append(f"{path} (admin):\n{describe(found)}")
    assert not too_wide, "wider than the phone:\n" + "\n".join(too_wide)
    assert not failing, "\n".join(failing)


def test_the_sign_in_page_fits_a_phone(browser: Browser, server: LiveServer) -> None:
    page = browser.new_context(base_url=server.url, viewport=PHONE, is_mobile=True).new_page()
    page.goto("/sign-in")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not axe_violations(page), describe(axe_violations(page))


def test_the_audit_page_lists_the_last_actions_without_typing(
    browser: Browser, server: LiveServer
) -> None:
    requester = _phone(browser, server, "dhs.requester")
    requester.goto("/audit")
    rows = requester.get_by_test_id("audit-records").locator("tbody tr")
    expect(rows).to_have_count(25)
    first = rows.first.inner_text()
    assert re.search(r"\bsession\.start\b", first)  # their own sign-in, just now
    expect(requester.get_by_test_id("audit-count")).to_contain_text("Records 1\u201325 of")
    requester.get_by_label("User").fill("doj.responder")
    requester.get_by_role("button", name="Show").click()
    expect(requester).to_have_url(re.compile(r"user=doj\.responder"))
    expect(rows.first).to_contain_text("doj.responder")
    whos = rows.locator('td[data-label="Who"]').all_inner_texts()
    assert whos
    assert all(who.startswith("doj.responder") for who in whos)
