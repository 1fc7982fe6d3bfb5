"""One error hierarchy for the whole application.

Services raise these; the edges (CLI, API, web) each turn them into their own form:
a red line and an exit code, problem+json, an error page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class MobilizeError(Exception):
    """Base of every error the application raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The input fields the error is about, by path (`lines.0.location`) -> what is wrong
        # there: a form shows each beside its field, the API lists them in `errors`.
        self.fields = fields or {}


class NotFound(MobilizeError):
    """The thing asked for does not exist."""


class Conflict(MobilizeError):
    """The change clashes with what is already stored."""


class Unauthenticated(MobilizeError):
    """No valid credentials: a missing, unknown or revoked token or password."""


class TooManyAttempts(MobilizeError):
    """Too many failed sign-ins for one user name lately: wait before trying again."""


class TooManyJobs(TooManyAttempts):
    """Fair use: the user or the operation has as many solves queued or running as allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds until the soonest of them should be done


class Forbidden(MobilizeError):
    """The actor is known but may not do this (role, agency or separation of duties)."""


class Refused(MobilizeError):
    """A rule of the domain refuses the change (a transition not allowed from this state, an
    active-duty line for law enforcement, an approval of a version that has changed)."""


class PreconditionRequired(MobilizeError):
    """A write without the version it was based on (`If-Match`)."""


class PreconditionFailed(MobilizeError):
    """A write based on a version that is no longer current: someone changed it first."""


class InvalidInput(MobilizeError):
    """Input that is well formed but not acceptable (an unknown agency, dates out of order)."""

    exit_code = 2


class InvalidFields(InvalidInput):
    """Input refused field by field: every problem found, keyed by the field's path
    (`lines.0.location`), so that a form shows each beside its field and the API lists them."""

    def __init__(self, fields: dict[str, str]) -> None:
        summary = "; ".join(f"{_spoken(path)}: {message}" for path, message in fields.items())
        super().__init__(summary, fields)


def _spoken(path: str) -> str:
    """`lines.0.location` -> `line 1, location`: the summary is read by people, who count
    lines from 1 (the field paths in `fields` stay as the API's `loc`)."""
    return re.sub(r"\blines\.(\d+)(\.|$)", lambda m: f"line {int(m.group(1)) + 1}, ", path).rstrip(
        ", "
    )


class InvalidPlan(MobilizeError):
    """A plan file that cannot be read as a plan."""

    exit_code = 2


class LogRolledBack(MobilizeError):
    """The audit log no longer extends the latest signed head its witness holds: an older
    copy of the database, a cut tail or an older head put back. Nothing is sealed over it."""


class UnsafeKeyFile(MobilizeError):
    """A key file that others may read: whoever reads it can sign the audit log's heads."""


class DatabaseNotReady(MobilizeError):
    """The database schema is missing or older than this version of the code."""


class DatabaseUnavailable(MobilizeError):
    """The database cannot be reached (stopped, restarting, the network lost): try again."""

    retry_after = 5  # seconds: a restart or a fail-over takes about this long


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as the parser knows."""

    source: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class InvalidScenario(MobilizeError):
    """A scenario file was refused; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the scenario")
        self.problems = problems
