"""The reference scenario rebuilds the 2018 border mission with the public figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mobilize.scenario.schemas import Component, Scenario
from mobilize.scenario.summary import summarize

SOUTHWEST_BORDER_SECTORS = {"SDC", "ELC", "YUM", "TCA", "EPT", "BBT", "DRT", "LRT", "RGV"}


def test_about_5900_active_and_2100_guard_on_the_first_day(reference_scenario: Scenario) -> None:
    deployed = summarize(reference_scenario).deployed_on_start
    assert deployed[Component.ACTIVE] == pytest.approx(5900, abs=100)
    assert deployed[Component.GUARD] == 2100


def test_horizon_runs_to_the_end_of_january(reference_scenario: Scenario) -> None:
    assert reference_scenario.start == date(2018, 11, 26)
    assert reference_scenario.end == date(2019, 1, 31)


def test_the_nine_southwest_border_sectors(reference_scenario: Scenario) -> None:
    assert {location.id for location in reference_scenario.locations} == SOUTHWEST_BORDER_SECTORS
    for location in reference_scenario.locations:
        assert 25.8 < location.lat < 33.0, location
        assert -117.2 < location.lon < -97.0, location


def test_active_cap_of_4000_from_16_december(reference_scenario: Scenario) -> None:
    (cap,) = [cap for cap in reference_scenario.caps if cap.component is Component.ACTIVE]
    assert cap.max_personnel == 4000
    assert cap.from_ == date(2018, 12, 16)


def test_engineer_tasks_end_in_early_december(reference_scenario: Scenario) -> None:
    engineer_tasks = [task for task in reference_scenario.tasks if task.capability == "ENG"]
    assert engineer_tasks
    for task in engineer_tasks:
        assert task.until is not None
        assert date(2018, 12, 1) <= task.until <= date(2018, 12, 14)


def test_police_medical_and_aviation_needed_through_january(reference_scenario: Scenario) -> None:
    lasting = {
        r.capability
        for r in reference_scenario.requirements
        if reference_scenario.requirement_days(r).last == date(2019, 1, 31)
    }
    assert {"MP", "MED", "AVN"} <= lasting


def test_some_of_the_first_units_must_be_relieved_in_the_window(
    reference_scenario: Scenario,
) -> None:
    must_leave = [
        unit
        for unit in reference_scenario.units
        if unit.capability in {"MP", "MED", "AVN"}
        and unit.deployed_since is not None
        and unit.deployed_since <= date(2018, 11, 1)
        and unit.deployed_since + timedelta(days=reference_scenario.max_deployment_days(unit))
        <= reference_scenario.end
    ]
    assert len(must_leave) >= 2
    reserve_capabilities = {u.capability for u in reference_scenario.units if u.location is None}
    assert {unit.capability for unit in must_leave} <= reserve_capabilities


def test_camp_pendleton_marines_serve_in_the_san_diego_sector(reference_scenario: Scenario) -> None:
    marines = [u for u in reference_scenario.units if "Camp Pendleton" in u.home.name]
    assert marines
    assert all(unit.location == "SDC" for unit in marines)
    assert reference_scenario.passes is not None


def test_civilian_officers_from_the_six_departments(reference_scenario: Scenario) -> None:
    departments = {
        (unit.agency or "").split("/")[0]
        for unit in reference_scenario.units
        if unit.component is Component.CIVILIAN
    }
    assert {"DOS", "DOJ", "DOE", "DOT", "DOL", "DOI"} <= departments


def test_description_says_what_is_illustrative(reference_scenario: Scenario) -> None:
    assert reference_scenario.description is not None
    assert "illustrative" in reference_scenario.description.lower()
