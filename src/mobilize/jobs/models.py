"""Long work (a plan solve) as a job whose status and progress live in the database, so that
any API worker can report on it and a later distributed queue can run it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from mobilize.core.db import Base

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class JobRecord(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    requested_by: Mapped[str] = mapped_column(String(100))
    # How many times a worker started it: a re-run after a lost worker counts, and past
    # `MAX_ATTEMPTS` the job fails instead of running again.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Its entry in Procrastinate's table, when it went through that queue.
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)
    # Written every few seconds while a runner works on it: a running job whose heartbeat
    # stopped lost its runner (a killed server) and goes back to the queue.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
