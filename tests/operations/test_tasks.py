"""Tasks with progress: projection from the recent rate; done ends the requirement that day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from mobilize.audit.service import records_for, verify_trail
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput, Refused
from mobilize.operations.service import export_scenario, get_operation
from mobilize.operations.tasks import (
    mark_done,
    projected_completion,
    recent_rate,
    report_progress,
    set_work,
    task_status,
)

KEY = b"k"


def test_projection_uses_the_last_weeks_rate() -> None:
    reports = [(date(2018, 11, 20), 0.0), (date(2018, 11, 28), 2.0), (date(2018, 12, 2), 10.0)]
    # the last 7 days: from 28 Nov (2.0) to 2 Dec (10.0): 2 a day; 12 left: 6 days
    assert recent_rate(reports) == 2.0
    assert projected_completion(reports, 22.0) == date(2018, 12, 8)


def test_no_projection_without_a_rate() -> None:
    assert projected_completion([(date(2018, 12, 2), 10.0)], 22.0) is None
    assert projected_completion([(date(2018, 12, 1), 5.0), (date(2018, 12, 2), 5.0)], 22.0) is None


def test_progress_and_done_end_the_requirement_that_day(stored: Engine) -> None:
    with session_scope(stored) as session:
        operation = get_operation(session)
        set_work(session, KEY, operation, "wire-RGV", 22, "miles")
        report_progress(session, KEY, operation, "wire-RGV", date(2018, 11, 30), 8)
        task = report_progress(session, KEY, operation, "wire-RGV", date(2018, 12, 4), 16)
        assert task_status(task).projected_on == date(2018, 12, 7)  # 2 a day, 6 left
        mark_done(session, KEY, operation, "wire-RGV", date(2018, 12, 6))
    with session_scope(stored) as session:
        task_record = next(t for t in export_scenario(session).tasks if t.id == "wire-RGV")
        assert task_record.until == date(2018, 12, 6)
        events = [
            record.action for record in records_for(session, "task", "Border support 2018/wire-RGV")
        ]
        assert events == ["task.work", "task.progress", "task.progress", "task.done"]
        done = records_for(session, "task", "Border support 2018/wire-RGV")[-1]
        assert done.after["progress"] == ["2018-12-06", 22]
        assert verify_trail(session, KEY).intact


def test_progress_is_cumulative_and_within_the_work(stored: Engine) -> None:
    with session_scope(stored) as session:
        operation = get_operation(session)
        set_work(session, KEY, operation, "wire-TCA", 16, "miles")
        report_progress(session, KEY, operation, "wire-TCA", date(2018, 12, 2), 10)
        with pytest.raises(InvalidInput, match="cumulative"):
            report_progress(session, KEY, operation, "wire-TCA", date(2018, 12, 3), 9)
        with pytest.raises(InvalidInput, match="between 0 and the task's 16 miles"):
            report_progress(session, KEY, operation, "wire-TCA", date(2018, 12, 3), 17)


def test_a_task_is_done_once(stored: Engine) -> None:
    with session_scope(stored) as session:
        operation = get_operation(session)
        mark_done(session, KEY, operation, "wire-TCA", date(2018, 12, 8))
        with pytest.raises(Refused, match="already marked done"):
            mark_done(session, KEY, operation, "wire-TCA", date(2018, 12, 9))
