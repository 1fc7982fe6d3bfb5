"""A plan job's figures in a staff officer's words: how much of its time it has used, the
time left, the gap as a percentage (the formula of the plan's own gap, `planning.solve`), and
the best plan so far in person-days short. Read by the job page and by its live script (the
page's `/jobs/{id}/status`), so both say the same."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

LEVEL_WORDS = {
    "shortfall": "covering the requirements",
    "excess": "sending home who is not needed",
    "persistence": "keeping to the adopted plan",
    "moves": "moving as few units as possible",
    "transport": "shortening the trips",
    "seniority": "sending home the longest deployed first",
}
STATUS_WORDS = {
    "queued": "waiting to start",
    "running": "planning",
    "done": "done",
    "failed": "failed",
    "cancelled": "stopped",
}


@dataclass(frozen=True)
class PlanJobView:
    status: str
    working_on: str | None
    used: float  # share of the time limit used, 0 to 1
    seconds_left: int | None
    gap_percent: str | None  # "0.607%"
    best_short: int | None  # person-days short in the best plan so far
    plan: int | None  # the stored plan, once done
    running: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def plan_job_view(
    status: str, progress: dict[str, Any] | None, result: dict[str, Any] | None
) -> PlanJobView:
    """The view of a job with this `status`, last `progress` report and `result`."""
    progress = progress or {}
    result = result or {}
    running = status in ("queued", "running")
    limit = float(progress.get("time_limit") or 0)
    elapsed = float(progress.get("elapsed") or 0)
    used = 1.0 if not running else (min(elapsed / limit, 1.0) if limit else 0.0)
    left = max(0, round(limit - elapsed)) if running and limit else None
    return PlanJobView(
        status=STATUS_WORDS.get(status, status),
        working_on=_working_on(progress.get("level")) if running else None,
        used=round(used, 3),
        seconds_left=left,
        gap_percent=_gap(progress, result, running),
        best_short=_whole(progress.get("short")),
        plan=result.get("plan"),
        running=running,
    )


def _working_on(level: Any) -> str | None:
    if not isinstance(level, str):
        return None
    base = level.split(" ")[0]
    return LEVEL_WORDS.get(base, level)


def _gap(progress: dict[str, Any], result: dict[str, Any], running: bool) -> str | None:
    """Once done, the plan's own gap; while running, the same formula on the level at work."""
    if not running:
        gap = result.get("gap")
        return None if gap is None else f"{gap * 100:.3f}%"
    objective, bound = progress.get("objective"), progress.get("bound")
    if objective is None or bound is None:
        return None
    return f"{(objective - bound) / max(1.0, abs(objective)) * 100:.3f}%"


def _whole(value: Any) -> int | None:
    return None if value is None else round(float(value))
