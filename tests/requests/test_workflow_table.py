"""The workflow is one table (`requests.states`): the database, the API and the pages read it,
and no other module spells a status of its own."""

from __future__ import annotations

import re
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
