"""What a request asks, exactly: the content an approval's SHA-256 is taken of, and the
approval criteria each supporting department applies."""

from __future__ import annotations

import hashlib
from typing import Any

from mobilize.audit.chain import canonical_json
from mobilize.requests.models import RequestLine, SupportRequest

# The approval criteria each supporting department applies, by its root in the agency tree.
# DoD's are its checklist for support to civil authorities (../shared/domain.md).
APPROVAL_CRITERIA: dict[str, tuple[str, ...]] = {
    "DoD": ("legality", "lethality", "risk", "cost", "appropriateness", "readiness"),
}
DEFAULT_CRITERIA = ("legality", "cost", "appropriateness")


def criteria_for(agency: str) -> list[str]:
    return list(APPROVAL_CRITERIA.get(agency.split("/")[0], DEFAULT_CRITERIA))


def content_of(request: SupportRequest) -> dict[str, Any]:
    """What is asked, exactly: the text an approval's SHA-256 is taken of."""
    return {
        "number": request.number,
        "requesting_agency": request.requesting_agency.path,
        "operation": request.operation.name if request.operation else None,
        "title": request.title,
        "justification": request.justification,
        "version": request.version,
        "lines": [_line_content(line) for line in request.lines],
    }


def _line_content(line: RequestLine) -> dict[str, Any]:
    return {
        "line": line.position,
        "capability": line.capability,
        "component": line.component,
        "personnel": line.personnel,
        "location": line.location,
        "starts_on": line.starts_on.isoformat(),
        "ends_on": line.ends_on.isoformat(),
        "supporting_agency": line.supporting_agency.path,
        "criteria": line.criteria,
    }


def content_sha256(request: SupportRequest) -> str:
    return hashlib.sha256(canonical_json(content_of(request)).encode()).hexdigest()


# Reading -------------------------------------------------------------------------------------
