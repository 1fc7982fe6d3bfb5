"""The command line, end to end: exit codes, output streams, files written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mobilize.core.migrate import head_revision
from mobilize.scenario.loader import load_scenario
from tests.conftest import REFERENCE_SCENARIO, SMALL_SCENARIO
from tests.conftest import run_cli as run


@pytest.fixture
def database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    return database_url


def test_validate_prints_the_summary_of_the_reference_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run("validate", str(REFERENCE_SCENARIO)) == 0
    out = capsys.readouterr().out
    assert "horizon 2018-11-26 to 2019-01-31 (67 days)" in out
    assert "5,890" in out
    assert "2,100" in out
    assert "4,000" in out


def test_validate_refuses_with_exit_2_and_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        SMALL_SCENARIO.read_text()
        .replace("strength: 450", "strength: -450")
        .replace("end: 2019-01-31", "end: 2018-01-31")
    )
    assert run("validate", str(path)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert any(line.startswith(f"{path}:") and "units[0].strength:" in line for line in lines)
    assert any("end: end 2018-01-31 is before start" in line for line in lines)
    assert "Traceback" not in captured.err


def test_validate_a_missing_file_exits_2_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run("validate", "no/such/file.yaml") == 2
    assert "no/such/file.yaml: no such file" in capsys.readouterr().err


def test_generate_is_deterministic_and_valid(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.json"
    options = ["--units", "120", "--locations", "5", "--days", "40", "--seed", "9"]
    assert run("generate", *options, "-o", str(first)) == 0
    assert run("generate", *options, "-o", str(second)) == 0
    assert second.read_text().lstrip().startswith("{")
    assert load_scenario(first) == load_scenario(second)
    assert len(load_scenario(first).units) == 120


def test_import_then_export_gives_the_same_scenario(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("import", str(REFERENCE_SCENARIO)) == 0
    assert run("import", str(REFERENCE_SCENARIO)) == 1
    assert "--replace" in capsys.readouterr().err
    exported = tmp_path / "exported.yaml"
    assert run("export", "--format", "yaml", "-o", str(exported)) == 0
    assert load_scenario(exported) == load_scenario(REFERENCE_SCENARIO)


def test_export_to_stdout_prints_only_the_scenario(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("import", str(SMALL_SCENARIO)) == 0
    capsys.readouterr()
    assert run("export", "--format", "json") == 0
    out = capsys.readouterr().out
    assert out.startswith("{")
    assert '"name": "Small border test"' in out


def test_db_upgrade_then_current(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("db", "upgrade") == 0
    assert run("db", "current") == 0
    out = capsys.readouterr().out
    assert f"current: {head_revision()}" in out


def test_plan_json_goes_to_stdout_alone_and_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("plan", str(SMALL_SCENARIO), "--format", "json", "--time-limit", "10") == 0
    out = capsys.readouterr().out
    document = json.loads(out)
    assert document["scenario"] == "Small border test"
    assert {"solver", "deployments", "actions", "shortfalls", "metrics"} <= set(document)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(out)
    assert run("verify", str(SMALL_SCENARIO), str(plan_file)) == 0
    assert capsys.readouterr().out.startswith("valid:")


def test_verify_refuses_a_broken_plan_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(
        json.dumps(
            {
                "scenario": "Small border test",
                "deployments": [
                    {"unit": "mp-1", "location": "ELC", "from": "2018-11-26", "to": "2019-01-31"}
                ],
            }
        )
    )
    assert run("verify", str(SMALL_SCENARIO), str(plan_file)) == 1
    err = capsys.readouterr().err
    assert "deployments[0] (mp-1): deployed at SDC on start; it cannot move to ELC" in err
    assert "over its maximum of 60" in err


def test_verify_refuses_a_file_that_is_not_a_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text('{"scenario": 3}')
    assert run("verify", str(SMALL_SCENARIO), str(plan_file)) == 2
    assert "not a plan" in capsys.readouterr().err


def test_plan_table_and_csv_and_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("plan", str(SMALL_SCENARIO), "--solver", "greedy") == 0
    table = capsys.readouterr().out
    assert "Actions" in table
    assert "Personnel per day" in table
    assert run("plan", str(SMALL_SCENARIO), "--solver", "greedy", "--format", "csv") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("unit,capability,component,strength,location,from,to")
    plan_file = tmp_path / "plan.json"
    assert (
        run("plan", str(SMALL_SCENARIO), "--solver", "greedy", "-f", "json", "-o", str(plan_file))
        == 0
    )
    capsys.readouterr()
    assert run("explain", str(plan_file), "eng-mar-1", "--scenario", str(SMALL_SCENARIO)) == 0
    story = capsys.readouterr().out
    assert "task 'wire-SDC'" in story
    assert run("explain", str(plan_file), "nobody") == 1


def test_plan_refuses_an_unknown_solver(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("plan", str(SMALL_SCENARIO), "--solver", "magic") == 2
    assert "cp-sat or greedy" in capsys.readouterr().err


def test_verify_reads_a_plan_from_a_spreadsheet_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.csv"
    assert (
        run("plan", str(SMALL_SCENARIO), "--solver", "greedy", "-f", "csv", "-o", str(plan_file))
        == 0
    )
    assert run("verify", str(SMALL_SCENARIO), str(plan_file)) == 0
    assert capsys.readouterr().out.startswith("valid:")
    broken = tmp_path / "broken.csv"
    broken.write_text("unit,location,from,to\nmp-1,SDC,2018-11-26,2018-13-01\n")
    assert run("verify", str(SMALL_SCENARIO), str(broken)) == 2
    assert f"{broken}:2: to:" in capsys.readouterr().err
    missing = tmp_path / "missing.csv"
    missing.write_text("unit,place\nmp-1,SDC\n")
    assert run("verify", str(SMALL_SCENARIO), str(missing)) == 2
    assert "missing column(s) location, from, to" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["generate", "--units", "5"], ["plan", str(SMALL_SCENARIO)]])
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing_folder = tmp_path / "no-such-folder" / "out.json"
    assert run(*command, "-o", str(missing_folder)) == 2
    error = _unboxed(capsys.readouterr().err)
    assert "does not exist" in error
    assert "Traceback" not in error
    assert run(*command, "-o", str(tmp_path)) == 2
    assert "is a folder" in _unboxed(capsys.readouterr().err)


def _unboxed(text: str) -> str:
    """Typer's error box wraps long messages (a long temporary path) across its lines."""
    return " ".join(text.replace("│", " ").split())


def test_plan_then_passes_as_json_csv_and_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import icalendar

    plan_file = tmp_path / "plan.json"
    assert (
        run("plan", str(REFERENCE_SCENARIO), "--no-passes", "-f", "json", "-o", str(plan_file)) == 0
    )
    assert json.loads(plan_file.read_text())["passes"] == []
    with_passes = tmp_path / "with-passes.json"
    arguments = ["passes", str(REFERENCE_SCENARIO), str(plan_file), "--time-limit", "5"]
    assert run(*arguments, "-f", "json", "-o", str(with_passes)) == 0
    document = json.loads(with_passes.read_text())
    assert {p["unit"] for p in document["passes"]} >= {"mp-mar", "log-mar"}
    assert run("verify", str(REFERENCE_SCENARIO), str(with_passes)) == 0
    capsys.readouterr()
    assert run(*arguments, "-f", "ics") == 0
    calendar = icalendar.Calendar.from_ical(capsys.readouterr().out)
    events = calendar.walk("VEVENT")
    assert len(events) == len(document["passes"])
    assert all(str(event["summary"]).startswith("Pass: ") for event in events)
    assert run(*arguments, "-f", "csv") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "unit,unit_name,location,block,personnel,from,to"
    assert len(rows) == 1 + len(document["passes"])
    assert run(*arguments) == 0
    table = capsys.readouterr().out
    assert "Passes by unit" in table
    assert "Fewer passes than blocks" in table
