"""`mobilize notifications email` sets an address as the operator; `send` says plainly
when no SMTP server is set."""

from __future__ import annotations

import pytest

from mobilize.core.db import session_scope
from mobilize.inbox.models import Delivery
from mobilize.inbox.service import setting_of
from tests.conftest import run_cli
from tests.requests.conftest import Demo


def test_the_operator_sets_an_address_and_send_needs_smtp(
    demo: Demo,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    monkeypatch.delenv("MOBILIZE_SMTP_HOST", raising=False)
    code = run_cli(
        "notifications", "email", "doj.responder", "doj@justice.example", "--delivery", "digest"
    )
    assert code == 0
    with session_scope(demo.engine) as session:
        setting = setting_of(session, demo.actors["doj.responder"])
        assert (setting.email, setting.delivery) == ("doj@justice.example", Delivery.DIGEST)
    assert run_cli("notifications", "email", "doj.responder", "not-an-address") == 2
    assert run_cli("notifications", "send") == 2
    assert "no SMTP server is set" in capsys.readouterr().err
