"""A plan job's figures in words: time used and left, the gap as the plan states it, the best
plan so far in person-days short, and Stop only while it runs."""

from __future__ import annotations

from mobilize.jobs.plan_view import plan_job_view


def test_a_running_job_says_time_left_gap_and_the_best_plan_so_far() -> None:
    progress = {
        "level": "excess",
        "elapsed": 29.387788347999958,
        "objective": 7111015,
        "bound": 6917914,
        "time_limit": 60.0,
        "short": 3070.0,
    }
    view = plan_job_view("running", progress, None)
    assert view.running
    assert view.status == "planning"
    assert view.working_on == "sending home who is not needed"
    assert view.seconds_left == 31
    assert view.used == 0.49
    assert view.gap_percent == "2.716%"
    assert view.best_short == 3070


def test_a_finished_job_shows_the_plans_own_gap_and_its_number() -> None:
    view = plan_job_view(
        "done",
        {"level": "seniority", "elapsed": 60.2, "time_limit": 60, "short": 0},
        {
            "plan": 4,
            "gap": 0.00607,
        },
    )
    assert not view.running
    assert view.used == 1.0
    assert view.seconds_left is None
    assert view.gap_percent == "0.607%"
    assert view.plan == 4
    assert view.best_short == 0


def test_a_queued_job_has_no_figures_yet() -> None:
    view = plan_job_view("queued", None, None)
    assert view.running
    assert view.status == "waiting to start"
    assert (view.gap_percent, view.best_short, view.seconds_left) == (None, None, None)
