"""The force list through CSV and XLSX: lossless both ways; a bad row refuses the whole file."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidScenario
from mobilize.operations.forcelist import (
    force_list_csv,
    force_list_xlsx,
    parse_force_list,
    read_csv,
    read_xlsx,
)
from mobilize.operations.forces import current_force_list, replace_force_list
from mobilize.operations.service import export_scenario
from mobilize.scenario.schemas import Scenario

KEY = b"k"


def _import(engine: Engine, rows_of: str, content: str | bytes) -> None:
    with session_scope(engine) as session:
        scenario, operation = current_force_list(session, None)
        if rows_of == "csv":
            assert isinstance(content, str)
            rows = read_csv(content, "units.csv")
        else:
            assert isinstance(content, bytes)
            rows = read_xlsx(content, "units.xlsx")
        units = parse_force_list(rows, scenario, f"units.{rows_of}")
        replace_force_list(session, KEY, operation, units, f"units.{rows_of}")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_round_trip_is_lossless(stored: Engine, reference_scenario: Scenario, kind: str) -> None:
    units = reference_scenario.units
    content = force_list_csv(units) if kind == "csv" else force_list_xlsx(units)
    _import(stored, kind, content)
    with session_scope(stored) as session:
        assert export_scenario(session) == reference_scenario


def test_csv_parses_back_to_the_same_units(reference_scenario: Scenario) -> None:
    rows = read_csv(force_list_csv(reference_scenario.units), "units.csv")
    assert parse_force_list(rows, reference_scenario, "units.csv") == list(reference_scenario.units)


def test_xlsx_keeps_numbers_and_dates_typed(reference_scenario: Scenario) -> None:
    sheet = load_workbook(io.BytesIO(force_list_xlsx(reference_scenario.units))).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    deployed = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[9])
    assert isinstance(deployed[header.index("strength")], int)
    since = deployed[header.index("deployed_since")]
    assert isinstance(since, datetime)  # a real date cell (openpyxl reads dates as datetimes)
    assert since.year == 2018


def _changed_csv(scenario: Scenario, row: int, column: str, value: str) -> str:
    lines = force_list_csv(scenario.units).splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("strength", "many", "'many' is not a whole number"),
        ("strength", "-5", "greater than 0"),
        ("location", "SDX", "unknown location 'SDX'"),
        ("home_lat", "north", "'north' is not a number"),
        ("capability", "LEO", "law"),
    ],
)
def test_bad_row_imports_nothing_and_names_row_and_column(
    stored: Engine, reference_scenario: Scenario, column: str, value: str, message: str
) -> None:
    bad = _changed_csv(reference_scenario, 7, column, value)
    with pytest.raises(InvalidScenario) as refused:
        _import(stored, "csv", bad)
    shown = [str(problem) for problem in refused.value.problems]
    assert any(f"row 7, column {column}" in line and message in line for line in shown), shown
    with session_scope(stored) as session:
        assert export_scenario(session) == reference_scenario


def test_unknown_column_is_named(reference_scenario: Scenario) -> None:
    text = force_list_csv(reference_scenario.units).replace("strength", "strenght", 1)
    with pytest.raises(InvalidScenario, match="1 problem") as refused:
        read_csv(text, "units.csv")
    assert "unknown column(s): strenght" in str(refused.value.problems[0])


def test_not_a_workbook_is_refused() -> None:
    with pytest.raises(InvalidScenario) as refused:
        read_xlsx(b"id,name\n", "units.xlsx")
    assert "not an XLSX workbook" in str(refused.value.problems[0])


def test_removed_and_added_units_are_reported(stored: Engine, reference_scenario: Scenario) -> None:
    units = list(reference_scenario.units)
    renamed = units[0].model_copy(update={"id": "new-unit"})
    with session_scope(stored) as session:
        _, operation = current_force_list(session, None)
        change = replace_force_list(session, KEY, operation, [renamed, *units[1:]], "edit")
    assert change.added == ["new-unit"]
    assert change.removed == [units[0].id]
    assert change.updated == []
