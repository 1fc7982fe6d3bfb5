"""Scenarios stored as operations read back equal, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from mobilize.agencies.models import Agency
from mobilize.core.db import session_scope
from mobilize.core.errors import Conflict, NotFound
from mobilize.operations.service import export_scenario, import_scenario, list_operations
from mobilize.scenario.generator import GeneratorSettings, generate_scenario
from mobilize.scenario.schemas import Scenario


def round_trip(engine: Engine, scenario: Scenario) -> Scenario:
    with session_scope(engine) as session:
        import_scenario(session, scenario)
    with session_scope(engine) as session:
        return export_scenario(session, scenario.name)


def test_reference_scenario_round_trips(engine: Engine, reference_scenario: Scenario) -> None:
    assert round_trip(engine, reference_scenario) == reference_scenario


def test_generated_1000_unit_scenario_round_trips(engine: Engine) -> None:
    scenario = generate_scenario(GeneratorSettings(units=1000, locations=20, days=90, seed=3))
    assert round_trip(engine, scenario) == scenario


def test_small_scenario_with_every_optional_field_round_trips(
    engine: Engine, small_scenario: Scenario
) -> None:
    assert round_trip(engine, small_scenario) == small_scenario


def test_importing_the_same_name_twice_is_refused_unless_replacing(
    engine: Engine, small_scenario: Scenario
) -> None:
    with session_scope(engine) as session:
        import_scenario(session, small_scenario)
    with pytest.raises(Conflict, match="--replace"), session_scope(engine) as session:
        import_scenario(session, small_scenario)
    changed = small_scenario.model_copy(update={"description": "second version"})
    with session_scope(engine) as session:
        import_scenario(session, changed, replace=True)
    with session_scope(engine) as session:
        assert [operation.name for operation in list_operations(session)] == [small_scenario.name]
        assert export_scenario(session).description == "second version"


def test_agencies_form_a_tree_shared_by_operations(
    engine: Engine, small_scenario: Scenario
) -> None:
    second = small_scenario.model_copy(update={"name": "Another operation"})
    with session_scope(engine) as session:
        import_scenario(session, small_scenario)
        import_scenario(session, second)
    with session_scope(engine) as session:
        army = session.scalars(select(Agency).where(Agency.code == "Army")).one()
        assert army.path == "DoD/Army"
        assert session.scalars(select(Agency).where(Agency.code == "DoD")).one().parent is None


def test_export_names_the_operations_when_it_cannot_choose(
    engine: Engine, small_scenario: Scenario
) -> None:
    with session_scope(engine) as session, pytest.raises(NotFound, match="none is stored"):
        export_scenario(session)
    with session_scope(engine) as session:
        import_scenario(session, small_scenario)
        import_scenario(session, small_scenario.model_copy(update={"name": "Other"}))
    with session_scope(engine) as session, pytest.raises(NotFound, match="2 operations are stored"):
        export_scenario(session)
    with session_scope(engine) as session, pytest.raises(NotFound, match="'Other'"):
        export_scenario(session, "Missing")


def test_a_failed_import_leaves_nothing_behind(engine: Engine, small_scenario: Scenario) -> None:
    broken = small_scenario.model_copy(
        update={"units": (*small_scenario.units, small_scenario.units[0])}
    )
    with pytest.raises(Exception, match=r"(?i)unique"), session_scope(engine) as session:
        import_scenario(session, broken)
    with session_scope(engine) as session:
        assert list_operations(session) == []
