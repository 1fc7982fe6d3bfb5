"""The plan-level rules as shared predicates: each with a plan that keeps it and one that
breaks it."""

from __future__ import annotations

from mobilize.planning.evaluate import Deployment
from mobilize.planning.instance import PlanningInstance, build_instance
from mobilize.planning.rules import (
    cap_load,
    keeps_caps,
    keeps_plan_rules,
    keeps_windows,
    last_day_of_stay,
    may_arrive_later,
    room_under_caps,
)
from tests.planning.conftest import tiny_scenario


def _instance() -> PlanningInstance:
    """Two companies of 100 (one there since 2018-12-27, maximum 10 days), a cap of 150
    from day 3, a fresh company available days 2-8."""
    scenario = tiny_scenario(
        [
            {"id": "mp-1", "strength": 100, "location": "A", "deployed_since": "2018-12-27"},
            {"id": "mp-2", "strength": 100, "available_from": "2019-01-03"},
            {"id": "mp-3", "strength": 100, "available_until": "2019-01-09"},
        ],
        [{"location": "A", "capability": "MP", "personnel": 100}],
        caps=[{"component": "active", "max_personnel": 150, "from": "2019-01-04"}],
        max_deployment_days=10,
    )
    return build_instance(scenario)


def test_a_cap_is_kept_by_one_company_and_broken_by_two_on_its_days() -> None:
    instance = _instance()
    one = (Deployment("mp-1", "A", 0, 4), Deployment("mp-2", "A", 5, 9))
    two = (Deployment("mp-1", "A", 0, 4), Deployment("mp-2", "A", 3, 9))
    assert keeps_caps(instance, one)
    assert not keeps_caps(instance, two)
    assert cap_load(instance, two, instance.caps[0])[3:6] == [200, 200, 100]
    # before the cap's first day, two companies are allowed
    assert keeps_caps(instance, (Deployment("mp-1", "A", 0, 2), Deployment("mp-2", "A", 2, 2)))


def test_room_under_a_cap_counts_who_is_there() -> None:
    instance = _instance()
    unit = instance.unit_by_id["mp-2"]
    assert room_under_caps(instance, unit, 5, lambda cap: 50)
    assert not room_under_caps(instance, unit, 5, lambda cap: 100)
    assert room_under_caps(instance, unit, 1, lambda cap: 100)  # the cap is not in force yet


def test_windows_and_the_maximum_bound_a_stay() -> None:
    instance = _instance()
    deployed, fresh, leaving = (instance.unit_by_id[u] for u in ("mp-1", "mp-2", "mp-3"))
    assert last_day_of_stay(deployed, 0) == 4  # 5 days served before start, 10 at most
    assert last_day_of_stay(fresh, 2) == 9
    assert last_day_of_stay(leaving, 0) == 8  # home by 2019-01-09
    assert not may_arrive_later(deployed)
    assert may_arrive_later(fresh)
    assert keeps_windows(instance, (Deployment("mp-1", "A", 0, 4), Deployment("mp-2", "B", 2, 9)))
    assert not keeps_windows(instance, (Deployment("mp-1", "A", 0, 5),))  # past its maximum
    assert not keeps_windows(instance, (Deployment("mp-1", "A", 1, 4),))  # arrives again
    assert not keeps_windows(instance, (Deployment("mp-1", "B", 0, 4),))  # elsewhere
    assert not keeps_windows(instance, (Deployment("mp-2", "A", 1, 5),))  # before available
    assert not keeps_windows(instance, (Deployment("mp-3", "A", 0, 9),))  # after available
    assert not keeps_windows(
        instance, (Deployment("mp-2", "A", 2, 3), Deployment("mp-2", "A", 5, 6))
    )  # deployed twice


def test_a_warm_start_must_keep_every_rule() -> None:
    instance = _instance()
    assert keeps_plan_rules(instance, (Deployment("mp-1", "A", 0, 4),))
    assert not keeps_plan_rules(instance, (Deployment("mp-1", "A", 0, 6),))
    assert not keeps_plan_rules(
        instance, (Deployment("mp-1", "A", 0, 4), Deployment("mp-2", "A", 3, 9))
    )
