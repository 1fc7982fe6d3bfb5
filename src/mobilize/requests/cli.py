"""`mobilize requests fulfilment` and `mobilize report support`: what was sent and received,
counted from fills, for the operator at the server (the CLI reads as the operator; the API and
pages show each user what their agency is party to)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mobilize.cli_support import open_engine, parse_date, stdout
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.operations.service import get_operation
from mobilize.papers.render import pdf_of
from mobilize.requests import schemas
from mobilize.requests.access import find_request
from mobilize.requests.fulfilment import (
    SUPPORT_COLUMNS,
    fulfilment_of,
    support_csv,
    support_report,
    support_rows,
)
from mobilize.requests.papers import PAPERS, request_paper_html

requests_app = typer.Typer(
    help="Requests for assistance: fulfilment, papers.", no_args_is_help=True
)
FORMATS = ("table", "json", "csv")
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The day counted (YYYY-MM-DD); default today within the operation."),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]


@requests_app.command("paper")
def requests_paper(
    number: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="The PDF (or .html) to write.")],
    paper: Annotated[
        str, typer.Option("--paper", help="ics-213rr (the resource request) or approval-memo.")
    ] = "ics-213rr",
) -> None:
    """Print a request: the ICS-213RR, or each decision as a memo; PDF, or HTML when the
    output ends in .html."""
    if paper not in PAPERS:
        raise InvalidInput(f"--paper: one of {', '.join(PAPERS)}, not {paper!r}")
    with session_scope(open_engine()) as session:
        html = request_paper_html(session, find_request(session, number, lock=False), paper)
    if output.suffix == ".html":
        output.write_text(html, encoding="utf-8")
    else:
        output.write_bytes(pdf_of(html))
    stdout.print(f"{number}: {paper} written to {output}")


@requests_app.command("fulfilment")
def requests_fulfilment(
    number: str, on: OnOption = None, file_format: FormatOption = "table"
) -> None:
    """Per line: requested, offered, approved, filled, on site (and planned) on the day,
    released — counted from the units each agency named."""
    _check_format(file_format)
    day = parse_date(on, "--on") if on else None
    with session_scope(open_engine()) as session:
        shown = fulfilment_of(session, find_request(session, number, lock=False), day)
    if file_format == "json":
        sys.stdout.write(shown.model_dump_json(indent=2) + "\n")
        return
    rows = [_fulfilment_row(line) for line in shown.lines]
    totals = ["All", "", *(str(getattr(shown, f)) for f in _COUNTS)]
    _emit(file_format, f"{shown.number} on {shown.on}", ["line", "agency", *_COUNTS], rows, totals)


_COUNTS = ("requested", "offered", "approved", "filled", "on_site", "planned", "released")


def _fulfilment_row(line: schemas.FulfilmentLine) -> list[str]:
    return [str(line.line), line.supporting_agency, *(str(getattr(line, f)) for f in _COUNTS)]


def report_support(
    on: OnOption = None,
    file_format: FormatOption = "table",
    operation: Annotated[str | None, typer.Option(help="Operation name (if several).")] = None,
) -> None:
    """Support received to date per supporting agency: requested, approved, filled, on site,
    released, person-days delivered and their cost from the rate table."""
    _check_format(file_format)
    day = parse_date(on, "--on") if on else None
    with session_scope(open_engine()) as session:
        report = support_report(session, get_operation(session, operation), day)
    if file_format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        return
    if file_format == "csv":
        sys.stdout.write(support_csv(report))
        return
    cost = "no rate" if report.cost is None else f"${report.cost:,.0f}"
    totals = ["All", "", "", "", "", "", f"{report.person_days:,}", cost]
    title = f"Support received to {report.on} ({report.operation})"
    rows = [_readable(row) for row in support_rows(report)]
    _emit(file_format, title, list(SUPPORT_COLUMNS), rows, totals)


def _readable(row: list[str]) -> list[str]:
    """Thousands separated, the cost in whole dollars (the CSV keeps the plain figures)."""
    *counts, cost = row
    shown = [counts[0], *(f"{int(count):,}" for count in counts[1:])]
    return [*shown, f"${float(cost):,.0f}" if cost else "no rate"]


def _check_format(file_format: str) -> None:
    if file_format not in FORMATS:
        raise InvalidInput(f"--format: one of {', '.join(FORMATS)}, not {file_format!r}")


def _emit(
    file_format: str, title: str, header: list[str], rows: list[list[str]], totals: list[str]
) -> None:
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([header, *rows])
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title)
    for column in header:
        table.add_column(
            column.replace("_", " "), justify="left" if column in ("agency", "line") else "right"
        )
    for row in [*rows, totals]:
        table.add_row(*row)
    stdout.print(table)


def register(app: typer.Typer, report_app: typer.Typer) -> None:
    app.add_typer(requests_app, name="requests")
    report_app.command("support")(report_support)
