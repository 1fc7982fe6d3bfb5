"""The request board's query parameters: the JSON API's filters (`GET /api/requests`) plus
the view (columns by status, or a sorted list a page at a time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query

from mobilize.edge.trail import Day
from mobilize.requests.queries import SORTABLE
from mobilize.requests.schemas import WITHOUT_NUL

LIST_PAGE = 25
Text = Annotated[str, Query(max_length=200, pattern=WITHOUT_NUL)]
SORTS = tuple(name for field in SORTABLE for name in (field, f"-{field}"))


@dataclass
class BoardQuery:
    q: Text = ""
    status: Annotated[str, Query(max_length=30)] = ""
    agency: Text = ""
    capability: Annotated[str, Query(max_length=100, pattern=WITHOUT_NUL)] = ""
    on: Day = None
    sort: Annotated[str, Query(max_length=20, pattern=r"^-?[a-z_]*$")] = ""
    page: Annotated[int, Query(ge=1, le=100_000)] = 1
    view: Literal["board", "list"] = "board"

    def sorted_by(self, name: str) -> str:
        """The `sort` a column's heading links to: ascending, then descending."""
        return f"-{name}" if self.sort == name else name
