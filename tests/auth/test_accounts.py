"""Accounts can be shut: disabling, a password reset, a token revocation or `sessions-end`
ends every web session and token of the user at once, and each act is in the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from mobilize.audit.models import AuditRecord
from mobilize.auth.accounts import disable_user, enable_user, end_sessions, reset_password
from mobilize.auth.models import Role
from mobilize.auth.service import (
    add_user,
    authenticate_password,
    authenticate_token,
    create_token,
    revoke_tokens,
)
from mobilize.auth.sessions import sign_in, signed_in
from mobilize.core.db import session_scope
from mobilize.core.errors import NotFound, Unauthenticated
from tests.conftest import run_cli

KEY = b"accounts-test-key"
USER = "doj.liaison"
PASSWORD = "first-password"


@pytest.fixture
def opened(engine: Engine) -> tuple[Engine, str, str]:
    """The user with a web session (cookie token) and an API token."""
    with session_scope(engine) as session:
        add_user(session, KEY, USER, "DOJ", [(Role.RESPONDER, "DOJ")], password=PASSWORD)
        cookie, _ = sign_in(session, KEY, USER, PASSWORD)
        token = create_token(session, KEY, USER)
    return engine, cookie, token


def _shut_out(engine: Engine, cookie: str, token: str) -> None:
    with session_scope(engine) as session:
        with pytest.raises(Unauthenticated):
            signed_in(session, cookie)
        with pytest.raises(Unauthenticated):
            authenticate_token(session, token)


def _last_action(engine: Engine) -> tuple[str, str | None, object]:
    with session_scope(engine) as session:
        record = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        assert record is not None
        return record.action, record.object_id, record.after


ACTS: dict[str, Callable[..., object]] = {
    "user.disable": disable_user,
    "user.reset-password": reset_password,
    "user.sessions-end": end_sessions,
    "token.revoke": revoke_tokens,
}


@pytest.mark.parametrize("action", list(ACTS))
def test_each_act_ends_every_session_and_token_at_once(
    opened: tuple[Engine, str, str], action: str
) -> None:
    engine, cookie, token = opened
    with session_scope(engine) as session:
        ACTS[action](session, KEY, USER)
    _shut_out(engine, cookie, token)
    done, who, after = _last_action(engine)
    assert (done, who) == (action, USER)
    assert isinstance(after, dict)
    assert after.get("sessions_ended") == 1


def test_a_reset_password_replaces_the_old_one(opened: tuple[Engine, str, str]) -> None:
    engine, _, _ = opened
    with session_scope(engine) as session:
        new = reset_password(session, KEY, USER)
    with session_scope(engine) as session:
        with pytest.raises(Unauthenticated):
            authenticate_password(session, USER, PASSWORD)
        assert authenticate_password(session, USER, new).username == USER
    recorded = str(_last_action(engine))
    assert PASSWORD not in recorded
    assert new not in recorded


def test_a_disabled_user_cannot_sign_in_until_enabled(opened: tuple[Engine, str, str]) -> None:
    engine, _, _ = opened
    with session_scope(engine) as session:
        disable_user(session, KEY, USER)
    with session_scope(engine) as session, pytest.raises(Unauthenticated):
        sign_in(session, KEY, USER, PASSWORD)
    with session_scope(engine) as session:
        enable_user(session, KEY, USER)
    with session_scope(engine) as session:
        assert sign_in(session, KEY, USER, PASSWORD)[1].actor.username == USER
    assert _last_action(engine)[0] == "session.start"


def test_an_unknown_user_is_named(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(NotFound, match="no user 'nobody'"):
        disable_user(session, KEY, "nobody")


def test_the_commands_shut_and_open_an_account(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    assert run_cli("users", "add", USER, "--agency", "DOJ", "--role", "responder") == 0
    assert run_cli("tokens", "create", USER) == 0
    assert run_cli("users", "disable", USER) == 0
    assert "0 web session(s) ended, 1 token(s) revoked" in capsys.readouterr().err
    assert run_cli("users", "enable", USER) == 0
    assert run_cli("users", "reset-password", USER) == 0
    printed = capsys.readouterr()
    assert len(printed.out.strip()) >= 12
    assert "every session and token of theirs ended" in printed.err
    assert run_cli("users", "sessions-end", USER) == 0
    assert run_cli("users", "disable", "nobody") == 1
    assert run_cli("audit", "verify") == 0
