"""One page of a longer list: where it starts, how long pages are, how many there are in all,
and where the pages before and after it start (the report rows and the audit trail alike)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paged:
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        after = self.offset + self.limit
        return after if after < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset else None
