"""Property-based: random valid scenarios load; random corruptions are refused by field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobilize.core.errors import InvalidScenario
from mobilize.scenario.loader import parse_scenario
from mobilize.scenario.writer import dump_scenario

START = date(2018, 11, 26)
identifiers = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,11}", fullmatch=True)
names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
latitudes = st.floats(-90, 90, allow_nan=False).map(lambda x: round(x, 4))
longitudes = st.floats(-180, 180, allow_nan=False).map(lambda x: round(x, 4))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A valid scenario document, built independently of the project's generator."""
    days = draw(st.integers(1, 120))
    end = START + timedelta(days=days - 1)
    location_ids = draw(st.lists(identifiers, min_size=1, max_size=5, unique=True))
    capability_ids = draw(st.lists(identifiers, min_size=1, max_size=4, unique=True))
    law_enforcement = draw(st.lists(st.sampled_from(capability_ids), max_size=1, unique=True))

    def day(lo: date, hi: date) -> st.SearchStrategy[date]:
        return st.dates(lo, hi)

    def unit(index: int) -> dict[str, Any]:
        capability = draw(st.sampled_from(capability_ids))
        components = (
            ["guard", "civilian"]
            if capability in law_enforcement
            else ["active", "guard", "civilian"]
        )
        record: dict[str, Any] = {
            "id": f"u{index}",
            "name": draw(names),
            "capability": capability,
            "component": draw(st.sampled_from(components)),
            "strength": draw(st.integers(1, 2000)),
            "home": {"name": draw(names), "lat": draw(latitudes), "lon": draw(longitudes)},
        }
        if draw(st.booleans()):
            record["location"] = draw(st.sampled_from(location_ids))
            record["deployed_since"] = draw(day(START - timedelta(days=300), START)).isoformat()
        else:
            available_from = draw(day(START, end))
            record["available_from"] = available_from.isoformat()
            if draw(st.booleans()):
                record["available_until"] = draw(
                    day(available_from, end + timedelta(days=60))
                ).isoformat()
        if draw(st.booleans()):
            record["max_deployment_days"] = draw(st.integers(1, 400))
        return record

    def ranged(record: dict[str, Any], last_key: str = "to") -> dict[str, Any]:
        first = draw(day(START, end))
        record["from"] = first.isoformat()
        record[last_key] = draw(day(first, end)).isoformat()
        return record

    requirements = [
        ranged(
            {
                "location": draw(st.sampled_from(location_ids)),
                "capability": draw(st.sampled_from(capability_ids)),
                "personnel": draw(st.integers(1, 5000)),
            }
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    tasks = [
        ranged(
            {
                "id": f"t{index}",
                "location": draw(st.sampled_from(location_ids)),
                "capability": draw(st.sampled_from(capability_ids)),
                "personnel": draw(st.integers(1, 500)),
            },
            last_key="until",
        )
        for index in range(draw(st.integers(0, 3)))
    ]
    caps = [
        ranged(
            {
                "component": draw(st.sampled_from(["active", "guard", "civilian"])),
                "max_personnel": draw(st.integers(0, 9999)),
            }
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    return {
        "name": draw(names),
        "start": START.isoformat(),
        "end": end.isoformat(),
        "locations": [
            {"id": i, "name": draw(names), "lat": draw(latitudes), "lon": draw(longitudes)}
            for i in location_ids
        ],
        "capabilities": [{"id": i, "name": draw(names)} for i in capability_ids],
        "units": [unit(index) for index in range(draw(st.integers(0, 8)))],
        "requirements": requirements,
        "tasks": tasks,
        "caps": caps,
        "policy": {
            "max_deployment_days": draw(st.integers(1, 400)),
            "law_enforcement_capabilities": law_enforcement,
        },
    }


def as_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@given(scenarios())
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_random_valid_scenarios_load_and_round_trip(document: dict[str, Any]) -> None:
    scenario = parse_scenario(as_yaml(document))
    assert len(scenario.units) == len(document["units"])
    assert parse_scenario(dump_scenario(scenario)) == scenario
    assert parse_scenario(dump_scenario(scenario, "json"), as_json=True) == scenario


# Each corruption breaks one field of a valid document and names the path it must be refused at.
def _corrupt_unit_strength(document: dict[str, Any], index: int, value: Any) -> str:
    document["units"][index]["strength"] = value
    return f"units[{index}].strength"


def _corrupt_unit_location(document: dict[str, Any], index: int, value: Any) -> str:
    document["units"][index]["location"] = "?" + str(value)
    document["units"][index]["deployed_since"] = START.isoformat()
    document["units"][index].pop("available_from", None)
    document["units"][index].pop("available_until", None)
    return f"units[{index}].location"


def _corrupt_unit_component(document: dict[str, Any], index: int, value: Any) -> str:
    document["units"][index]["component"] = f"x{value}"
    return f"units[{index}].component"


def _corrupt_unit_home(document: dict[str, Any], index: int, value: Any) -> str:
    document["units"][index]["home"]["lat"] = 91 + abs(int(value))
    return f"units[{index}].home.lat"


def _corrupt_deployed_since(document: dict[str, Any], index: int, value: Any) -> str:
    unit = document["units"][index]
    unit.pop("available_from", None)
    unit.pop("available_until", None)
    unit["location"] = document["locations"][0]["id"]
    unit["deployed_since"] = (START + timedelta(days=1 + abs(int(value)) % 50)).isoformat()
    return f"units[{index}].deployed_since"


def _corrupt_malformed_date(document: dict[str, Any], index: int, value: Any) -> str:
    unit = document["units"][index]
    key = "available_until" if "available_from" in unit else "deployed_since"
    unit[key] = f"2018/{value}"
    return f"units[{index}].{key}"


UNIT_CORRUPTIONS = [
    _corrupt_unit_strength,
    _corrupt_unit_location,
    _corrupt_unit_component,
    _corrupt_unit_home,
    _corrupt_deployed_since,
    _corrupt_malformed_date,
]


@given(scenarios(), st.data())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_random_corruptions_are_refused_naming_the_field(
    document: dict[str, Any], data: st.DataObject
) -> None:
    if not document["units"]:
        document["units"].append(
            {
                "id": "u0",
                "capability": document["capabilities"][0]["id"],
                "component": "civilian",
                "strength": 1,
                "home": {"name": "h", "lat": 0, "lon": 0},
            }
        )
    index = data.draw(st.integers(0, len(document["units"]) - 1), label="unit")
    corruption = data.draw(st.sampled_from(UNIT_CORRUPTIONS), label="corruption")
    value = (
        data.draw(st.sampled_from([0, -1, -250, 3.5, "12", True]), label="value")
        if corruption is _corrupt_unit_strength
        else data.draw(st.integers(0, 999), label="value")
    )
    expected_path = corruption(document, index, value)
    with pytest.raises(InvalidScenario) as refusal:
        parse_scenario(as_yaml(document), source="random.yaml")
    paths = [problem.path for problem in refusal.value.problems]
    assert expected_path in paths, paths


@given(
    scenarios(),
    st.sampled_from(["locations", "capabilities", "units", "requirements", "tasks", "caps"]),
)
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
def test_dropping_a_required_field_is_refused_naming_it(
    document: dict[str, Any], section: str
) -> None:
    records = document[section]
    if not records:
        return
    required = {
        "locations": "lat",
        "capabilities": "name",
        "units": "home",
        "requirements": "personnel",
        "tasks": "location",
        "caps": "max_personnel",
    }[section]
    del records[-1][required]
    with pytest.raises(InvalidScenario) as refusal:
        parse_scenario(as_yaml(document))
    assert f"{section}[{len(records) - 1}].{required}" in [p.path for p in refusal.value.problems]
