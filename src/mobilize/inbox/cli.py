"""`mobilize notifications`: a user's e-mail address and delivery, set by the operator, and
one sweep of the outbox by hand (each server sweeps on its own every few seconds)."""

from __future__ import annotations

from typing import Annotated

import typer

from mobilize.auth.service import actor_named
from mobilize.cli_support import open_engine, signing_key, stderr
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.core.settings import load_settings
from mobilize.inbox.mail import send_pending
from mobilize.inbox.models import Delivery
from mobilize.inbox.service import set_delivery

notifications_app = typer.Typer(
    help="Notifications: users' e-mail addresses and delivery; e-mail the outbox now.",
    no_args_is_help=True,
)


@notifications_app.command("email")
def email(
    username: str,
    address: Annotated[str, typer.Argument(help="The address; an empty string removes it.")],
    delivery: Annotated[
        Delivery, typer.Option(help="immediate, digest (one message per period) or off.")
    ] = Delivery.IMMEDIATE,
) -> None:
    """Set USER's e-mail address and delivery (audited as done by the system operator);
    notifications older than the address are not e-mailed."""
    with session_scope(open_engine()) as session:
        set_delivery(session, signing_key(), actor_named(session, username), address, delivery)
    stderr.print(f"{username}: {address or 'no address'} ({delivery})")


@notifications_app.command("send")
def send() -> None:
    """E-mail the notifications due now (what each server does every few seconds)."""
    smtp = load_settings().smtp
    if smtp is None:
        raise InvalidInput(
            "no SMTP server is set (MOBILIZE_SMTP_HOST): notifications are in-app only"
        )
    report = send_pending(open_engine(), smtp)
    stderr.print(f"{len(report.sent)} notification(s) e-mailed, {len(report.failed)} failed")
    for notice, why in sorted(report.failed.items()):
        stderr.print(f"  #{notice}: {why}")
    if report.failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(notifications_app, name="notifications")
