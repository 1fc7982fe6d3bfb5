"""The audit log as a list: what a reader sees, filters, search, pages, and a record's change
field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from mobilize.audit.listing import (
    Readable,
    TrailFilter,
    field_changes,
    list_records,
    outcome_words,
)
from mobilize.auth.service import actor_named
from mobilize.core.db import session_scope
from mobilize.operations.trail import readable_by
from mobilize.requests.demo import load_demo
from mobilize.scenario.schemas import Scenario

KEY = b"listing-test-key"


def _demo(engine: Engine, scenario: Scenario) -> list[str]:
    with session_scope(engine) as session:
        return load_demo(session, KEY, scenario)


def test_a_changed_line_reads_field_by_field() -> None:
    before = {"status": "submitted", "lines": [{"status": "offered", "personnel": 10}]}
    after = {"status": "submitted", "lines": [{"status": "approved", "personnel": 10}]}
    changes = field_changes(before, after)
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("lines[1].status", "offered", "approved")
    ]


def test_a_created_object_lists_each_field_it_was_given() -> None:
    changes = field_changes(None, {"number": "RFA-2018-0009", "status": "draft"})
    assert [(c.field, c.before, c.after) for c in changes] == [
        ("number", None, "RFA-2018-0009"),
        ("status", None, "draft"),
    ]


def test_plain_values_and_unchanged_records() -> None:
    assert field_changes({"a": 1}, {"a": 1}) == []
    assert [(c.field, c.after) for c in field_changes(3, 4)] == [("value", 4)]
    assert outcome_words("ok") == "done"
    assert outcome_words("denied") == "refused: not allowed"


def test_recent_activity_lists_newest_first_without_any_filter(
    engine: Engine, reference_scenario: Scenario
) -> None:
    _demo(engine, reference_scenario)
    with session_scope(engine) as session:
        everything = Readable(everything=True, actor="nobody")
        found = list_records(session, everything, TrailFilter(), limit=5)
        ids = [record.id for record in found.records]
        assert len(ids) == 5
        assert ids == sorted(ids, reverse=True)
        assert found.total > 5
        assert found.next_offset == 5
        assert found.previous_offset is None
        second = list_records(session, everything, TrailFilter(), limit=5, offset=5)
        assert max(r.id for r in second.records) < min(ids)
        oldest = list_records(session, everything, TrailFilter(order="oldest"), limit=1)
        assert oldest.records[0].id < min(ids)


def test_filters_by_user_agency_action_object_and_dates(
    engine: Engine, reference_scenario: Scenario
) -> None:
    numbers = _demo(engine, reference_scenario)
    everything = Readable(everything=True, actor="nobody")
    with session_scope(engine) as session:

        def listed(wanted: TrailFilter) -> list[tuple[str | None, str | None, str, str | None]]:
            found = list_records(session, everything, wanted, limit=200).records
            return [(r.actor, r.agency, r.action, r.object_id) for r in found]

        by_user = listed(TrailFilter(actor="doj.responder"))
        assert by_user
        assert {actor for actor, *_ in by_user} == {"doj.responder"}
        by_agency = listed(TrailFilter(agency="DoD"))
        assert by_agency
        assert all((a or "").split("/")[0] == "DoD" for _, a, *_ in by_agency)
        created = listed(TrailFilter(action="request.create"))
        assert {number for *_, number in created} == set(numbers)
        prefixed = listed(TrailFilter(action="request."))
        assert len(prefixed) > len(created)
        one = listed(TrailFilter(object_type="request", object_id=numbers[0]))
        assert one
        assert {number for *_, number in one} == {numbers[0]}
        today = datetime.now(UTC).date()
        assert listed(TrailFilter(since=today, until=today))
        assert listed(TrailFilter(until=date(2000, 1, 1))) == []
        searched = listed(TrailFilter(text=numbers[1][-4:]))
        assert searched
        assert all(numbers[1][-4:] in (n or "") for *_, n in searched)


def test_a_reader_sees_only_what_they_may_read(
    engine: Engine, reference_scenario: Scenario
) -> None:
    numbers = _demo(engine, reference_scenario)
    with session_scope(engine) as session:
        justice = actor_named(session, "doj.responder")
        readable = readable_by(session, justice)
        found = list_records(session, readable, TrailFilter(object_type="request"), limit=200)
        seen = {record.object_id for record in found.records}
        assert seen
        assert seen <= readable.requests
        assert set(numbers) - readable.requests  # DOJ is not party to every request


def test_a_field_path_reads_as_words() -> None:
    changes = field_changes({"lines": {"3": "offered"}}, {"lines": {"3": "approved"}})
    assert [c.label for c in changes] == ["line 3"]
    assert [c.label for c in field_changes([{"a_b": 1}], [{"a_b": 2}])] == ["item 1 a b"]
