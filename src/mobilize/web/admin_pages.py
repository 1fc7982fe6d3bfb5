"""The accounts page: an admin sees the users of the agencies they administer and shuts or
opens an account, or ends what it has open, through the same services as `mobilize users`,
audited under the admin's name. (A password reset stays on the command line, which shows
the new password once to the operator.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.auth.accounts import accounts_under, disable_user, enable_user, end_sessions
from mobilize.auth.models import Role, User
from mobilize.core.errors import Forbidden, NotFound
from mobilize.edge.context import Context, audited
from mobilize.web.context import User as SignedInUser
from mobilize.web.context import checked, holds_anywhere, page, posted_form, see_other

router = APIRouter(include_in_schema=False)
Username = Annotated[str, Path(pattern=r"^[^\x00/]{1,100}$")]
Act = Literal["disable", "enable", "sessions-end"]
ACTS: dict[str, Callable[..., Any]] = {
    "disable": disable_user,
    "enable": enable_user,
    "sessions-end": end_sessions,
}


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ctx: Context, who: SignedInUser) -> HTMLResponse:
    """The accounts an admin may shut: their agencies' users, active or not, sessions open."""

    def work(session: Session) -> list[dict[str, Any]]:
        if not holds_anywhere(who, Role.ADMIN):
            raise Forbidden(f"{who.actor.username} may not manage accounts: it needs admin")
        return [
            {"name": user.username, "agency": user.agency.path, "active": user.active, "open": n}
            for user, n in accounts_under(session, who.actor)
        ]

    accounts = audited(ctx, who.actor, "user.list", ("user", None), work)
    return page(request, "admin_users.html", who, accounts=accounts)


@router.post("/admin/users/{username}/{act}")
async def account_act(
    username: Username, act: Act, request: Request, ctx: Context, who: SignedInUser
) -> RedirectResponse:
    form = await posted_form(request)
    action = f"user.{act}"
    checked(ctx, who, form, action, ("user", username))

    def work(session: Session) -> None:
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise NotFound(f"no user {username!r}")
        who.actor.require(Role.ADMIN, user.agency.path, f"{act} {username}")
        ACTS[act](session, ctx.audit_key, username, actor=who.actor.username)

    audited(ctx, who.actor, action, ("user", username), work)
    return see_other("/admin/users")
