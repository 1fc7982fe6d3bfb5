"""What people type for a capability, a location or an agency, read as the code it names.

The pages print "Military police (MP)", "San Diego Sector (SDC)" and "Department of Defense";
people then type "military police", "San Diego", "dod". A typed value names a choice when it
is the choice's code as stored; else when it is, in any case, one of its codes or its name;
else when its words appear whole in exactly one name ("San Diego" in "San Diego Sector",
"justice" in "Department of Justice").
Two or more such names are refused as ambiguous, naming them: a request is never addressed
by a guess. The API, the CLI and the pages read lines through here (`drafts`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mobilize.agencies.service import held_agencies
from mobilize.core.errors import InvalidInput
from mobilize.operations.models import Operation


@dataclass(frozen=True)
class Choice:
    """One thing a line may name: its code (what is stored), its name, other codes it goes by."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """As the pick-lists show it: `Military police (MP)`."""
        return f"{self.name} ({self.code})" if self.name and self.name != self.code else self.code


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _names_exactly(choice: Choice, typed: str) -> bool:
    return typed in {_folded(word) for word in (choice.code, choice.name, *choice.aliases)}


def _names_in_words(choice: Choice, typed: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(typed)}(?!\w)", _folded(choice.name)) is not None


def pick(kind: str, typed: str, choices: Sequence[Choice], where: str) -> str:
    """The code of the one choice `typed` names (see the module's docstring).

    `kind` ("capability") and `where` ("Border support 2018") word the refusal, which says
    what may be chosen, or which choices an ambiguous value could mean."""
    wanted = _folded(typed)
    # The code itself, as stored, always names its own choice, even when another choice's
    # name or alias reads the same in another case (`Army` and `DoD/Army`).
    found = [choice for choice in choices if choice.code == typed.strip()]
    found = found or [choice for choice in choices if _names_exactly(choice, wanted)]
    found = found or [c for c in choices if wanted and _names_in_words(c, wanted)]
    if len(found) == 1:
        return found[0].code
    if found:
        could = " or ".join(choice.label for choice in found)
        raise InvalidInput(f"{typed!r} could be {could}: choose one")
    known = ", ".join(choice.label for choice in choices)
    raise InvalidInput(f"no {kind} {typed!r} in {where}; choose one of {known}")


def capability_choices(operation: Operation) -> list[Choice]:
    return [Choice(c.code, c.name) for c in operation.capabilities]


def location_choices(operation: Operation) -> list[Choice]:
    return [Choice(location.code, location.name) for location in operation.locations]


def agency_choices(session: Session) -> list[Choice]:
    """Every agency, by path (`DoD/Army`), also named by its own code (`Army`)."""
    agencies = sorted(held_agencies(session).values(), key=lambda agency: agency.path)
    return [Choice(a.path, a.name, (a.code,)) for a in agencies]
