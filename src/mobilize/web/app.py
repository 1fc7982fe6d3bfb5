"""The web application over the same services as the JSON API: sign-in, the pages, the assets
(served by the app itself, Plotly's script from the installed package), safe headers."""

from __future__ import annotations

import secrets
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from mobilize.audit.service import Entry, run_audited
from mobilize.auth.sessions import SESSION_LIFETIME, SignedIn, sign_in, sign_out, signed_in
from mobilize.auth.throttle import attempt_sign_in
from mobilize.core.db import session_scope
from mobilize.core.errors import Forbidden, MobilizeError, TooManyAttempts, Unauthenticated
from mobilize.edge.context import Context, source_of
from mobilize.web import (
    admin_pages,
    audit_pages,
    decision_pages,
    inbox_pages,
    operation_pages,
    paper_pages,
    request_form,
    requests_pages,
)
from mobilize.web.context import (
    SESSION_COOKIE,
    WEB_ROOT,
    SecurityHeaders,
    SignInNeeded,
    User,
    checked,
    page,
    posted_form,
    see_other,
    sign_in_redirect,
)

SIGN_IN_COOKIE = "mobilize_sign_in"  # the sign-in form's own token, before any session
PLOTLY_JS = Path(str(files("plotly"))) / "package_data" / "plotly.min.js"
router = APIRouter(include_in_schema=False)
Next = Annotated[str, Query(alias="next", max_length=500)]


def _safe_next(target: str) -> str:
    """Only a path of this site: never `//elsewhere` or `https://elsewhere`."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, target: Next = "/") -> HTMLResponse:
    form_token = secrets.token_urlsafe(32)
    response = page(request, "sign_in.html", None, next=_safe_next(target), token=form_token)
    _set_cookie(request, response, SIGN_IN_COOKIE, form_token, max_age=3600)
    return response


@router.post("/sign-in", response_model=None)
async def sign_in_post(request: Request, ctx: Context) -> HTMLResponse | RedirectResponse:
    form = await posted_form(request)
    expected = request.cookies.get(SIGN_IN_COOKIE)
    username = form.get("username", "").strip()
    target = _safe_next(form.get("next", "/"))
    attempt = Entry(username or None, None, "session.start", "user", username or None)

    def from_this_browser(_: Session) -> None:
        if not expected or not secrets.compare_digest(expected, form.get("form_token", "")):
            raise Forbidden(
                "the sign-in form is not from this browser; open the sign-in page again"
            )

    def start(session: Session) -> tuple[str, SignedIn]:
        return sign_in(session, ctx.audit_key, username, form.get("password", ""))

    try:
        run_audited(ctx.engine, ctx.audit_key, from_this_browser, attempt)
        token, _ = attempt_sign_in(ctx.engine, source_of(request), username, start)
    except (Unauthenticated, TooManyAttempts, Forbidden) as refused:
        return _sign_in_again(request, refused, target, username)
    signed = see_other(target)
    _set_cookie(request, signed, SESSION_COOKIE, token, int(SESSION_LIFETIME.total_seconds()))
    signed.delete_cookie(SIGN_IN_COOKIE, path="/")
    return signed


def _sign_in_again(
    request: Request, refused: MobilizeError, target: str, username: str
) -> HTMLResponse:
    """The sign-in form again, the user name kept, with the reason and a fresh form token
    (a form from another browser or an expired one is simply offered anew)."""
    form_token = secrets.token_urlsafe(32)
    status = {Unauthenticated: 401, TooManyAttempts: 429}.get(type(refused), 403)
    response = page(
        request,
        "sign_in.html",
        None,
        status,
        next=target,
        token=form_token,
        error=refused.message,
        username=username,
    )
    _set_cookie(request, response, SIGN_IN_COOKIE, form_token, max_age=3600)
    return response


@router.post("/sign-out")
async def sign_out_post(request: Request, ctx: Context, who: User) -> RedirectResponse:
    form = await posted_form(request)
    checked(ctx, who, form, "session.end", ("user", who.actor.username))
    with session_scope(ctx.engine) as session:
        sign_out(session, ctx.audit_key, request.cookies.get(SESSION_COOKIE))
    response = see_other("/sign-in")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    # Secure: browsers keep it for https and for the loopback address alike.
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """Plotly's own bundled script, from the installed package: nothing from the internet."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript")


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 401:
        return sign_in_redirect(request.url.path)
    return page(request, "error.html", _who(request), status, code=status, message=message)


def _who(request: Request) -> SignedIn | None:
    """The signed-in user, for the menu of an error page (none if the session is gone)."""
    try:
        with session_scope(request.app.state.context.engine) as session:
            return signed_in(session, request.cookies.get(SESSION_COOKIE))
    except MobilizeError:
        return None


def install_web(app: FastAPI) -> None:
    """Add the pages, the assets and the headers to `app` (after the API's routes)."""

    async def on_sign_in_needed(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInNeeded)
        return sign_in_redirect(error.path)

    app.add_exception_handler(SignInNeeded, on_sign_in_needed)
    app.add_middleware(SecurityHeaders)
    app.include_router(router)
    app.include_router(inbox_pages.router)
    app.include_router(decision_pages.router)
    app.include_router(request_form.router)  # before /requests/{number}
    app.include_router(paper_pages.router)
    app.include_router(requests_pages.router)
    app.include_router(operation_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(audit_pages.router)
    app.mount("/static", StaticFiles(directory=WEB_ROOT / "static"), name="static")
