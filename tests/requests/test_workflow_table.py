"""The workflow is one table (`requests.states`): the database, the API and the pages read it,
and no other module spells a status of its own."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, inspect

from mobilize.core.errors import Refused
from mobilize.requests import states
from mobilize.requests.actions import ACTIONS

SOURCE = Path(__file__).resolve().parents[2] / "src" / "mobilize"
# A comparison or assignment with a quoted status: what `states` is for.
SPELLED = re.compile(
    r"status\s*(==|!=|=|in|not in)\s*\(?\s*\"("
    + "|".join(sorted({*states.LINE_STATUSES, *states.REQUEST_STATUSES, *states.FILL_STATUSES}))
    + r")\""
)


def test_no_module_of_the_request_workflow_spells_a_status_of_its_own() -> None:
    offenders = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for folder in ("requests", "operations", "web")
        for path in sorted((SOURCE / folder).glob("*.py"))
        if path.name != "states.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SPELLED.search(line)
    ]
    assert not offenders, "\n".join(offenders)


def test_the_database_checks_every_status_of_the_table(engine: Engine) -> None:
    checks = {
        table: " ".join(str(c["sqltext"]) for c in inspect(engine).get_check_constraints(table))
        for table in ("support_requests", "request_lines", "fills", "fill_events")
    }
    for table, statuses in (
        ("support_requests", states.REQUEST_STATUSES),
        ("request_lines", states.LINE_STATUSES),
        ("fills", states.FILL_STATUSES),
        ("fill_events", states.FILL_STATUSES),
    ):
        assert all(f"'{status}'" in checks[table] for status in statuses), table


def test_the_api_offers_the_tables_statuses_and_actions(app: FastAPI) -> None:
    schema = app.openapi()
    listing = schema["paths"]["/api/requests"]["get"]["parameters"]
    status = next(parameter for parameter in listing if parameter["name"] == "status")
    offered = status["schema"]["anyOf"][0]["enum"]
    assert offered == list(states.REQUEST_STATUSES)
    routes = set(schema["paths"])
    for name in ("submit", "accept", "execute", "close", "cancel"):
        assert f"/api/requests/{{number}}/{name}" in routes, name


def test_a_hypothetical_move_is_one_edit_to_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A move added to the table (here: an offer withdrawn back to `submitted`) is allowed
    by the rules and named in their refusals at once; no other module changes."""
    with pytest.raises(Refused, match="allowed now: amend, approve, approve_part, cancel"):
        states.line_move("offered", "withdraw")
    moves = states.LINE_MOVES | {("offered", "withdraw"): states.LineStatus.SUBMITTED}
    monkeypatch.setattr(states, "LINE_MOVES", moves)
    assert states.line_move("offered", "withdraw") == "submitted"
    with pytest.raises(Refused, match="withdraw"):
        states.line_move("offered", "reopen")
    assert {action.name for action in ACTIONS.values()} >= {"fill", "accept", "decide"}


HYPOTHETICAL_STATUS = '    STAGED = "staged"  # at the staging area, not yet checked in\n'
# Run on the edited copy of the package: a database made by this version (the test's) is
# refused by the edited one, `mobilize db upgrade`'s step brings its CHECKs along, the new
# status then moves and is stored, and the API's input takes it.
ON_THE_EDITED_COPY = """
import sys
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from mobilize.core.db import make_engine
from mobilize.core.errors import DatabaseNotReady
from mobilize.core.migrate import ensure_schema, upgrade
from mobilize.requests.schemas import FillMoveInput
from mobilize.requests.states import FILL_ACTIVE, fill_move

engine = make_engine(sys.argv[1])


def store_staged():
    # Only the status column is under test: the fill it would point at is not made.
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":  # on the driver: SQLite ignores it in a transaction
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        with connection.begin() as transaction:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            connection.execute(text(
                "INSERT INTO fill_events (fill_id, status, \\"on\\", note, by)"
                " VALUES (1, 'staged', '2018-12-20', '', 'test')"
            ))
            transaction.rollback()


try:
    ensure_schema(engine)
    print("started on the old checks")
except DatabaseNotReady as refused:
    print("refused:", refused)
try:
    store_staged()
    print("stored before the upgrade")
except IntegrityError:
    print("check refused staged")
upgrade(engine)
ensure_schema(engine)
store_staged()
print("moves:", fill_move("en_route", "staged"), fill_move("staged", "on_site"))
print("active:", "staged" in FILL_ACTIVE)
print("input:", FillMoveInput(status="staged", on="2018-12-20").status)
"""


def test_a_hypothetical_status_is_one_edit_to_the_table(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """A status added to `states` (here: a fill `staged` between en route and on site) and
    nothing else: the database built by this version learns it from `mobilize db upgrade`
    (no revision written), the moves, the named sets and the API's input take it."""
    copy = tmp_path / "src" / "mobilize"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    table = copy / "requests" / "states.py"
    before = table.read_text()
    table.write_text(
        before.replace(
            '    EN_ROUTE = "en_route"\n', '    EN_ROUTE = "en_route"\n' + HYPOTHETICAL_STATUS
        )
    )
    changed = [
        path.relative_to(copy)
        for path in sorted(copy.rglob("*.py"))
        if path.read_bytes() != (SOURCE / path.relative_to(copy)).read_bytes()
    ]
    assert changed == [Path("requests/states.py")]
    engine.dispose()

    ran = subprocess.run(
        [sys.executable, "-c", ON_THE_EDITED_COPY, database_url],
        env=os.environ | {"PYTHONPATH": str(copy.parent)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    said = ran.stdout.splitlines()
    assert said[0].startswith("refused: the database's checks on fills.status, fill_events.status")
    assert said[1:] == [
        "check refused staged",
        "moves: staged on_site",
        "active: True",
        "input: staged",
    ]
