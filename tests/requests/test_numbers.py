"""Request numbers: one counter per year, carried over by the migration that introduced it."""

from __future__ import annotations

from alembic import command

from mobilize.core.db import session_scope
from mobilize.core.migrate import alembic_config, upgrade
from mobilize.requests import schemas
from mobilize.requests.drafts import create_request
from tests.requests.conftest import Demo, officers_line


def _file(demo: Demo, operation: str) -> str:
    line = officers_line(personnel=5)
    draft = schemas.RequestDraft(title="t", justification="j", operation=operation, lines=[line])
    with session_scope(demo.engine) as session:
        return create_request(session, demo.key, demo.actors["dhs.requester"], draft).number


def test_numbers_count_on_per_year_after_the_ones_given_out(demo: Demo) -> None:
    assert demo.numbers == ["RFA-2018-0001", "RFA-2018-0002"]
    assert _file(demo, "Border support 2018") == "RFA-2018-0003"
    assert _file(demo, "Border support 2018") == "RFA-2018-0004"


def test_the_migration_starts_each_counter_after_the_existing_numbers(demo: Demo) -> None:
    config = alembic_config(demo.engine)
    command.downgrade(config, "0005")  # as a database was before the counters
    upgrade(demo.engine)
    assert _file(demo, "Border support 2018") == "RFA-2018-0003"
