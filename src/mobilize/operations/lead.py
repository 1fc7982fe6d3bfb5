"""An operation's lead agency, and which requests it has taken in (`operations.access` says
what that grants)."""

from __future__ import annotations

from collections import Counter

from mobilize.auth.service import covers
from mobilize.operations.models import Operation
from mobilize.requests.models import SupportRequest
from mobilize.requests.states import GRANTS_NOTHING


def lead_agency(operation: Operation) -> str:
    """The lead's path; an operation stored without one is led by the department with the
    most personnel in its force list (ties: the first in name order)."""
    if operation.lead_agency is not None:
        return operation.lead_agency.path
    strength: Counter[str] = Counter()
    for unit in operation.units:
        if unit.agency is not None:
            strength[unit.agency.path.split("/")[0]] += unit.strength
    if not strength:
        return ""
    most = max(strength.values())
    return min(department for department, people in strength.items() if people == most)


def is_accepted(request: SupportRequest, lead: str) -> bool:
    """The lead took the request in, or it was filed from the lead's own line."""
    requesting = request.requesting_agency.path
    own_line = bool(lead) and (covers(lead, requesting) or covers(requesting, lead))
    return request.status not in GRANTS_NOTHING and (own_line or request.accepted_at is not None)
