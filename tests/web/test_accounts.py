"""An open browser session is refused on its next request once its user is disabled, their
password reset, their tokens revoked or their sessions ended (plain HTTP, the session cookie
as the browser holds it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.models import AuditRecord
from mobilize.auth.accounts import disable_user, end_sessions, reset_password
from mobilize.auth.service import revoke_tokens
from mobilize.core.db import session_scope
from tests.web.conftest import OPERATION, SignIn, Site, form_token

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


def test_an_admin_shuts_an_account_of_their_agencies_from_the_accounts_page(
    signed_in: SignIn, site: Site
) -> None:
    admin, planner = signed_in("admin"), signed_in("cbp.planner")
    listed = admin.get("/admin/users")
    assert listed.status_code == 200
    assert "cbp.planner" in listed.text
    assert "dod.responder" not in listed.text  # DoD is not the DHS admin's to manage
    token = form_token(listed.text)
    done = admin.post(
        "/admin/users/cbp.planner/disable", data={"form_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert planner.get(DASHBOARD, follow_redirects=False).status_code == 303
    with session_scope(site.engine) as session:
        record = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "user.disable")
        ).one()
        assert (record.actor, record.object_id, record.outcome) == ("admin", "cbp.planner", "ok")
    elsewhere = admin.post("/admin/users/dod.responder/disable", data={"form_token": token})
    assert elsewhere.status_code == 403
    forged = admin.post("/admin/users/dhs.requester/disable", data={"form_token": "x"})
    assert forged.status_code == 403


def test_the_accounts_page_is_for_admins_only(signed_in: SignIn) -> None:
    assert signed_in("cbp.planner").get("/admin/users").status_code == 403
