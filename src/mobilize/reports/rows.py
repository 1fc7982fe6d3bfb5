"""Search, filter, sort and one page of a report's rows: the strength report, support
received, the plans of an operation. Pure, so the JSON API and the pages ask the same
function with the same parameters (`q`, `sort`, `limit`, `offset`, and exact filters).

Reports are made in memory from a plan (a few hundred rows at most); the audit log and the
request board, which grow without end, filter in SQL instead (`audit.listing`,
`requests.queries`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from mobilize.core.paging import Paged

R = TypeVar("R")
MAX_LIMIT = 500
PLAN_SEARCHED = ("status", "created_by", "solver_status")  # a plan's fields `q` looks in


@dataclass(frozen=True)
class RowQuery:
    """`sort` is a field, `-field` for descending; `filters` hold a field's exact value;
    `q` is searched in every field given as searchable, regardless of case."""

    q: str | None = None
    sort: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    limit: int = MAX_LIMIT
    offset: int = 0

    def sorted_by(self, name: str) -> str:
        """The `sort` value a column's heading links to: ascending, then descending."""
        return f"-{name}" if self.sort == name else name


@dataclass(frozen=True)
class RowPage(Paged, Generic[R]):
    rows: list[R]


def select_rows(
    rows: Sequence[R],
    query: RowQuery,
    searchable: Sequence[str],
    value: Callable[[R, str], Any] = getattr,
) -> RowPage[R]:
    """The rows that match `query`, sorted, one page of them.

    A sort or filter on a field the rows do not have is ignored rather than refused: the
    pages build their links from the columns they show."""
    fields = set(searchable)
    kept = [row for row in rows if _matches(row, query, searchable, value)]
    name = (query.sort or "").lstrip("-")
    if name and (name in fields or all(_has(row, name, value) for row in kept[:1])):
        kept.sort(key=lambda row: _sort_key(value(row, name)), reverse=query.sort != name)
    limit = max(1, min(query.limit, MAX_LIMIT))
    offset = max(query.offset, 0)
    return RowPage(rows=kept[offset : offset + limit], total=len(kept), limit=limit, offset=offset)


def _matches(
    row: R, query: RowQuery, searchable: Sequence[str], value: Callable[[R, str], Any]
) -> bool:
    for name, wanted in query.filters.items():
        if wanted and _has(row, name, value) and str(value(row, name)) != wanted:
            return False
    if not query.q:
        return True
    needle = query.q.casefold()
    return any(needle in str(value(row, name)).casefold() for name in searchable)


def _has(row: R, name: str, value: Callable[[R, str], Any]) -> bool:
    try:
        value(row, name)
    except (AttributeError, KeyError):
        return False
    return True


def _sort_key(item: Any) -> tuple[int, Any]:
    """None last; numbers as numbers, everything else as text."""
    if item is None:
        return (2, "")
    if isinstance(item, int | float):
        return (0, item)
    return (1, str(item).casefold())
