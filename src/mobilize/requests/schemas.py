"""What the API and the CLI take in and give back for requests for assistance."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from mobilize.core.inputs import Count, OneLine, TypedDay, WholeNumber
from mobilize.core.inputs import Prose as ProseText
from mobilize.requests.states import FillStatus

Component = Literal["active", "guard", "civilian"]
Judgement = Literal["satisfied", "not_satisfied", "not_applicable"]
# PostgreSQL cannot store NUL in text: it is refused here (422), not by the database (500);
# `core.inputs` refuses every other control character and the bidirectional overrides too.
WITHOUT_NUL = r"^[^\x00]*$"
Text = Annotated[str, Field(min_length=1, max_length=300, pattern=WITHOUT_NUL), OneLine]
Prose = Annotated[str, Field(min_length=1, max_length=10_000, pattern=WITHOUT_NUL), ProseText]
Note = Annotated[str, Field(max_length=2000, pattern=WITHOUT_NUL), ProseText]
# A name on one line, without NUL, that does not start or end with blanks.
Code = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[^\s\x00]([^\x00\n]*[^\s\x00])?$"),
    OneLine,
]
# Counts and days as people type them too ("1,200"; "12/20/2018", "20 Dec 2018"): the pages
# and the API read them alike (`core.inputs`).
Personnel = Annotated[Count, Field(ge=1, le=1_000_000)]
LineNumber = Annotated[WholeNumber, Field(ge=1, le=10_000)]
Day = Annotated[TypedDay, Field(ge=date(1900, 1, 1), le=date(2200, 12, 31))]


def _in_utc(moment: datetime) -> datetime:
    # Every time is stored in UTC, but SQLite hands it back without its zone; a time without
    # one is not the RFC 3339 date-time the API promises.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(_in_utc)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineDraft(Strict):
    capability: Code
    component: Component | None = Field(
        None, description="The kind of forces asked for; LEO lines to DoD must say guard."
    )
    personnel: Personnel
    location: Code
    starts_on: Day
    ends_on: Day
    supporting_agency: Code = Field(description="Agency path, e.g. `DOJ` or `DoD`.")

    @field_validator("ends_on")
    @classmethod
    def _dates_in_order(cls, ends_on: date, info: ValidationInfo) -> date:
        # A field's check, not the model's: it runs (and is reported on the end date) even
        # when another field of the line is wrong, so that a form shows every mistake at once.
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise PydanticCustomError(
                "dates_out_of_order",
                "ends_on {ends_on} is before starts_on {starts_on}",
                {"ends_on": str(ends_on), "starts_on": str(starts_on)},
            )
        return ends_on


class RequestDraft(Strict):
    title: Text
    justification: Prose
    operation: Code | None = Field(None, description="The operation the request supports.")
    lines: Annotated[list[LineDraft], Field(min_length=1, max_length=200)]


class RequestEdit(Strict):
    """Changes to a draft; what is left out stays as it is."""

    title: Text | None = None
    justification: Prose | None = None
    lines: Annotated[list[LineDraft], Field(min_length=1, max_length=200)] | None = None


class LineAnswer(Strict):
    line: LineNumber
    offer: Literal["all", "part", "none", "acknowledge"] = Field(
        description="all, part (say how many and which dates), none; or acknowledge only."
    )
    personnel: Personnel | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None
    note: Note = ""


class ResponseInput(Strict):
    answers: Annotated[list[LineAnswer], Field(min_length=1, max_length=200)]


class CriterionJudgement(Strict):
    judgement: Judgement
    note: Note = ""

    @model_validator(mode="after")
    def _noted_unless_satisfied(self) -> CriterionJudgement:
        # The DoD checklist: a criterion not plainly satisfied says why.
        if self.judgement != "satisfied" and not self.note.strip():
            raise ValueError(f"a criterion judged {self.judgement.replace('_', ' ')} needs a note")
        return self


class ApprovalInput(Strict):
    version_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 of the request version the approver read (`version_sha256`)."
    )
    decision: Literal["approve", "deny"]
    lines: Annotated[list[LineNumber], Field(max_length=200)] | None = Field(
        None, description="Line numbers decided; default: every offered line of the agency."
    )
    personnel: dict[str, Personnel] = Field(
        default_factory=dict, description="Line number -> personnel approved, when fewer."
    )
    criteria: dict[str, CriterionJudgement] = Field(
        default_factory=dict, description="A judgement and note for every criterion that applies."
    )


class LineChange(Strict):
    line: LineNumber
    starts_on: Day | None = None
    ends_on: Day | None = None
    personnel: Personnel | None = None


class AmendmentInput(Strict):
    note: Annotated[Note, Field(min_length=1)]
    changes: Annotated[list[LineChange], Field(min_length=1, max_length=200)]


class ReasonInput(Strict):
    reason: Note = ""


class ResponseOut(BaseModel):
    agency: str
    by: str
    version: int
    offer: str
    personnel: int
    starts_on: date | None
    ends_on: date | None
    note: str
    at: Moment


class ApprovalOut(BaseModel):
    line: int
    agency: str
    by: str
    decision: str
    personnel: int
    criteria: dict[str, Any]
    version: int
    version_sha256: str
    void: bool = Field(description="True when the request changed after this signature.")
    decision_package: dict[str, Any] | None
    at: Moment


class LineOut(BaseModel):
    line: int
    capability: str
    component: str | None
    personnel: int
    location: str
    starts_on: date
    ends_on: date
    supporting_agency: str
    criteria: list[str]
    status: str
    responses: list[ResponseOut]


class RequestOut(BaseModel):
    number: str
    title: str
    justification: str
    operation: str | None
    requesting_agency: str
    status: str
    version: int
    version_sha256: str
    revision: int
    created_by: str
    created_at: Moment
    lines: list[LineOut]
    approvals: list[ApprovalOut]


class RequestSummary(BaseModel):
    number: str
    title: str
    requesting_agency: str
    status: str
    version: int
    lines: int
    personnel: int
    supporting_agencies: list[str]
    starts_on: date
    ends_on: date


class RequestPage(BaseModel):
    items: list[RequestSummary]
    total: int
    page: int
    per_page: int


class VersionOut(BaseModel):
    version: int
    sha256: str
    note: str
    by: str
    at: Moment
    content: dict[str, Any]


class SideBySideRow(BaseModel):
    line: int
    field: str
    values: list[Any] = Field(description="The field's value in version 1, 2, ... (null: absent).")


class AuditEventOut(BaseModel):
    id: int
    at: Moment
    actor: str | None
    action: str
    outcome: str
    before: Any
    after: Any
    detail: str | None


class HistoryOut(BaseModel):
    number: str
    versions: list[VersionOut]
    side_by_side: list[SideBySideRow]
    events: list[AuditEventOut]


class FillOut(BaseModel):
    unit: str
    name: str | None
    agency: str
    component: str
    personnel: int
    status: str
    version: int
    assigned_on: date
    checked_in_on: date | None
    released_on: date | None
    expected_arrival: date | None = Field(description="Deploy date in the adopted plan.")
    expected_departure: date | None = Field(description="Last day in the adopted plan.")
    history: list[dict[str, Any]]


class FulfilmentLine(BaseModel):
    line: int
    capability: str
    location: str
    supporting_agency: str
    status: str
    requested: int
    offered: int
    approved: int
    filled: int = Field(description="Personnel of every unit bound to the line, released too.")
    on_site: int = Field(description="Checked in on or before the day, not yet checked out.")
    planned: int = Field(description="Filled personnel present that day in the adopted plan.")
    released: int = Field(description="Personnel checked out.")
    fills: list[FillOut]


class FulfilmentOut(BaseModel):
    number: str
    on: date
    lines: list[FulfilmentLine]
    requested: int
    offered: int
    approved: int
    filled: int
    on_site: int
    planned: int
    released: int


class HomeIn(Strict):
    name: Text
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class NewUnit(Strict):
    """A team an agency makes on the spot to fill a line; its capability is the line's."""

    id: Code
    name: Text
    component: Component
    strength: Personnel
    home: HomeIn
    available_from: Day | None = None
    available_until: Day | None = None
    max_deployment_days: Annotated[int, Field(ge=1, le=3650)] | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> NewUnit:
        first, last = self.available_from, self.available_until
        if first and last and last < first:
            raise ValueError("available_until is before available_from")
        return self


class FillInput(Strict):
    line: Annotated[int, Field(ge=1)]
    unit: Code | None = Field(None, description="An existing unit of your agency, by id.")
    new_unit: NewUnit | None = Field(None, description="Or a team created for this line.")
    on: Day | None = Field(None, description="The day it was assigned; default today.")
    note: Note = ""

    @model_validator(mode="after")
    def _one_unit(self) -> FillInput:
        if (self.unit is None) == (self.new_unit is None):
            raise ValueError("name an existing unit or describe a new_unit (one of the two)")
        return self


class FillMoveInput(Strict):
    status: FillStatus
    on: Day
    note: Note = ""


class SupportRow(BaseModel):
    agency: str
    requested: int
    approved: int
    filled: int
    on_site: int
    released: int
    person_days: int = Field(description="Days on site up to the day, times personnel.")
    cost: float | None = Field(description="Cost to date from the rate table; None: no rate.")


class FillAt(BaseModel):
    """A unit named for a request line at a place."""

    request: str
    line: int
    unit: str
    agency: str
    personnel: int
    status: str


class SupportOut(BaseModel):
    operation: str
    on: date
    rows: list[SupportRow]
    person_days: int
    cost: float | None


class AuditReport(BaseModel):
    intact: bool
    records: int
    first_break: str | None
