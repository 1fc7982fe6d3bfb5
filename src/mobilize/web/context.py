"""What every page needs: the signed-in user, templates, the form token, safe headers.

Pages call the same services as the JSON API, through `audited`, so a refusal in the browser
is refused by the same rule and leaves the same record. Nothing is loaded from elsewhere:
styles, scripts and Plotly's bundled JavaScript are served by the app itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mobilize.auth.models import Role
from mobilize.auth.sessions import SignedIn, check_form_token, signed_in
from mobilize.core.db import session_scope
from mobilize.core.errors import Unauthenticated
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.web.menu import OPERATION_COOKIE, menu_for, page_operation

SESSION_COOKIE = "mobilize_session"
FLASH_COOKIE = "mobilize_done"  # what the last action did, for the page it lands on
WEB_ROOT = Path(str(files("mobilize.web")))
templates = Jinja2Templates(directory=WEB_ROOT / "templates")

# Scripts only from this server; styles too, but for the style attributes Plotly sets on the
# elements it draws; nothing may frame the pages.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SignInNeeded(Exception):
    """The page needs a signed-in user; the handler sends the browser to the sign-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def current_user(request: Request, ctx: Context) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)

    def who(session: Session) -> SignedIn:
        return signed_in(session, token)

    try:
        with session_scope(ctx.engine) as session:
            return who(session)
    except Unauthenticated:
        raise SignInNeeded(request.url.path) from None


User = Annotated[SignedIn, Depends(current_user)]


async def posted_form(request: Request) -> dict[str, str]:
    """The posted form's fields, once its form token was checked against the session's."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def checked(
    ctx: ApiContext,
    who: SignedIn,
    form: Mapping[str, str],
    action: str,
    target: tuple[str, str | None],
) -> None:
    """Refuse (403) a form without the session's form token, recorded as a refused `action`
    on `target` like any other refusal."""

    def check(session: Session) -> None:
        check_form_token(who, form.get("form_token"))

    audited(ctx, who.actor, action, target, check)


def page(
    request: Request, template: str, who: SignedIn | None, status: int = 200, **values: Any
) -> HTMLResponse:
    values |= {
        "user": who,
        "form_token": who.form_token if who else "",
        "roles": sorted({role.value for _, role in who.actor.grants}) if who else [],
        "path": request.url.path,
        "menu": menu_for(request, who, values) if who else None,
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")) or None,
    }
    response = templates.TemplateResponse(request, template, values, status_code=status)
    if values["flash"]:
        response.delete_cookie(FLASH_COOKIE, path="/")  # shown once, on the page landed on
    operation = page_operation(values)
    if who and operation:
        _set_cookie(response, OPERATION_COOKIE, quote(operation), 30 * 24 * 3600)
    return response


def see_other(location: str, message: str | None = None) -> RedirectResponse:
    """After a POST: 303, so that reloading the page does not post again; `message` (what
    was done) is shown once on the page landed on."""
    response = RedirectResponse(location, status_code=303)
    if message:
        _set_cookie(response, FLASH_COOKIE, quote(message[:1000]), 300)
    return response


def _set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def sign_in_redirect(path: str) -> RedirectResponse:
    return see_other(f"/sign-in?next={quote(path)}")


def holds_anywhere(who: SignedIn, role: Role) -> bool:
    return any(granted == role for _, granted in who.actor.grants)


class SecurityHeaders:
    """The headers every answer carries, and `no-store` on pages. Plain ASGI: Starlette's
    `BaseHTTPMiddleware` would cost every request a task and a copy of its body stream."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        page = not scope["path"].startswith(("/static", "/api"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if page:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
