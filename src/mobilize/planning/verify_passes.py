"""The pass rules of `verify`: an independent check, walking the calendar from the scenario.

Shares no code with the pass planner: eligibility, blocks and coverage are recomputed here.
Also holds the calendar and distance primitives the rest of the verifier (`verify`) uses.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from mobilize.planning.schemas import DeploymentDocument, PassDocument
from mobilize.scenario.schemas import Component, Scenario, Unit

Cells = Counter[tuple[date, str, str]]


def away_on_pass(
    scenario: Scenario,
    passes: list[PassDocument],
    deployments: list[DeploymentDocument],
    units: dict[str, Unit],
) -> Cells:
    """Personnel away per (day, location, capability), for passes of deployed units only."""
    where = {d.unit: d.location for d in deployments}
    away: Cells = Counter()
    for granted in passes:
        unit = units.get(granted.unit)
        if unit is None or granted.unit not in where or not covers_needs(scenario, unit):
            continue
        for day in dates_between(granted.from_, granted.to):
            away[(day, where[granted.unit], unit.capability)] += granted.personnel
    return away


def pass_violations(
    scenario: Scenario,
    passes: list[PassDocument],
    deployments: list[DeploymentDocument],
    units: dict[str, Unit],
    cells: tuple[Cells, Cells, Cells],
) -> list[str]:
    """Every pass rule broken; `cells` is (required, present without passes, away on pass)."""
    if not passes:
        return []
    settings = scenario.passes
    if settings is None:
        return [f"passes: the scenario has no passes section, but the plan has {len(passes)}"]
    problems = []
    by_unit = {d.unit: d for d in deployments}
    locations = {location.id: location for location in scenario.locations}
    for index, granted in enumerate(passes):
        where = f"passes[{index}] ({granted.unit})"
        unit = units.get(granted.unit)
        deployment = by_unit.get(granted.unit)
        if unit is None or deployment is None:
            problems.append(f"{where}: not a unit deployed in this plan")
            continue
        days = (granted.to - granted.from_).days + 1
        if days != settings.length_days:
            problems.append(f"{where}: {days} days away; a pass is {settings.length_days}")
        if granted.from_ < settings.from_ or granted.to > settings.to:
            problems.append(
                f"{where}: {granted.from_}..{granted.to} is outside the window "
                f"{settings.from_}..{settings.to}"
            )
        if granted.from_ < deployment.from_ or granted.to > deployment.to:
            problems.append(
                f"{where}: {granted.from_}..{granted.to} is outside its deployment "
                f"{deployment.from_}..{deployment.to}"
            )
        post = locations[deployment.location]
        distance = spherical_km(unit.home.lat, unit.home.lon, post.lat, post.lon)
        if distance > settings.max_home_distance_km:
            problems.append(
                f"{where}: home is {distance:,.0f} km from {deployment.location}; passes only "
                f"within {settings.max_home_distance_km:,.0f} km"
            )
    problems += _block_violations(passes, units, settings.blocks)
    problems += _coverage_violations(cells)
    return problems


def _block_violations(passes: list[PassDocument], units: dict[str, Unit], blocks: int) -> list[str]:
    """Each unit's passes must fit its blocks: equal parts (sizes differ by at most one), at
    most one pass per block."""
    given: dict[str, Counter[int]] = {}
    for granted in passes:
        given.setdefault(granted.unit, Counter())[granted.personnel] += 1
    problems = []
    for unit_id, sizes in sorted(given.items()):
        unit = units.get(unit_id)
        if unit is None:
            continue
        parts = min(blocks, unit.strength)
        small, big = divmod(unit.strength, parts)
        allowed = Counter({small + 1: big, small: parts - big}) if big else Counter({small: parts})
        extra = sizes - allowed
        if extra:
            problems.append(
                f"passes ({unit_id}): {sum(sizes.values())} passes of {dict(sizes)} personnel do "
                f"not fit its {parts} blocks of {dict(+allowed)}"
            )
    return problems


def _coverage_violations(cells: tuple[Cells, Cells, Cells]) -> list[str]:
    required, present, away = cells
    problems = []
    for key in sorted(away):
        day, location, capability = key
        floor = min(required[key], present[key])
        if present[key] - away[key] < floor:
            problems.append(
                f"passes: {capability} at {location} on {day} falls to "
                f"{present[key] - away[key]} with {away[key]} away; at least {floor} must stay"
            )
    return problems


def covers_needs(scenario: Scenario, unit: Unit) -> bool:
    """Whether the unit counts towards requirements: active units never cover law enforcement."""
    return not (unit.component is Component.ACTIVE and scenario.is_law_enforcement(unit.capability))


def dates_between(first: date, last: date) -> list[date]:
    """Every date from `first` to `last`, both included."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def spherical_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the spherical law of cosines (the planner uses haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    cosine = math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return 6371.0088 * math.acos(max(-1.0, min(1.0, cosine)))
