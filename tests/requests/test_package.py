"""The approver's decision package is computed from the force list and the rate table."""

from __future__ import annotations

from mobilize.core.db import session_scope
from mobilize.planning.instance import great_circle_km
from mobilize.requests.demo import DEMO_RATES
from mobilize.requests.package import decision_package
from mobilize.requests.service import get_request
from mobilize.scenario.schemas import Scenario
from tests.requests.conftest import Demo


def test_cost_is_personnel_days_at_the_rate_plus_transport(
    demo: Demo, reference_scenario: Scenario
) -> None:
    with session_scope(demo.engine) as session:
        request = get_request(session, demo.actors["dod.secdef"], demo.numbers[1])
        line = request.lines[0]
        package = decision_package(session, request, [line])
    item = package["cost"]["lines"][0]
    days = (line.ends_on - line.starts_on).days + 1
    daily, per_km = DEMO_RATES["active"]
    assert item["personnel_days"] == line.personnel * days
    assert item["personnel_cost"] == round(line.personnel * days * daily, 2)
    location = next(loc for loc in reference_scenario.locations if loc.id == line.location)
    units = {unit.id: unit for unit in reference_scenario.units}
    for move in item["transport"]:
        home = units[move["unit"]].home
        km = great_circle_km(home.lat, home.lon, location.lat, location.lon)
        assert move["cost"] == round(move["personnel"] * km * 2 * per_km, 2)
    assert sum(move["personnel"] for move in item["transport"]) == line.personnel
    assert item["total"] == round(item["personnel_cost"] + item["transport_cost"], 2)


def test_readiness_share_is_of_the_whole_force_list(
    demo: Demo, reference_scenario: Scenario
) -> None:
    with session_scope(demo.engine) as session:
        request = get_request(session, demo.actors["dod.secdef"], demo.numbers[1])
        lines = list(request.lines)
        package = decision_package(session, request, lines)
    for entry in package["readiness"]:
        capability = entry["capability"]
        force = sum(u.strength for u in reference_scenario.units if u.capability == capability)
        committed = sum(line.personnel for line in lines if line.capability == capability)
        assert entry["force_list"] == force
        assert entry["committed"] == committed
        assert entry["share"] == round(committed / force, 4)


def test_units_past_their_maximum_are_named(demo: Demo) -> None:
    """Extended to 31 January, the units the reference scenario has relieved after 28
    December (they reach their maximum deployment) are the ones the package names."""
    with session_scope(demo.engine) as session:
        request = get_request(session, demo.actors["dod.secdef"], demo.numbers[1])
        package = decision_package(session, request, list(request.lines))
    named = {entry["capability"]: entry["units_past_maximum"] for entry in package["readiness"]}
    assert "avn-rgv" in named["AVN"]
    assert {"mp-tca", "mp-rgv"} <= set(named["MP"])
    assert "med-rgv" in named["MED"]
    fresh = ("mp-res", "avn-res", "med-res")  # not yet deployed: far from their maximum
    assert not any(unit.startswith(fresh) for units in named.values() for unit in units)


def test_approval_stores_its_package(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        request = get_request(session, demo.actors["dod.secdef"], demo.numbers[1])
        stored = [approval.decision_package for approval in request.approvals]
    assert all(package and package["cost"]["total"] > 0 for package in stored)
