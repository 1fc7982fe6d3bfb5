"""Browser-test harness: a live uvicorn server, Debian's headless Chromium, and axe-core.

Nothing here downloads anything: Chromium is Debian's (/usr/bin/chromium, installed by .ci/run)
and axe-core comes from tests/web/node_modules (`npm ci --prefix tests/web`, also in .ci/run).
Tests that need them call `skip_without_browser()` and are skipped, with the reason, when either
is missing.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypedDict

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"

# Containers run as root without user namespaces, and /dev/shm may be small.
CHROMIUM_ARGS = ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu")

# WCAG 2.0/2.1/2.2 level A and AA, plus axe's best practices.
DEFAULT_AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")


class Violation(TypedDict):
    """One failed axe rule: its id, impact, one-line help and the CSS targets of failing nodes."""

    id: str
    impact: str | None
    help: str
    help_url: str
    targets: list[str]


def browser_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append(f"{AXE_JS} (npm ci --prefix tests/web)")
    return "browser tests need " + " and ".join(missing) if missing else None


def skip_without_browser() -> pytest.MarkDecorator:
    """A marker that skips a test (or module, as `pytestmark`) when Chromium or axe is missing."""
    reason = browser_missing_reason()
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def launch_chromium(playwright: Playwright, **options: Any) -> Browser:
    """Debian's Chromium, headless, with container-friendly flags; `options` go to launch()."""
    args = [*CHROMIUM_ARGS, *options.pop("args", ())]
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=args, **options
    )


@contextmanager
def chromium(**options: Any) -> Iterator[Browser]:
    """Start Playwright and Debian's Chromium; close both on exit."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, **options)
        try:
            yield browser
        finally:
            browser.close()


class LiveServer:
    """Serve an ASGI app with uvicorn in a background thread on 127.0.0.1 and a free port.

    >>> with LiveServer(app) as server:
    ...     page.goto(server.url + "/")
    """

    def __init__(self, app: Any, *, startup_timeout: float = 10.0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._startup_timeout = startup_timeout

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not self._answers():
            if not self._thread.is_alive():
                self._sock.close()
                raise RuntimeError(f"uvicorn stopped before answering on {self.url}")
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"uvicorn did not answer on {self.url} in time")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def _answers(self) -> bool:
        if not self._server.started:
            return False
        try:
            with urllib.request.urlopen(self.url + "/", timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer (404, 401, ...) means the server is up
        except OSError:
            return False


def axe_violations(
    page: Page,
    *,
    tags: Sequence[str] = DEFAULT_AXE_TAGS,
    rules: Sequence[str] | None = None,
    disable: Sequence[str] = (),
) -> list[Violation]:
    """Run axe-core on the page as it is now; its violations.

    `rules`, when given, runs only those rule ids (instead of `tags`); `disable` turns rules off.
    axe is injected with page.evaluate (DevTools' Runtime.evaluate), which the page's
    Content-Security-Policy does not govern, so pages keep their real CSP during the check.
    The page's context must have JavaScript enabled.
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    run_only = {"type": "rule", "values": [*rules]} if rules else {"type": "tag", "values": [*tags]}
    options = {
        "runOnly": run_only,
        "rules": {rule: {"enabled": False} for rule in disable},
        "resultTypes": ["violations"],
    }
    violations: list[Violation] = page.evaluate(
        """async (options) => {
            const result = await window.axe.run(document, options);
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                help_url: v.helpUrl,
                targets: v.nodes.map((n) => n.target.map(String).join(" >>> ")),
            }));
        }""",
        options,
    )
    return violations


def describe(violations: Sequence[Violation]) -> str:
    """Violations as readable lines, for assertion messages."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['targets'])}" for v in violations
    )
