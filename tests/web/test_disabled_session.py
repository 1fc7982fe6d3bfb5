"""In a real browser: a signed-in page is sent to sign in on its next request once the user
is disabled, and the user cannot sign back in; the accounts page passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from mobilize.auth.accounts import disable_user
from mobilize.core.db import session_scope
from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser
from tests.web.conftest import OPERATION, Site, password_of, web_app

pytestmark = skip_without_browser()
USER = "cbp.planner"


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


def test_a_disabled_users_open_browser_session_is_refused_on_its_next_request(
    browser: Browser, server: LiveServer, site: Site
) -> None:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(password_of(USER))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"/operations/{OPERATION}")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with session_scope(site.engine) as session:
        disable_user(session, site.key, USER)
    page.reload()
    assert "/sign-in" in page.url
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(password_of(USER))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("unknown user or wrong password")).to_be_visible()
    context.close()


def test_the_accounts_page_passes_axe(browser: Browser, server: LiveServer) -> None:
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/sign-in")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(password_of("admin"))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("button", name="Disable cbp.planner")).to_be_visible()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    context.close()
