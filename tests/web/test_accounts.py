"""An open browser session is refused on its next request once its user is disabled, their
password reset, their tokens revoked or their sessions ended (plain HTTP, the session cookie
as the browser holds it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from mobilize.auth.accounts import disable_user, end_sessions, reset_password
from mobilize.auth.service import revoke_tokens
from mobilize.core.db import session_scope
from tests.web.conftest import OPERATION, SignIn, Site

DASHBOARD = f"/operations/{OPERATION}"
ACTS: dict[str, Callable[[Session, bytes, str], object]] = {
    "disable": disable_user,
    "reset-password": reset_password,
    "tokens revoke": revoke_tokens,
    "sessions-end": end_sessions,
}


@pytest.mark.parametrize("act", list(ACTS))
def test_an_open_session_is_refused_on_its_next_request(
    signed_in: SignIn, site: Site, act: str
) -> None:
    browser = signed_in("cbp.planner")
    assert browser.get(DASHBOARD).status_code == 200
    with session_scope(site.engine) as session:
        ACTS[act](session, site.key, "cbp.planner")
    refused = browser.get(DASHBOARD, follow_redirects=False)
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/sign-in")
    posted = browser.post("/sign-out", data={"form_token": "x"}, follow_redirects=False)
    assert posted.status_code == 303  # no session: to the sign-in page, nothing done
