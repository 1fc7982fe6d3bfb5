"""In Debian's Chromium against a live server that e-mails through a real local SMTP server
(aiosmtpd): the DOJ responder finds RFA-2018-0003 in what awaits them, counted in the menu,
and gets an e-mail; a planner adopts a plan after a confirmation that states the shortfall
against the adopted plan, is told it was done, and adopts the earlier plan again. The new
pages pass axe-core and fit a 390 px wide phone. The inbox screenshot goes to
docs/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from mobilize.auth.service import actor_named
from mobilize.core.db import session_scope
from mobilize.core.settings import Settings, SmtpSettings
from mobilize.inbox.models import Delivery
from mobilize.inbox.service import set_delivery
from mobilize.operations.plan_run import plan_operation
from mobilize.operations.plans import adopt_plan, store_plan
from mobilize.operations.service import get_operation
from mobilize.operations.tasks import mark_done
from mobilize.passes.service import PassRequest
from mobilize.planning.service import PlanRequest
from mobilize.server import create_app
from tests.inbox.conftest import Mailbox, mailbox, smtp  # noqa: F401 (fixtures)
from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser
from tests.web.conftest import AUDIT_KEY, OPERATION, Site, password_of
from tests.web.test_inbox_pages import _officers_for_el_centro

pytestmark = skip_without_browser()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DOJ_ADDRESS = "doj.responder@justice.example"


@pytest.fixture
def server(site: Site, tmp_path: Path, smtp: SmtpSettings) -> Iterator[LiveServer]:  # noqa: F811
    settings = Settings(
        database_url=site.database_url,
        audit_key=AUDIT_KEY.decode(),
        audit_key_file=tmp_path / "unused.key",
        smtp=replace(smtp, send_every=0.5),
    )
    app = create_app(settings, run_jobs=True)
    with LiveServer(app) as live:
        yield live
    app.state.context.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _signed_in(browser: Browser, server: LiveServer, username: str, phone: bool) -> Page:
    viewport = PHONE if phone else {"width": 1280, "height": 900}
    page = browser.new_context(base_url=server.url, viewport=viewport).new_page()  # type: ignore[arg-type]
    page.goto("/sign-in")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password_of(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def _fits_a_phone_and_passes_axe(page: Page) -> None:
    found = axe_violations(page)
    assert not found, f"{page.url}:\n{describe(found)}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide at 390 px"


def test_the_responder_is_told_by_the_queue_and_by_email(
    browser: Browser,
    server: LiveServer,
    site: Site,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    with session_scope(site.engine) as session:
        responder = actor_named(session, "doj.responder")
        set_delivery(session, site.key, responder, DOJ_ADDRESS, Delivery.IMMEDIATE)
    number = _officers_for_el_centro(site)
    assert number == "RFA-2018-0003"

    justice = _signed_in(browser, server, "doj.responder", phone=True)
    expect(justice.get_by_role("heading", level=1)).to_have_text("Awaiting you")
    answer = justice.get_by_test_id("awaiting-answer")
    expect(answer).to_contain_text(f"{number} awaits your answer")
    expect(answer).to_contain_text("line 1: 10 LEO at ELC")
    count = justice.get_by_test_id("menu-awaiting").inner_text()
    shown = re.fullmatch(r"Awaiting you \((\d+)\)", count)
    assert shown is not None
    assert int(shown.group(1)) >= 1
    expect(justice.get_by_test_id("awaiting-count")).to_contain_text(f"{shown.group(1)} thing")
    _fits_a_phone_and_passes_axe(justice)
    justice.screenshot(path=str(SCREENSHOTS / "inbox.png"), full_page=True)

    [message] = mailbox.wait_for(DOJ_ADDRESS, timeout=30)
    assert message["Subject"].startswith(f"{number} awaits your answer")
    assert f"/requests/{number}" in message.get_content()

    justice.goto("/notifications")
    expect(justice.get_by_test_id("notification").first).to_contain_text(number)
    expect(justice.get_by_test_id("notification").first).to_contain_text("e-mailed")
    _fits_a_phone_and_passes_axe(justice)
    answer_link = justice.get_by_role("link", name=re.compile(f"^{number} awaits your answer"))
    answer_link.first.click()
    expect(justice.get_by_test_id("request-status")).to_have_text("submitted")

    requester = _signed_in(browser, server, "dhs.requester", phone=True)
    requester.goto(f"/requests/{number}")
    requester.get_by_label("Reason").fill("CBP found officers locally")
    requester.get_by_role("button", name="Cancel the request").click()
    expect(requester.get_by_test_id("confirm-lines")).to_contain_text("submitted → cancelled")
    _fits_a_phone_and_passes_axe(requester)
    requester.get_by_role("button", name="Confirm: cancel the request").click()
    expect(requester.get_by_test_id("request-status")).to_have_text("cancelled")
    expect(requester.get_by_test_id("done")).to_contain_text(f"{number} cancelled")


def _two_plans_the_first_adopted(site: Site) -> tuple[int, int]:
    """army.planner's plan 1 (adopted), then plan 2 after the RGV wire is laid early."""

    def store(session: object, scenario: object, document: object) -> int:
        return store_plan(session, site.key, scenario, document, "army.planner").number  # type: ignore[arg-type]

    greedy = PlanRequest(solver="greedy")
    passes = PassRequest(solver="greedy")
    first = plan_operation(site.engine, OPERATION, greedy, passes, store).stored
    with session_scope(site.engine) as session:
        operation = get_operation(session, OPERATION)
        adopt_plan(session, site.key, operation, first, "army.planner")
        mark_done(session, site.key, operation, "wire-RGV", date(2018, 12, 10), "army.planner")
    second = plan_operation(site.engine, OPERATION, greedy, passes, store).stored
    return first, second


def test_a_planner_adopts_after_a_confirmation_and_adopts_the_earlier_plan_again(
    browser: Browser, server: LiveServer, site: Site
) -> None:
    first, second = _two_plans_the_first_adopted(site)
    planner = _signed_in(browser, server, "army.planner", phone=True)
    plans = f"/operations/{OPERATION}/plans"
    planner.goto(plans)
    expect(planner.get_by_role("cell", name="army.planner").first).to_be_visible()  # made by
    planner.goto(f"{plans}/{second}")
    planner.get_by_role("button", name="Adopt: its actions become orders").click()
    expect(planner.get_by_role("heading", level=1)).to_have_text(f"Adopt plan {second}?")
    shortfall = planner.get_by_test_id("adopt-shortfall")
    expect(shortfall).to_contain_text(
        re.compile(
            rf"[\d,]+ shortfall person-days against [\d,]+ in the adopted plan \(plan {first}\)"
        )
    )
    expect(planner.get_by_test_id("adopt-orders")).to_contain_text("new order")
    _fits_a_phone_and_passes_axe(planner)
    planner.get_by_role("button", name=f"Confirm: adopt plan {second}").click()
    expect(planner.get_by_test_id("plan-status")).to_have_text("adopted")
    expect(planner.get_by_test_id("done")).to_contain_text(f"Plan {second} adopted: ")
    expect(planner.get_by_test_id("done")).to_contain_text(f"plan {first} superseded")

    planner.goto(f"{plans}/{first}")
    expect(planner.get_by_test_id("plan-status")).to_have_text("superseded")
    planner.get_by_role("button", name=re.compile("^Adopt again")).click()
    expect(planner.get_by_role("main")).to_contain_text("was adopted before and superseded")
    planner.get_by_role("button", name=f"Confirm: adopt plan {first}").click()
    expect(planner.get_by_test_id("plan-status")).to_have_text("adopted")
    expect(planner.get_by_test_id("done")).to_contain_text(f"plan {second} superseded")
