"""The generator writes valid, realistic scenarios, the same for the same seed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.loader import parse_scenario
from mobilize.scenario.schemas import Component
from mobilize.scenario.writer import dump_scenario


@given(
    units=st.integers(1, 60),
    locations=st.integers(1, 12),
    days=st.integers(1, 120),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=40, deadline=None)
def test_generated_scenarios_pass_validation(
    units: int, locations: int, days: int, seed: int
) -> None:
    scenario = generate_scenario(
        GeneratorSettings(units=units, locations=locations, days=days, seed=seed)
    )
    assert parse_scenario(dump_scenario(scenario), source="generated.yaml") == scenario
    assert len(scenario.units) == units
    assert len(scenario.locations) == locations
    assert len(scenario.horizon) == days


def test_same_seed_gives_the_same_file_and_another_seed_does_not() -> None:
    def text(seed: int) -> str:
        return dump_scenario(generate_scenario(GeneratorSettings(units=300, seed=seed)))

    assert text(7) == text(7)
    assert text(7) != text(8)


def test_generated_force_looks_like_a_deployment() -> None:
    scenario = generate_scenario(GeneratorSettings(units=1000, locations=9, days=67, seed=1))
    deployed = [unit for unit in scenario.units if unit.location is not None]
    assert 0.5 < len(deployed) / len(scenario.units) < 0.8
    assert all(
        unit.component is not Component.ACTIVE
        for unit in scenario.units
        if unit.capability == "LEO"
    )
    assert scenario.requirements
    assert scenario.tasks
    active_on_start = sum(u.strength for u in deployed if u.component is Component.ACTIVE)
    assert scenario.caps[0].max_personnel < active_on_start
