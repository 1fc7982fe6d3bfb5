"""Tasks with progress: how much work is done, when it will be finished at the recent rate,
and marking it done, which ends its requirement that day (the planner sees the units that did
it free to go home)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from mobilize.audit.service import SYSTEM_ACTOR, Entry, append
from mobilize.core.errors import InvalidInput, NotFound, Refused
from mobilize.operations.models import Operation, TaskProgress, TaskRecord

RECENT_DAYS = 7  # the rate that projects completion is the one over the last week reported


@dataclass(frozen=True)
class TaskStatus:
    code: str
    location: str
    capability: str
    personnel: int
    work_total: float | None
    work_unit: str | None
    done: float
    share_done: float | None
    rate_per_day: float | None
    projected_on: date | None
    planned_until: date | None
    done_on: date | None


def find_task(operation: Operation, code: str) -> TaskRecord:
    for task in operation.tasks:
        if task.code == code:
            return task
    known = ", ".join(task.code for task in operation.tasks) or "none"
    raise NotFound(f"{operation.name} has no task {code!r} (tasks: {known})")


def set_work(
    session: Session,
    key: bytes,
    operation: Operation,
    code: str,
    total: float,
    unit: str,
    actor: str = SYSTEM_ACTOR,
) -> TaskRecord:
    """How much work the task is (22 miles of wire), so that progress has a measure."""
    if total <= 0:
        raise InvalidInput(f"task {code}: the work must be more than 0 {unit}")
    task = find_task(operation, code)
    before = {"work": [task.work_total, task.work_unit]}
    task.work_total, task.work_unit = total, unit
    return _changed(session, key, actor, "task.work", operation, task, before)


def report_progress(
    session: Session,
    key: bytes,
    operation: Operation,
    code: str,
    on: date,
    done: float,
    note: str = "",
    actor: str = SYSTEM_ACTOR,
) -> TaskRecord:
    """Work done up to `on` (cumulative); a report for the same day replaces the earlier one."""
    task = find_task(operation, code)
    _check_report(operation, task, on, done)
    before = {"progress": _last(task)}
    _record(task, on, done, note, actor)
    return _changed(session, key, actor, "task.progress", operation, task, before)


def _record(task: TaskRecord, on: date, done: float, note: str, actor: str) -> None:
    same_day = next((report for report in task.progress if report.reported_on == on), None)
    if same_day is None:
        task.progress.append(TaskProgress(reported_on=on, done=done, note=note, reported_by=actor))
        task.progress.sort(key=lambda report: report.reported_on)
    else:
        same_day.done, same_day.note, same_day.reported_by = done, note, actor


def _check_report(operation: Operation, task: TaskRecord, on: date, done: float) -> None:
    if not operation.start <= on <= operation.end:
        raise InvalidInput(
            f"task {task.code}: {on} is outside the operation ({operation.start} to "
            f"{operation.end})"
        )
    total = task.work_total
    if done < 0 or (total is not None and done > total):
        limit = f"the task's {total:g} {task.work_unit or ''}".rstrip() if total else "more"
        raise InvalidInput(f"task {task.code}: {done:g} done must be between 0 and {limit}")
    for report in task.progress:
        earlier_more = report.reported_on < on and report.done > done
        later_less = report.reported_on > on and report.done < done
        if earlier_more or later_less:
            raise InvalidInput(
                f"task {task.code}: progress is cumulative; {report.done:g} was reported "
                f"done on {report.reported_on}, so {on} cannot be {done:g}"
            )


def mark_done(
    session: Session,
    key: bytes,
    operation: Operation,
    code: str,
    on: date,
    actor: str = SYSTEM_ACTOR,
) -> TaskRecord:
    """The work is finished on `on`: the task's requirement ends that day."""
    task = find_task(operation, code)
    if task.done_on is not None:
        raise Refused(f"task {code} was already marked done on {task.done_on}")
    if (
        task.starts_on is not None and on < task.starts_on
    ) or not operation.start <= on <= operation.end:
        raise InvalidInput(f"task {code}: {on} is not a day of the task within the operation")
    before = {"needed_until": _iso(task.needed_until), "progress": _last(task)}
    if task.work_total is not None:  # all the work is done: one change, one audit record
        _check_report(operation, task, on, task.work_total)
        _record(task, on, task.work_total, "done", actor)
    task.done_on = on
    return _changed(session, key, actor, "task.done", operation, task, before)


def _changed(
    session: Session,
    key: bytes,
    actor: str,
    action: str,
    operation: Operation,
    task: TaskRecord,
    before: Mapping[str, object],
) -> TaskRecord:
    session.flush()
    after = {
        "work": [task.work_total, task.work_unit],
        "progress": _last(task),
        "needed_until": _iso(task.needed_until),
    }
    target = f"{operation.name}/{task.code}"
    append(session, key, Entry(actor, None, action, "task", target, dict(before), after))
    return task


def _last(task: TaskRecord) -> list[object] | None:
    if not task.progress:
        return None
    last = task.progress[-1]
    return [last.reported_on.isoformat(), last.done]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def task_status(task: TaskRecord) -> TaskStatus:
    reports = [(report.reported_on, report.done) for report in task.progress]
    done = reports[-1][1] if reports else 0.0
    total = task.work_total
    rate = recent_rate(reports)
    return TaskStatus(
        code=task.code,
        location=task.location.code,
        capability=task.capability.code,
        personnel=task.personnel,
        work_total=total,
        work_unit=task.work_unit,
        done=done,
        share_done=min(1.0, done / total) if total else None,
        rate_per_day=rate,
        projected_on=task.done_on or projected_completion(reports, total),
        planned_until=task.until,
        done_on=task.done_on,
    )


def recent_rate(reports: list[tuple[date, float]]) -> float | None:
    """Work per day over the last `RECENT_DAYS` reported (from the last report before them)."""
    if len(reports) < 2:
        return None
    last_day, last_done = reports[-1]
    window_start = last_day - timedelta(days=RECENT_DAYS)
    earlier = [report for report in reports[:-1] if report[0] >= window_start] or [reports[-2]]
    first_day, first_done = earlier[0]
    days = (last_day - first_day).days
    return (last_done - first_done) / days if days > 0 else None


def projected_completion(reports: list[tuple[date, float]], total: float | None) -> date | None:
    """The day the work would be finished at the recent rate (None without a rate)."""
    rate = recent_rate(reports)
    if total is None or not reports:
        return None
    last_day, done = reports[-1]
    if done >= total:
        return last_day
    if rate is None or rate <= 0:
        return None
    return last_day + timedelta(days=int(-(-(total - done) // rate)))
