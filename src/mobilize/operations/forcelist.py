"""The force list as a spreadsheet: CSV and XLSX with the scenario's unit fields as columns.

Reading is all or nothing: every cell is converted and every unit checked with the scenario's
own rules (against the operation's locations, capabilities, dates and policy), and any problem
refuses the whole file, named by row and column (`units.csv: row 7: column strength: ...`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from mobilize.core.errors import InvalidScenario, Problem
from mobilize.scenario.loader import parse_scenario
from mobilize.scenario.schemas import Scenario, Unit
from mobilize.scenario.writer import scenario_document

COLUMNS = (
    "id",
    "name",
    "capability",
    "component",
    "agency",
    "strength",
    "home_name",
    "home_lat",
    "home_lon",
    "location",
    "deployed_since",
    "available_from",
    "available_until",
    "max_deployment_days",
)
WHOLE_NUMBERS = {"strength", "max_deployment_days"}
NUMBERS = {"home_lat", "home_lon"}
DATES = {"deployed_since", "available_from", "available_until"}
FIRST_DATA_ROW = 2  # row 1 holds the column names
SHEET = "force list"
_UNIT_PATH = re.compile(r"^units\[(\d+)\](?:\.(.*))?$")

Cell = str | int | float | date | None
Row = dict[str, Cell]


def unit_rows(units: Iterable[Unit]) -> list[Row]:
    """One row per unit, typed (numbers as numbers, dates as dates, absent as None)."""
    return [
        {
            "id": unit.id,
            "name": unit.name,
            "capability": unit.capability,
            "component": unit.component.value,
            "agency": unit.agency,
            "strength": unit.strength,
            "home_name": unit.home.name,
            "home_lat": unit.home.lat,
            "home_lon": unit.home.lon,
            "location": unit.location,
            "deployed_since": unit.deployed_since,
            "available_from": unit.available_from,
            "available_until": unit.available_until,
            "max_deployment_days": unit.max_deployment_days,
        }
        for unit in units
    ]


def force_list_csv(units: Iterable[Unit]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in unit_rows(units):
        writer.writerow({column: _text(value) for column, value in row.items()})
    return out.getvalue()


def force_list_xlsx(units: Iterable[Unit]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in unit_rows(units):
        sheet.append([row[column] for column in COLUMNS])
    for cells in sheet.iter_rows(min_row=FIRST_DATA_ROW):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_csv(text: str, source: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    return _rows(list(reader), source)


def read_xlsx(content: bytes, source: str) -> list[Row]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidScenario(
            [Problem(source, None, "", f"not an XLSX workbook ({error})")]
        ) from None
    sheet = book.active
    assert sheet is not None
    table = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    return _rows(table, source)


def _cell(value: Any) -> Cell:
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, str | int | float | date) or value is None:
        return value
    return str(value)


def _rows(table: list[list[Any]], source: str) -> list[Row]:
    if not table:
        raise InvalidScenario([Problem(source, None, "", "empty file: expected a header row")])
    header = [str(name).strip() if name is not None else "" for name in table[0]]
    _check_header(header, source)
    rows = []
    for values in table[1:]:
        if all(value in (None, "") for value in values):
            continue  # blank lines at the end of a sheet
        padded = list(values) + [None] * (len(header) - len(values))
        rows.append(dict(zip(header, padded, strict=False)))
    return rows


def _check_header(header: list[str], source: str) -> None:
    unknown = [name for name in header if name and name not in COLUMNS]
    missing = [name for name in ("id", "capability", "component", "strength") if name not in header]
    missing += [name for name in ("home_name", "home_lat", "home_lon") if name not in header]
    if unknown or missing:
        parts = [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        parts += [f"missing column(s): {', '.join(missing)}"] if missing else []
        message = "; ".join(parts) + f" (the columns are: {', '.join(COLUMNS)})"
        raise InvalidScenario([Problem(source, None, "row 1", message)])


def parse_force_list(rows: list[Row], operation: Scenario, source: str) -> list[Unit]:
    """The units of `rows`, checked against the operation with the scenario's rules; any
    problem refuses them all."""
    units, problems = [], []
    for index, row in enumerate(rows):
        unit, row_problems = _unit_fields(row, index, source)
        units.append(unit)
        problems += row_problems
    if problems:
        raise InvalidScenario(problems)
    document = scenario_document(operation) | {"units": units}
    try:
        checked = parse_scenario(json.dumps(document, default=str), source=source, as_json=True)
    except InvalidScenario as error:
        raise InvalidScenario([_located(problem, source) for problem in error.problems]) from None
    return list(checked.units)


def _unit_fields(row: Row, index: int, source: str) -> tuple[dict[str, Any], list[Problem]]:
    fields: dict[str, Any] = {}
    problems = []
    for column in COLUMNS:
        try:
            value = _converted(column, row.get(column))
        except ValueError as error:
            problems.append(_problem(source, index, column, str(error)))
            continue
        if value is not None:
            fields[column] = value
    home = {
        key: fields.pop(f"home_{key}") for key in ("name", "lat", "lon") if f"home_{key}" in fields
    }
    return fields | {"home": home}, problems


def _converted(column: str, value: Cell) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if column in WHOLE_NUMBERS:
        return _whole_number(value)
    if column in NUMBERS:
        return _number(value)
    if column in DATES:
        return value.isoformat() if isinstance(value, date) else str(value).strip()
    return str(value).strip() if isinstance(value, str) else str(value)


def _whole_number(value: Cell) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise ValueError(f"{value!r} is not a whole number")


def _number(value: Cell) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None


def _problem(source: str, index: int, column: str, message: str) -> Problem:
    """Shown as `units.csv: row 7, column strength: ...` (rows counted as a spreadsheet does)."""
    return Problem(source, None, f"row {FIRST_DATA_ROW + index}, column {column}", message)


def _located(problem: Problem, source: str) -> Problem:
    """A scenario problem (`units[3].home.lat`) as a spreadsheet one (row 5, column home_lat)."""
    matched = _UNIT_PATH.match(problem.path)
    if matched is None:
        return Problem(source, None, problem.path, problem.message)
    index, field = int(matched.group(1)), matched.group(2) or ""
    column = field.replace("home.", "home_").split(".")[0].split("[")[0]
    return _problem(source, index, column or "id", problem.message)
