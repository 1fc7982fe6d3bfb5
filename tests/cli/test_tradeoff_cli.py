"""`mobilize tradeoff` end to end: rows as JSON and CSV, and plans that `verify` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobilize.scenario.writer import dump_scenario
from tests.conftest import run_cli as run
from tests.planning.test_tradeoff import three_companies


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "three.yaml"
    path.write_text(dump_scenario(three_companies()))
    return path


def test_tradeoff_json_rows_and_every_written_plan_verifies(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = tmp_path / "plans"
    arguments = ["--caps", "100:300:100", "--format", "json", "--plans-dir", str(plans)]
    assert run("tradeoff", str(scenario_file), *arguments, "--work", "5") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["cap"] for row in rows] == [100, 200, 300]
    assert [row["shortfall_person_days"] for row in rows] == [1000, 0, 0]
    keys = {"cap", "shortfall_person_days", "shortfall_by_capability", "excess_person_days"}
    assert keys | {"moves", "bound", "gap", "status"} <= set(rows[0])
    for cap in (100, 200, 300):
        scenario, plan = plans / f"cap-{cap}.yaml", plans / f"cap-{cap}.json"
        assert run("verify", str(scenario), str(plan)) == 0
        assert capsys.readouterr().out.startswith("valid:")


def test_tradeoff_csv_has_a_column_per_capability(
    scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("tradeoff", str(scenario_file), "--caps", "100,200", "-f", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("cap,shortfall_person_days,shortfall_MP,excess_person_days")
    assert lines[1].startswith("100,1000,1000,")


def test_tradeoff_refuses_malformed_levels_with_exit_2(
    scenario_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("tradeoff", str(scenario_file), "--caps", "300:100:50") == 2
    assert "--caps" in capsys.readouterr().err
