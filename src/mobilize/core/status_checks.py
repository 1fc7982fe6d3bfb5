"""The database's CHECK constraints on status columns follow the workflow table.

A status column is text with a CHECK naming every status (`requests.models.status_type`),
declared from a `StrEnum` of `requests.states`. A migration writes the CHECK as the table was on
its day; when a status is added to the table later, `mobilize db upgrade` rewrites the CHECK from
the model, and a server refuses to start on a database whose CHECKs are behind. Adding a status
stays one edit (docs/requests.md, "Adding a status").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from alembic.operations import Operations
from sqlalchemy import Connection, Enum, MetaData, inspect

QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class StatusCheck:
    """One status column's CHECK: the statuses it must allow."""

    table: str
    column: str
    name: str
    statuses: tuple[str, ...]

    @property
    def sql(self) -> str:
        allowed = ", ".join(f"'{status}'" for status in self.statuses)
        return f"{self.column} IN ({allowed})"


def declared_checks(metadata: MetaData) -> Iterator[StatusCheck]:
    """The CHECKs the models declare: every non-native enum column with a constraint."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            kind = column.type
            if isinstance(kind, Enum) and not kind.native_enum and kind.create_constraint:
                # The name the metadata's naming convention gives ("ck_%(table)s_%(name)s").
                name = f"ck_{table.name}_{kind.name}"
                yield StatusCheck(table.name, column.name, name, tuple(kind.enums))


def stale_checks(connection: Connection, metadata: MetaData) -> list[StatusCheck]:
    """The declared CHECKs the database lacks or holds with other statuses."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    stale = []
    for check in declared_checks(metadata):
        if check.table not in tables:
            continue  # an older revision than the models; the migrations make it
        found = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(check.table)}
        if set(QUOTED.findall(str(found.get(check.name, "")))) != set(check.statuses):
            stale.append(check)
    return stale


def sync_checks(operations: Operations, metadata: MetaData) -> list[StatusCheck]:
    """Rewrite every stale CHECK from the models, in the caller's transaction; the rewritten.

    SQLite cannot alter a constraint: batch mode rebuilds the table (the migrations run with
    foreign keys off for that reason, `migrations/env.py`)."""
    connection = operations.get_bind()
    stale = stale_checks(connection, metadata)
    for check in stale:
        has_it = any(
            found["name"] == check.name
            for found in inspect(connection).get_check_constraints(check.table)
        )
        with operations.batch_alter_table(check.table) as batch:
            # `f()`: the name is final; the naming convention must not prefix it again.
            if has_it:
                batch.drop_constraint(operations.f(check.name), type_="check")
            batch.create_check_constraint(operations.f(check.name), check.sql)
    return stale
