"""Agencies form a tree: a department and its parts (DHS > CBP; DoD > Army, Marine Corps)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobilize.core.db import Base


class Agency(Base):
    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("parent_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id])

    @property
    def path(self) -> str:
        """`DoD/Army`: the codes from the root down, as scenario files write them."""
        return f"{self.parent.path}/{self.code}" if self.parent else self.code
