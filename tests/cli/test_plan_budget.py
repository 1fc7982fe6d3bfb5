"""`mobilize plan`: repeatable by default, wall clock when --time-limit is asked for."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SMALL_SCENARIO
from tests.conftest import run_cli as run


def _budget(capsys: pytest.CaptureFixture[str], *options: str) -> dict[str, object]:
    assert run("plan", str(SMALL_SCENARIO), "-f", "json", "--no-passes", *options) == 0
    budget: dict[str, object] = json.loads(capsys.readouterr().out)["solver"]["budget"]
    return budget


def test_a_plan_is_repeatable_by_default_and_records_its_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    budget = _budget(capsys, "--work", "20")
    assert budget["mode"] == "repeatable"
    assert budget["limit"] == 20
    assert budget["safety_stop_seconds"] == 200


def test_time_limit_keeps_its_wall_clock_meaning(capsys: pytest.CaptureFixture[str]) -> None:
    budget = _budget(capsys, "--time-limit", "10")
    assert budget["mode"] == "wall-clock"
    assert budget["unit"] == "seconds"
    assert budget["limit"] == 10


def test_the_same_plan_twice_in_repeatable_mode(capsys: pytest.CaptureFixture[str]) -> None:
    plans = []
    for _ in range(2):
        assert run("plan", str(SMALL_SCENARIO), "-f", "json", "--no-passes") == 0
        document = json.loads(capsys.readouterr().out)
        plans.append((document["deployments"], document["actions"]))
    assert plans[0] == plans[1]
