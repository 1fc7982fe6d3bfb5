"""Names as people type them: codes and names in any case, words of one name; ambiguity and
unknown values refused with what could be meant."""

from __future__ import annotations

import pytest

from mobilize.core.errors import InvalidInput
from mobilize.requests.names import Choice, pick

SECTORS = [
    Choice("SDC", "San Diego Sector"),
    Choice("ELC", "El Centro Sector"),
    Choice("EPT", "El Paso Sector"),
    Choice("RGV", "Rio Grande Valley Sector"),
]
AGENCIES = [
    Choice("DoD", "Department of Defense", ("DoD",)),
    Choice("DoD/Army", "U.S. Army", ("Army",)),
    Choice("Army", "A root agency coded Army", ("Army",)),
    Choice("DOJ", "Department of Justice", ("DOJ",)),
]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("SDC", "SDC"),
        ("sdc", "SDC"),
        ("San Diego", "SDC"),
        ("  san   diego sector ", "SDC"),
        ("rio grande", "RGV"),
        ("El Centro", "ELC"),
    ],
)
def test_a_location_is_read_from_its_code_or_its_name(typed: str, code: str) -> None:
    assert pick("location", typed, SECTORS, "Border support 2018") == code


@pytest.mark.parametrize(
    ("typed", "path"),
    [("dod", "DoD"), ("justice", "DOJ"), ("DoD/Army", "DoD/Army"), ("Army", "Army")],
)
def test_an_agency_is_read_from_its_path_code_or_name(typed: str, path: str) -> None:
    assert pick("agency", typed, AGENCIES, "the agency tree") == path


def test_words_in_several_names_are_refused_naming_them() -> None:
    with pytest.raises(InvalidInput) as refused:
        pick("location", "El", SECTORS, "Border support 2018")
    assert refused.value.message == (
        "'El' could be El Centro Sector (ELC) or El Paso Sector (EPT): choose one"
    )
    with pytest.raises(InvalidInput, match=r"could be U\.S\. Army"):
        pick("agency", "army", AGENCIES, "the agency tree")  # not the code as stored


def test_an_unknown_value_lists_what_may_be_chosen() -> None:
    with pytest.raises(InvalidInput) as refused:
        pick("location", "Sand", SECTORS, "Border support 2018")
    assert refused.value.message.startswith(
        "no location 'Sand' in Border support 2018; choose one of San Diego Sector (SDC), "
    )
