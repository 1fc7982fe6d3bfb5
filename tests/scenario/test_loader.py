"""Every invalid case of the scenario contract is refused with the right field path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mobilize.core.errors import InvalidScenario
from mobilize.scenario.loader import load_scenario, parse_scenario
from mobilize.scenario.writer import dump_scenario
from tests.conftest import SMALL_SCENARIO, run_cli

Document = dict[str, Any]


def small_document() -> Document:
    document = yaml.safe_load(SMALL_SCENARIO.read_text())
    assert isinstance(document, dict)
    return document


def refused(document: Document | str, tmp_path: Path, suffix: str = ".yaml") -> list[str]:
    path = tmp_path / f"scenario{suffix}"
    if isinstance(document, str):
        path.write_text(document)
    else:
        path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(InvalidScenario) as refusal:
        load_scenario(path)
    return [str(problem) for problem in refusal.value.problems]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        target = document
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[Any, ...]) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        target = document
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return mutate


def _duplicate_unit(document: Document) -> None:
    document["units"].append(copy.deepcopy(document["units"][0]))


INVALID_CASES = {
    "unknown location of a unit": (
        _set(("units", 0, "location"), "SDX"),
        "units[0].location: unknown location 'SDX' (known: ELC, SDC)",
    ),
    "unknown capability of a requirement": (
        _set(("requirements", 0, "capability"), "MPX"),
        "requirements[0].capability: unknown capability 'MPX'",
    ),
    "unknown location of a task": (
        _set(("tasks", 0, "location"), "NOPE"),
        "tasks[0].location: unknown location 'NOPE'",
    ),
    "duplicate unit id": (_duplicate_unit, "units[4].id: duplicate id 'mp-1' (first at units[0])"),
    "duplicate location id": (
        _set(("locations", 1, "id"), "SDC"),
        "locations[1].id: duplicate id 'SDC'",
    ),
    "zero strength": (
        _set(("units", 1, "strength"), 0),
        "units[1].strength: input should be greater than 0",
    ),
    "negative personnel": (
        _set(("requirements", 0, "personnel"), -5),
        "requirements[0].personnel: input should be greater than 0",
    ),
    "fractional strength": (
        _set(("units", 0, "strength"), 4.5),
        "units[0].strength: input should be a valid integer",
    ),
    "requirement to before from": (
        _set(("requirements", 0, "to"), "2018-11-01"),
        "requirements[0].to: to 2018-11-01 is before from 2018-11-26",
    ),
    "cap to before from": (
        _set(("caps", 0, "to"), "2018-12-01"),
        "caps[0].to: to 2018-12-01 is before from",
    ),
    "deployed unit without deployed_since": (
        _delete(("units", 0, "deployed_since")),
        "units[0].deployed_since: required for a unit deployed on start",
    ),
    "deployed_since after start": (
        _set(("units", 0, "deployed_since"), "2018-12-01"),
        "units[0].deployed_since: 2018-12-01 is after start 2018-11-26",
    ),
    "active unit with law-enforcement capability": (
        _set(("units", 3, "component"), "active"),
        "units[3].capability: an active unit cannot have law-enforcement capability 'LEO'",
    ),
    "end before start": (
        _set(("end",), "2018-11-01"),
        "end: end 2018-11-01 is before start 2018-11-26",
    ),
    "malformed date": (
        _set(("start",), "26/11/2018"),
        "start: expected a date as YYYY-MM-DD, got '26/11/2018'",
    ),
    "impossible date": (
        _set(("units", 0, "deployed_since"), "2018-02-30"),
        "units[0].deployed_since: not a calendar date",
    ),
    "unknown component": (
        _set(("units", 0, "component"), "reserve"),
        "units[0].component: input should be 'active', 'guard' or 'civilian'",
    ),
    "missing required field": (
        _delete(("units", 0, "home")),
        "units[0].home: required field is missing",
    ),
    "misspelt field": (
        _set(("units", 0, "strenght"), 1),
        "units[0].strenght: unknown field (did you mean 'strength'?)",
    ),
    "latitude out of range": (
        _set(("locations", 0, "lat"), 132.6),
        "locations[0].lat: input should be less than",
    ),
    "section not a list": (_set(("units",), {"id": "x"}), "units: expected a list"),
    "pass longer than its window": (
        _set(("passes", "length_days"), 30),
        "passes.length_days: 30 days do not fit in the 14-day window",
    ),
}


@pytest.mark.parametrize("case", INVALID_CASES, ids=list(INVALID_CASES))
def test_invalid_scenario_is_refused_naming_the_field(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mutate, expected = INVALID_CASES[case]
    document = small_document()
    mutate(document)
    problems = refused(document, tmp_path)
    assert any(expected in problem for problem in problems), problems
    assert run_cli("validate", str(tmp_path / "scenario.yaml")) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'scenario.yaml'}:" in err
    assert expected in err
    assert "Traceback" not in err


def test_problem_lines_point_at_the_offending_line(tmp_path: Path) -> None:
    text = SMALL_SCENARIO.read_text().replace(
        "location: SDC\n    deployed_since: 2018-10-30",
        "location: SDX\n    deployed_since: 2018-10-30",
    )
    problems = refused(text, tmp_path)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "location: SDX" in row)
    expected = "units[0].location: unknown location 'SDX' (known: ELC, SDC)"
    assert problems == [f"{tmp_path / 'scenario.yaml'}:{line}: {expected}"]


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    document = small_document()
    for case in (
        "unknown location of a unit",
        "zero strength",
        "end before start",
        "misspelt field",
    ):
        INVALID_CASES[case][0](document)
    assert len(refused(document, tmp_path)) == 4


def test_bad_record_does_not_hide_problems_in_other_records(tmp_path: Path) -> None:
    document = small_document()
    document["locations"][0]["lat"] = "north"
    document["units"][2]["capability"] = "XX"
    problems = refused(document, tmp_path)
    assert len(problems) == 2, problems  # and no unit is called "unknown location SDC"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "the file is empty"),
        ("   \n\n", "the file is empty"),
        ("name: [unclosed\n", "not valid YAML or JSON"),
        ("just some words\n", "expected a mapping of scenario fields"),
        (
            "- a\n- list\n",
            "expected a mapping of scenario fields (name, start, end, ...), got a list",
        ),
        ("name: x\nname: y\n", "duplicate key 'name' (first on line 1)"),
    ],
)
def test_files_that_are_not_scenarios_are_refused(
    content: str, expected: str, tmp_path: Path
) -> None:
    problems = refused(content, tmp_path)
    assert any(expected in problem for problem in problems), problems


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    problems = refused('{\n  "name": "x",\n  "start": \n}\n', tmp_path, suffix=".json")
    assert problems[0].startswith(f"{tmp_path / 'scenario.json'}:4: not valid JSON")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(InvalidScenario, match="problem"):
        load_scenario(path)


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(InvalidScenario) as refusal:
        load_scenario(tmp_path / "nowhere.yaml")
    assert str(refusal.value.problems[0]).endswith("no such file")


def test_json_and_yaml_give_the_same_scenario(tmp_path: Path) -> None:
    document = small_document()
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document, default=str))
    assert load_scenario(path) == load_scenario(SMALL_SCENARIO)


def test_json_problems_carry_line_numbers(tmp_path: Path) -> None:
    document = small_document()
    document["units"][0]["strength"] = -1
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document, default=str, indent=2))
    with pytest.raises(InvalidScenario) as refusal:
        load_scenario(path)
    problem = refusal.value.problems[0]
    assert problem.path == "units[0].strength"
    assert problem.line is not None
    assert '"strength": -1' in path.read_text().splitlines()[problem.line - 1]


def test_defaults_are_resolved_but_not_invented() -> None:
    scenario = load_scenario(SMALL_SCENARIO)
    leo_need = scenario.requirements[1]
    assert leo_need.to is None
    assert scenario.requirement_days(leo_need).last == scenario.end
    assert scenario.max_deployment_days(scenario.units[1]) == 90
    assert scenario.max_deployment_days(scenario.units[0]) == 60


@pytest.mark.parametrize("file_format", ["yaml", "json"])
def test_written_scenario_reads_back_equal(file_format: str) -> None:
    scenario = load_scenario(SMALL_SCENARIO)
    text = dump_scenario(scenario, "json" if file_format == "json" else "yaml")
    assert parse_scenario(text, as_json=file_format == "json") == scenario
