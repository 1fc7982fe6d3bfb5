"""The load benchmark's mix, as a Locust file (run by `benchmarks/load.py`, not by itself).

Each simulated client holds the tokens of the demo's DHS requester, DOJ responder and DOJ
approver and, weighted 35 / 20 / 45, reads, races to acknowledge with a stale ETag, or works a
request through: file (Idempotency-Key) -> submit -> offer -> sign (If-Match).

Set by the driver: LOAD_TOKENS (JSON: role -> token), LOAD_RACE (JSON: [number, etag] of
submitted requests), LOAD_OPERATION, LOAD_STATUSES (a file for the status counts).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task

TOKENS: dict[str, str] = json.loads(os.environ.get("LOAD_TOKENS", "{}"))
RACE: list[list[str]] = json.loads(os.environ.get("LOAD_RACE", "[]"))
OPERATION = os.environ.get("LOAD_OPERATION", "Border support 2018")
STATUSES: Counter[str] = Counter()
# A race is expected to lose: someone else acknowledged first (412 or 409).
EXPECTED = {"ack (race)": {200, 409, 412}}
LINE = {
    "capability": "LEO",
    "component": "civilian",
    "personnel": 5,
    "location": "SDC",
    "starts_on": "2018-12-05",
    "ends_on": "2018-12-20",
    "supporting_agency": "DOJ",
}


@events.request.add_listener  # type: ignore[untyped-decorator]
def _count(name: str, response: Any, **_: Any) -> None:
    STATUSES[f"{name} {getattr(response, 'status_code', 0)}"] += 1


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _write(**_: Any) -> None:
    target = os.environ.get("LOAD_STATUSES")
    if target:
        Path(target).write_text(json.dumps(dict(STATUSES), indent=1))


class Staff(FastHttpUser):
    wait_time = between(0, 0)  # closed loop: each client sends its next request at once

    def _auth(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[role]}", **extra}

    def _call(self, method: str, path: str, name: str, role: str, **options: Any) -> Any:
        expected = EXPECTED.get(name, {200, 201})
        headers = self._auth(role, **options.pop("headers", {}))
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **options
        ) as answer:
            if answer.status_code in expected:
                answer.success()
            else:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            return answer

    @task(35)
    def read(self) -> None:
        choice = random.random()
        if choice < 0.3:
            self._call("GET", "/api/me", "GET /api/me", "requester")
        elif choice < 0.6:
            self._call("GET", "/api/requests?limit=20", "GET /api/requests", "requester")
        elif choice < 0.85 and RACE:
            number = random.choice(RACE)[0]
            self._call("GET", f"/api/requests/{number}", "GET /api/requests/{n}", "responder")
        else:
            path = f"/api/operations/{OPERATION}/tasks"
            self._call("GET", path, "GET /api/operations/{o}/tasks", "requester")

    @task(20)
    def race_to_acknowledge(self) -> None:
        number, etag = random.choice(RACE)
        body = {"answers": [{"line": 1, "offer": "acknowledge"}]}
        path = f"/api/requests/{number}/responses"
        self._call("POST", path, "ack (race)", "responder", json=body, headers={"If-Match": etag})

    @task(45)
    def work_a_request_through(self) -> None:
        draft = {"title": "Load: officers at San Diego", "justification": "load", "lines": [LINE]}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        filed = self._call("POST", "/api/requests", "file", "requester", json=draft, headers=key)
        if filed.status_code != 201:
            return
        number, etag = filed.json()["number"], filed.headers["ETag"]
        submitted = self._call(
            "POST",
            f"/api/requests/{number}/submit",
            "submit",
            "requester",
            headers={"If-Match": etag},
        )
        if submitted.status_code != 200:
            return
        offer = {"answers": [{"line": 1, "offer": "all"}]}
        offered = self._call(
            "POST",
            f"/api/requests/{number}/responses",
            "offer",
            "responder",
            json=offer,
            headers={"If-Match": submitted.headers["ETag"]},
        )
        if offered.status_code != 200:
            return
        shown = offered.json()
        criteria = {
            name: {"judgement": "satisfied", "note": "load"}
            for name in shown["lines"][0]["criteria"]
        }
        decision = {
            "version_sha256": shown["version_sha256"],
            "decision": "approve",
            "criteria": criteria,
        }
        self._call(
            "POST",
            f"/api/requests/{number}/decisions",
            "sign",
            "approver",
            json=decision,
            headers={"If-Match": offered.headers["ETag"]},
        )
