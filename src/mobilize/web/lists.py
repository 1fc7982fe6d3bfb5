"""Links of a list page: the same page with one parameter changed (a sort, a page), the
other filters kept."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Request

Link = Callable[..., str]


def link_maker(request: Request) -> Link:
    """`link(sort="-deployed")`: this page's address with `sort` set and the page reset to
    the first; `link(offset=50)` keeps the rest and moves to that offset."""

    def link(**changes: object) -> str:
        kept = [
            (name, value)
            for name, value in request.query_params.multi_items()
            if name not in changes and name != "offset"
        ]
        added = [(name, str(value)) for name, value in changes.items() if value not in (None, "")]
        query = urlencode([*kept, *added])
        return request.url.path + ("?" + query if query else "")

    return link
