"""A request's papers through the JSON API: the ICS-213RR and the approval memo as PDF, whose
text (read back with poppler's pdftotext) carries the request number, the lines, the signer
and the SHA-256 of the version signed; the memo's HTML the criteria as judged."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mobilize.core.db import session_scope
from mobilize.requests.access import find_request
from mobilize.requests.models import Approval, SupportRequest
from mobilize.requests.papers import memos, resource_request
from tests.conftest import run_cli
from tests.requests.conftest import Demo

NUMBER = "RFA-2018-0002"  # DHS to DoD, signed twice by the Secretary of Defense
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="needs pdftotext (apt-get install poppler-utils)"
)


def pdf_text(document: bytes) -> str:
    """The PDF's text, as poppler reads it (one line per line of the page)."""
    done = subprocess.run(["pdftotext", "-", "-"], input=document, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def _signed(demo: Demo) -> tuple[str, str]:
    """The signer's name and the SHA-256 of the version of the latest signature."""
    with session_scope(demo.engine) as session:
        request = session.scalars(select(SupportRequest).where(SupportRequest.number == NUMBER))
        found = request.one()
        latest = max(found.approvals, key=lambda approval: (approval.version, approval.id))
        assert isinstance(latest, Approval)
        return latest.user.full_name, latest.version_sha256


@needs_pdftotext
def test_the_ics_213rr_pdf_carries_number_lines_signer_and_hash(
    client: TestClient, demo: Demo
) -> None:
    answer = client.get(
        f"/api/requests/{NUMBER}/ics-213rr.pdf", headers=demo.headers("dhs.requester")
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    text = pdf_text(answer.content)
    signer, sha = _signed(demo)
    assert "Resource Request Message (ICS 213 RR)" in text
    assert NUMBER in text
    assert "Border support 2018" in text  # the incident
    assert "Military police (MP)" in text  # a line, by its capability's name
    assert "San Diego" in text  # the reporting location (its cell may wrap)
    assert "Sector (SDC)" in text
    assert "dod.secdef" in text  # the approvals block names the signer
    assert sha in text.replace(" ", "")  # the version's hash, whole (it may wrap)
    assert signer


@needs_pdftotext
def test_the_approval_memo_pdf_carries_criteria_signer_time_and_hash(
    client: TestClient, demo: Demo
) -> None:
    answer = client.get(
        f"/api/requests/{NUMBER}/approval-memo.pdf", headers=demo.headers("dod.secdef")
    )
    assert answer.status_code == 200, answer.text
    text = pdf_text(answer.content)
    signer, sha = _signed(demo)
    assert "MEMORANDUM FOR DEPARTMENT OF HOMELAND SECURITY (DHS)" in text
    assert f"Decision on request for assistance {NUMBER}" in text
    assert signer in text
    for criterion in ("Legality", "Lethality", "Risk", "Cost", "Appropriateness", "Readiness"):
        assert criterion in text
    assert sha in text.replace(" ", "")
    assert "void: the request was amended" in text  # version 1's signature, superseded


def test_another_agency_gets_no_paper(client: TestClient, demo: Demo) -> None:
    answer = client.get(
        f"/api/requests/{NUMBER}/ics-213rr.pdf", headers=demo.headers("doj.responder")
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"


def test_the_papers_read_what_was_signed(demo: Demo) -> None:
    with session_scope(demo.engine) as session:
        request = find_request(session, NUMBER, lock=False)
        paper = resource_request(session, request)
        decided = memos(session, request)
    assert [memo.version for memo in decided] == [1, 2]
    assert decided[0].void
    assert not decided[1].void
    assert all(len(memo.criteria) == 6 for memo in decided)
    assert paper.lines[0].order_number == f"{NUMBER}-1"
    assert paper.version == 2


@needs_pdftotext
def test_the_command_line_prints_a_request_for_the_operator(
    demo: Demo, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MOBILIZE_DATABASE_URL", database_url)
    output = tmp_path / "memo.pdf"
    assert run_cli("requests", "paper", NUMBER, "--paper", "approval-memo", "-o", str(output)) == 0
    assert f"Decision on request for assistance {NUMBER}" in pdf_text(output.read_bytes())
    assert run_cli("requests", "paper", NUMBER, "--paper", "nothing", "-o", str(output)) == 2
