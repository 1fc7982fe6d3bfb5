"""What every JSON input shares: numbers that are numbers, text that shows what it says.

JSON `true` is not the count 1: counts and quantities refuse booleans (pydantic's lax mode
takes `true` for 1; its strict mode would also refuse the strings an HTML form posts, which
the web pages validate through the same schemas). Text may carry no control character
(but a line break or a tab in prose) and no bidirectional override or isolate, which would
make a title read differently from what it stores (CVE-2021-42574, "Trojan Source"); PostgreSQL
could not store a NUL anyway. Each refusal is a 422 naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what follows.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PROSE_WHITESPACE = frozenset("\n\t\r")


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not a boolean")
    return value


# "1,200" as the pages print it, or "1 200": thousands grouped by commas or blanks, in threes.
GROUPED = re.compile(r"^\s*\d{1,3}(?:([, ])\d{3})?(?:\1\d{3})*\s*$")


def _typed_count(value: object) -> object:
    """A count as people type it: `1,200` or `1 200` is 1200. Anything else goes on to the
    integer check unchanged, which refuses `1.5`, `many` and `1,20`."""
    value = _not_a_boolean(value)
    if isinstance(value, str) and GROUPED.match(value):
        return int(re.sub(r"[, ]", "", value))
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]
Count = Annotated[int, BeforeValidator(_typed_count)]
Number = Annotated[float, BeforeValidator(_not_a_boolean)]

# The forms of a date people type, beside ISO 8601 (2018-12-20): the US order of the forms
# they fill (12/20/2018) and the military and civil written forms (20 Dec 2018, 20 December
# 2018, Dec 20, 2018). Day/month/year with slashes is not read: 03/04/2018 would be ambiguous.
DAY_FORMATS = ("%m/%d/%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y")
DAY_EXAMPLES = "2018-12-20, 12/20/2018 or 20 Dec 2018"


def read_day(text: str) -> date | None:
    """`text` as a date in one of the accepted forms (ISO or `DAY_FORMATS`), else None."""
    cleaned = " ".join(text.split())
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    for form in DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    return None


def _typed_day(value: object) -> object:
    if isinstance(value, str):
        return read_day(value) or value  # unread text fails the date check with its own type
    return value


TypedDay = Annotated[date, BeforeValidator(_typed_day)]


def _refuse_hidden(text: str, allowed: frozenset[str]) -> str:
    for position, character in enumerate(text):
        if character in allowed:
            continue
        if character in BIDI_CONTROLS:
            raise ValueError(
                f"a bidirectional control character (U+{ord(character):04X}) at position "
                f"{position} is not allowed"
            )
        if unicodedata.category(character) == "Cc":
            raise ValueError(
                f"a control character (U+{ord(character):04X}) at position {position} is "
                "not allowed"
            )
    return text


def one_line(text: str) -> str:
    """A title, a name, a code: no control character at all."""
    return _refuse_hidden(text, frozenset())


def prose(text: str) -> str:
    """A justification or a note: line breaks and tabs are fine."""
    return _refuse_hidden(text, PROSE_WHITESPACE)


OneLine = AfterValidator(one_line)
Prose = AfterValidator(prose)
