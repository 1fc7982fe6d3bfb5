"""What every CLI command module shares: the consoles, the database and the audit key."""

from __future__ import annotations

from datetime import date

import typer
from rich.console import Console
from sqlalchemy import Engine

from mobilize.audit.witness import FileWitness
from mobilize.core.db import make_engine
from mobilize.core.migrate import ensure_schema
from mobilize.core.settings import audit_key, load_settings, witness_file

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def open_engine() -> Engine:
    """The configured database, its schema created on first use."""
    engine = make_engine(load_settings().database_url)
    ensure_schema(engine)
    return engine


def signing_key() -> bytes:
    """The key that signs the audit trail's head (see `core.settings.audit_key`)."""
    return audit_key(load_settings())


def audit_witness() -> FileWitness:
    """The witness of the audit log's heads (see `core.settings.witness_file`)."""
    return FileWitness(witness_file(load_settings()))


def parse_date(text: str, option: str) -> date:
    """A `YYYY-MM-DD` option's value, or a usage error naming the option (exit 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None
