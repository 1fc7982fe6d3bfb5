"""The menu every page shows, from one place: the operation it links to and the counts.

The operation is the one the page is about, else the last one the user opened (a cookie),
else the first they may read: the request, audit and job pages keep Dashboard, Plans,
Passes and Strength. The counts are the user's queue (`inbox.awaiting`, the same service as
the landing page and `GET /api/me/awaiting`) and their unread notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from mobilize.auth.sessions import SignedIn
from mobilize.core.db import session_scope
from mobilize.core.errors import MobilizeError
from mobilize.inbox.awaiting import awaiting
from mobilize.inbox.service import unread_count
from mobilize.operations.access import may_read
from mobilize.operations.service import list_operations

OPERATION_COOKIE = "mobilize_operation"  # the operation the user last opened


@dataclass(frozen=True)
class Menu:
    operation: str | None  # the operation Dashboard, Plans, Passes... link to
    awaiting: int  # things in the user's queue
    unread: int  # notifications not yet read


def page_operation(values: dict[str, Any]) -> str | None:
    """The operation a page is about, from what it renders: `name`, or a job's `operation`."""
    for field in ("name", "operation"):
        value = values.get(field)
        if isinstance(value, str) and value:
            return value
    shown = values.get("shown")  # a request page
    operation = getattr(shown, "operation", None)
    return operation if isinstance(operation, str) and operation else None


def menu_for(request: Request, who: SignedIn, values: dict[str, Any]) -> Menu:
    """The menu for `who` on a page rendering `values`; a database that went away meanwhile
    gives a menu without counts rather than no page (the error page uses it too)."""
    wanted = page_operation(values) or request.cookies.get(OPERATION_COOKIE)
    try:
        with session_scope(request.app.state.context.engine) as session:
            known = values.get("awaiting_count")  # the landing page counted it already
            count = known if isinstance(known, int) else len(awaiting(session, who.actor))
            return Menu(_operation(session, who, wanted), count, unread_count(session, who.actor))
    except MobilizeError:
        return Menu(wanted, 0, 0)


def _operation(session: Session, who: SignedIn, wanted: str | None) -> str | None:
    readable = [o.name for o in list_operations(session) if may_read(session, who.actor, o)]
    if wanted in readable:
        return wanted
    return readable[0] if readable else None
