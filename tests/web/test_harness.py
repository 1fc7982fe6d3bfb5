"""The browser harness itself: live server, Debian's Chromium, axe-core under a strict CSP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from playwright.sync_api import Browser

from tests.web.browser import LiveServer, axe_violations, chromium, describe, skip_without_browser

pytestmark = skip_without_browser()

CSP = "default-src 'self'; script-src 'self'; frame-ancestors 'none'"

GOOD = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harness check</title><script src="/app.js"></script></head>
<body>
<main>
<h1>Support requests</h1>
<form method="post" action="/search">
  <label for="q">Search requests</label>
  <input id="q" name="q" type="search">
  <button type="submit">Search</button>
</form>
<script>document.documentElement.dataset.inline = "ran";</script>
</main>
</body>
</html>"""

BAD = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Broken page</title></head>
<body>
<main>
<h1>Broken</h1>
<input type="text" name="unlabelled">
<img src="/missing.png">
</main>
</body>
</html>"""

APP_JS = 'document.documentElement.dataset.external = "ran";'


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/good")
    def good() -> HTMLResponse:
        return HTMLResponse(GOOD, headers={"Content-Security-Policy": CSP})

    @app.get("/bad")
    def bad() -> HTMLResponse:
        return HTMLResponse(BAD, headers={"Content-Security-Policy": CSP})

    @app.get("/app.js")
    def app_js() -> Response:
        return Response(APP_JS, media_type="text/javascript")

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(make_app()) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def test_accessible_page_under_strict_csp_has_no_violations(
    server: LiveServer, browser: Browser
) -> None:
    page = browser.new_page()
    response = page.goto(server.url + "/good")
    assert response is not None
    assert response.headers["content-security-policy"] == CSP
    # The CSP is enforced: the same-origin script ran, the inline one was blocked.
    assert page.evaluate("document.documentElement.dataset.external") == "ran"
    assert page.evaluate("document.documentElement.dataset.inline") is None
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    page.close()


def test_inaccessible_page_reports_label_and_image_alt(
    server: LiveServer, browser: Browser
) -> None:
    page = browser.new_page()
    page.goto(server.url + "/bad")
    violations = axe_violations(page)
    by_id = {v["id"]: v for v in violations}
    assert {"label", "image-alt"} <= by_id.keys(), describe(violations)
    assert by_id["image-alt"]["targets"] == ["img"]
    assert by_id["label"]["impact"] == "critical"
    only_label = axe_violations(page, rules=["label"])
    assert [v["id"] for v in only_label] == ["label"]
    page.close()


def test_page_renders_without_javascript(server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server.url + "/good")
    assert page.title() == "Harness check"
    assert page.locator("h1").inner_text() == "Support requests"
    assert page.get_by_label("Search requests").is_visible()
    assert page.locator("html").get_attribute("data-external") is None
    context.close()


def test_secure_cookie_round_trips_on_loopback(browser: Browser) -> None:
    """Chromium treats http://127.0.0.1 as a secure context: it keeps a Secure cookie and sends
    it back (httpx's TestClient over http:// does not: it needs base_url="https://...")."""
    app = FastAPI()

    @app.get("/set")
    def set_cookie() -> Response:
        return Response(
            headers={"Set-Cookie": "sid=abc; Path=/; Secure; HttpOnly; SameSite=Strict"}
        )

    @app.get("/echo")
    def echo(request: Request) -> Response:
        return Response(request.headers.get("cookie", ""), media_type="text/plain")

    with LiveServer(app) as live:
        context = browser.new_context()
        page = context.new_page()
        page.goto(live.url + "/set")
        page.goto(live.url + "/echo")
        assert page.inner_text("body") == "sid=abc"
        context.close()
