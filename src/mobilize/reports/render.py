"""The strength report as a staff officer reads it."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table

from mobilize.reports.strength import StrengthReport


def render_strength(report: StrengthReport) -> Group:
    rows = Table("component", "capability", "location", "deployed", "on pass", "present")
    rows.title = f"Strength on {report.day} ({report.source})"
    for row in report.rows:
        rows.add_row(
            row.component,
            row.capability,
            row.location,
            f"{row.deployed:,}",
            f"{row.on_pass:,}" if row.on_pass else "",
            f"{row.present:,}",
        )
    totals: dict[str, int] = {}
    for row in report.rows:
        totals[row.component] = totals.get(row.component, 0) + row.deployed
    rows.add_section()
    for component, people in sorted(totals.items()):
        rows.add_row(component, "all", "all", f"{people:,}", "", "")
    caps = Table("cap on", "limit", "deployed", "room")
    for cap in report.caps:
        caps.add_row(
            cap.component, f"{cap.limit:,}", f"{cap.deployed:,}", f"{cap.limit - cap.deployed:,}"
        )
    needs = Table("location", "capability", "required", "present", "short")
    for need in report.needs:
        short = f"{need.short:,}" if need.short else ""
        needs.add_row(
            need.location, need.capability, f"{need.required:,}", f"{need.present:,}", short
        )
    return Group(rows, caps, needs)
