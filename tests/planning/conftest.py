"""Helpers to write tiny scenarios inline and to check every plan with the verifier."""

from __future__ import annotations

from typing import Any

import pytest

from mobilize.planning.schemas import PlanDocument
from mobilize.planning.verify import verify_plan
from mobilize.scenario.schemas import Scenario

FAR = {"name": "Fort Far", "lat": 40.0, "lon": -90.0}
NEAR = {"name": "Camp Near", "lat": 32.7, "lon": -117.1}


def tiny_scenario(
    units: list[dict[str, Any]],
    requirements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    days: int = 10,
    caps: list[dict[str, Any]] = (),  # type: ignore[assignment]
    tasks: list[dict[str, Any]] = (),  # type: ignore[assignment]
    max_deployment_days: int = 180,
    start: Any = None,
    passes: dict[str, Any] | None = None,
) -> Scenario:
    """A scenario starting 2019-01-01 (or `start`) with locations A and B and capabilities MP,
    ENG, LEO."""
    from datetime import date, timedelta

    start = start or date(2019, 1, 1)
    defaults = {"component": "active", "home": FAR, "capability": "MP"}
    return Scenario.model_validate(
        {
            "name": "tiny",
            "start": start,
            "end": start + timedelta(days=days - 1),
            "locations": [
                {"id": "A", "name": "Alpha", "lat": 32.6, "lon": -117.0},
                {"id": "B", "name": "Bravo", "lat": 31.8, "lon": -106.4},
            ],
            "capabilities": [{"id": c, "name": c} for c in ("MP", "ENG", "LEO")],
            "units": [{**defaults, **unit} for unit in units],
            "requirements": list(requirements),
            "tasks": list(tasks),
            "caps": list(caps),
            "policy": {"max_deployment_days": max_deployment_days},
            **({"passes": passes} if passes else {}),
        }
    )


def assert_verified(scenario: Scenario, plan: PlanDocument) -> None:
    result = verify_plan(scenario, plan)
    assert result.violations == [], result.violations
    assert plan.metrics == result.metrics


@pytest.fixture
def verified() -> Any:
    return assert_verified
