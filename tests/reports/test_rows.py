"""A report's rows searched, filtered, sorted and paged, as the API and the pages ask."""

from __future__ import annotations

from dataclasses import dataclass

from mobilize.reports.rows import RowQuery, select_rows


@dataclass(frozen=True)
class Row:
    component: str
    location: str
    deployed: int


ROWS = [
    Row("active", "SDC", 1200),
    Row("guard", "SDC", 300),
    Row("active", "ELC", 800),
    Row("civilian", "EPT", 20),
]
SEARCHED = ("component", "location")


def test_without_a_query_every_row_in_its_order() -> None:
    found = select_rows(ROWS, RowQuery(), SEARCHED)
    assert found.rows == ROWS
    assert found.total == 4
    assert found.next_offset is None


def test_sorted_by_a_number_both_ways() -> None:
    up = select_rows(ROWS, RowQuery(sort="deployed"), SEARCHED).rows
    assert [r.deployed for r in up] == [20, 300, 800, 1200]
    down = select_rows(ROWS, RowQuery(sort="-deployed"), SEARCHED).rows
    assert [r.deployed for r in down] == [1200, 800, 300, 20]


def test_search_and_exact_filters_narrow_the_rows() -> None:
    assert [r.location for r in select_rows(ROWS, RowQuery(q="sd"), SEARCHED).rows] == [
        "SDC",
        "SDC",
    ]
    active = select_rows(ROWS, RowQuery(filters={"component": "active"}), SEARCHED)
    assert [r.location for r in active.rows] == ["SDC", "ELC"]


def test_one_page_at_a_time() -> None:
    first = select_rows(ROWS, RowQuery(sort="location", limit=3), SEARCHED)
    assert [r.location for r in first.rows] == ["ELC", "EPT", "SDC"]
    assert first.next_offset == 3
    assert first.previous_offset is None
    second = select_rows(ROWS, RowQuery(sort="location", limit=3, offset=3), SEARCHED)
    assert [r.location for r in second.rows] == ["SDC"]
    assert second.previous_offset == 0


def test_a_field_the_rows_lack_is_ignored() -> None:
    found = select_rows(ROWS, RowQuery(sort="-nothing", filters={"nothing": "x"}), SEARCHED)
    assert found.rows == ROWS
    assert RowQuery(sort="deployed").sorted_by("deployed") == "-deployed"
