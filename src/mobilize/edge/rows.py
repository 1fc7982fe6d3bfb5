"""Query parameters of a report's rows (`reports.rows`), read alike by the JSON API and the
pages: `q`, `sort`, `limit`, `offset`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from mobilize.reports.rows import MAX_LIMIT, RowQuery


def row_query(
    q: Annotated[str, Query(max_length=200, description="Searched in the text columns.")] = "",
    sort: Annotated[
        str,
        Query(max_length=50, pattern=r"^-?[a-z_]*$", description="A column; `-column` descends."),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RowQuery:
    return RowQuery(q=q.strip() or None, sort=sort or None, limit=limit, offset=offset)


def with_filters(query: RowQuery, **filters: str) -> RowQuery:
    """`query` with exact filters on fields; blank ones ask for nothing."""
    kept = {name: value for name, value in filters.items() if value}
    return RowQuery(query.q, query.sort, kept, query.limit, query.offset)
