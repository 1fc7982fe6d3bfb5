"""Input types shared by every JSON schema: no boolean for a number, no hidden characters."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from mobilize.core.inputs import BIDI_CONTROLS, Number, OneLine, Prose, WholeNumber

one_line = TypeAdapter(Annotated[str, OneLine])
prose = TypeAdapter(Annotated[str, Prose])


@pytest.mark.parametrize(
    "numbers", [TypeAdapter(WholeNumber), TypeAdapter(Number)], ids=["whole", "number"]
)
def test_a_boolean_is_not_a_number(numbers: TypeAdapter[float]) -> None:
    assert numbers.validate_python(3) == 3
    with pytest.raises(ValidationError, match="not a boolean"):
        numbers.validate_python(True)


@pytest.mark.parametrize("character", sorted(BIDI_CONTROLS))
def test_every_bidirectional_override_and_isolate_is_refused(character: str) -> None:
    with pytest.raises(ValidationError, match=f"U\\+{ord(character):04X}"):
        one_line.validate_python(f"abc{character}def")
    with pytest.raises(ValidationError, match="bidirectional"):
        prose.validate_python(f"abc{character}def")


def test_control_characters_are_refused_but_prose_keeps_its_lines() -> None:
    assert prose.validate_python("first line\n\tsecond") == "first line\n\tsecond"
    for text in ("a\nb", "a\x1bb", "a\x7fb", "a\x85b"):
        with pytest.raises(ValidationError, match="control character"):
            one_line.validate_python(text)
    with pytest.raises(ValidationError, match="U\\+0007"):
        prose.validate_python("ring\x07")
    assert one_line.validate_python("Zoë — ✓ עברית") == "Zoë — ✓ עברית"
