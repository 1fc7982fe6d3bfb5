"""What every JSON input shares: numbers that are numbers, text that shows what it says.

JSON `true` is not the count 1: counts and quantities refuse booleans (pydantic's lax mode
takes `true` for 1; its strict mode would also refuse the strings an HTML form posts, which
the web pages validate through the same schemas). Text may carry no control character
(but a line break or a tab in prose) and no bidirectional override or isolate, which would
make a title read differently from what it stores (CVE-2021-42574, "Trojan Source"); PostgreSQL
could not store a NUL anyway. Each refusal is a 422 naming the field.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): they reorder what follows.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
PROSE_WHITESPACE = frozenset("\n\t\r")


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a number is expected, not a boolean")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]
Number = Annotated[float, BeforeValidator(_not_a_boolean)]


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
