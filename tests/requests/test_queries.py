"""Lists are asked of the database: the WHERE clause of `parties_clause` is `is_party`, and a
page is cut by the database; both held to the one-request rule for every demo user."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from mobilize.core.db import session_scope
from mobilize.requests import schemas
from mobilize.requests.access import is_party, parties_clause
from mobilize.requests.models import SupportRequest
from mobilize.requests.queries import list_requests
from mobilize.requests.service import create_request
from tests.requests.conftest import Demo, officers_line


def _with_a_draft(demo: Demo) -> None:
    """A draft of DHS to DOJ: DOJ is no party to it until it is submitted."""
    with session_scope(demo.engine) as session:
        draft = schemas.RequestDraft(title="draft", justification="j", lines=[officers_line()])
        create_request(session, demo.key, demo.actors["dhs.requester"], draft)


def test_the_clause_and_the_rule_agree_for_every_user_and_request(demo: Demo) -> None:
    _with_a_draft(demo)
    with session_scope(demo.engine) as session:
        requests = session.scalars(select(SupportRequest)).all()
        assert any(request.status == "draft" for request in requests)
        for username, actor in demo.actors.items():
            by_clause = set(
                session.scalars(select(SupportRequest.number).where(parties_clause(session, actor)))
            )
            by_rule = {request.number for request in requests if is_party(actor, request)}
            assert by_clause == by_rule, username
        assert any(  # the test is not vacuous: someone is no party to something
            not is_party(actor, request) for actor in demo.actors.values() for request in requests
        )


def test_a_page_is_the_newest_matching_and_the_total_counts_them_all(demo: Demo) -> None:
    _with_a_draft(demo)
    with session_scope(demo.engine) as session:
        actor = demo.actors["dhs.requester"]
        everything = list_requests(session, actor, per_page=100)
        numbers = [item.number for item in everything.items]
        assert everything.total == len(numbers) > 2
        first = list_requests(session, actor, page=1, per_page=2)
        second = list_requests(session, actor, page=2, per_page=2)
        assert [item.number for item in first.items + second.items] == numbers[:4]
        assert first.total == everything.total
        sent_to_doj = list_requests(session, actor, agency="DOJ", capability="LEO", per_page=100)
        assert sent_to_doj.items
        assert all("DOJ" in item.supporting_agencies for item in sent_to_doj.items)
        none_that_day = list_requests(session, actor, on=date(1990, 1, 1))
        assert none_that_day.total == 0
        assert none_that_day.items == []
