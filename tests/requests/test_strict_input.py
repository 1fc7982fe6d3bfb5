"""Strict input: a boolean is not a count, counts and progress are bounded, text carries no
control or bidirectional override character (422 naming the field), and an idempotent retry
is recognised by its content, not its bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.requests.conftest import Demo

FILER = "dhs.requester"
LINE: dict[str, Any] = {
    "capability": "LOG",
    "component": "civilian",
    "personnel": 10,
    "location": "SDC",
    "starts_on": "2018-11-01",
    "ends_on": "2018-11-30",
    "supporting_agency": "DOJ",
}
DRAFT: dict[str, Any] = {
    "title": "Officers for the ports of entry",
    "justification": "Surge at the crossings.\nSee the attached figures.",
    "lines": [LINE],
}


def _refused_field(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [".".join(map(str, error["loc"])) for error in answer.json()["errors"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [LINE | {"personnel": True}]}, "body.lines.0.personnel"),
        ({"lines": [LINE | {"personnel": 1.5}]}, "body.lines.0.personnel"),
        ({"lines": [LINE | {"personnel": 1_000_001}]}, "body.lines.0.personnel"),
        ({"title": "Officers \u202etrop"}, "body.title"),
        ({"title": "Officers\u2066 isolated"}, "body.title"),
        ({"title": "Officers\x1b[31m"}, "body.title"),
        ({"justification": "Fine\x07bell"}, "body.justification"),
        ({"lines": [LINE | {"location": "S\u202eDC"}]}, "body.lines.0.location"),
    ],
)
def test_malformed_values_are_refused_naming_the_field(
    client: TestClient, demo: Demo, change: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/requests", json=DRAFT | change, headers=demo.headers(FILER))
    assert field in _refused_field(answer)


def test_prose_keeps_its_line_breaks(client: TestClient, demo: Demo) -> None:
    answer = client.post("/api/requests", json=DRAFT, headers=demo.headers(FILER))
    assert answer.status_code == 201, answer.text
    assert answer.json()["justification"] == DRAFT["justification"]


def test_the_same_json_re_indented_is_the_same_idempotent_request(
    client: TestClient, demo: Demo
) -> None:
    headers = demo.headers(
        FILER, **{"Idempotency-Key": "file-once", "Content-Type": "application/json"}
    )
    compact = json.dumps(DRAFT, separators=(",", ":"))
    spread = json.dumps(dict(reversed(DRAFT.items())), indent=4)
    first = client.post("/api/requests", content=compact, headers=headers)
    again = client.post("/api/requests", content=spread, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    other = client.post("/api/requests", json=DRAFT | {"title": "Another"}, headers=headers)
    assert other.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on": "2018-12-01", "done": True}, "body.done"),
        ({"on": "2018-12-01", "done": 1e9}, "body.done"),
        ({"on": "2018-12-01", "done": 3, "note": "ok\u202e"}, "body.note"),
    ],
)
def test_task_progress_is_a_bounded_number(
    client: TestClient, demo: Demo, body: dict[str, Any], field: str
) -> None:
    path = "/api/operations/Border%20support%202018/tasks/wire-SDC/progress"
    answer = client.post(path, json=body, headers=demo.headers("cbp.planner"))
    assert field in _refused_field(answer)


@pytest.mark.parametrize("agency", ["Nowhere Department", " ", "\t"])
def test_a_line_whose_agency_is_not_understood_is_refused_naming_it(
    client: TestClient, demo: Demo, agency: str
) -> None:
    """Found by the API fuzzer: a blank or unknown agency was a KeyError (500)."""
    line = LINE | {"supporting_agency": agency}
    answer = client.post(
        "/api/requests", json=DRAFT | {"lines": [line]}, headers=demo.headers(FILER)
    )
    assert answer.status_code == 422, answer.text
    assert "supporting_agency" in answer.text
