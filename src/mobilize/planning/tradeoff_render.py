"""The price of a cap as a staff reads it: a table, JSON rows, or CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

from rich.table import Table

from mobilize.planning.tradeoff import CapLevel


def capabilities_needed(levels: list[CapLevel]) -> list[str]:
    """Every capability some requirement or task asks for, in the scenario's order."""
    if not levels:
        return []
    scenario = levels[0].scenario
    asked = {r.capability for r in scenario.requirements} | {t.capability for t in scenario.tasks}
    return [c.id for c in scenario.capabilities if c.id in asked]


def tradeoff_rows(levels: list[CapLevel]) -> list[dict[str, object]]:
    capabilities = capabilities_needed(levels)
    return [level.row(capabilities) for level in levels]


def tradeoff_json(levels: list[CapLevel]) -> str:
    return json.dumps(tradeoff_rows(levels), indent=2) + "\n"


def tradeoff_csv(levels: list[CapLevel]) -> str:
    """One row per cap; one shortfall column per capability (`shortfall_MP`...)."""
    capabilities = capabilities_needed(levels)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "cap",
            "shortfall_person_days",
            *(f"shortfall_{c}" for c in capabilities),
            "excess_person_days",
            "moves",
            "bound",
            "gap",
            "status",
            "reused_from",
            "stopped_by_clock",
            "verified",
        ]
    )
    for row in tradeoff_rows(levels):
        by_capability = row["shortfall_by_capability"]
        assert isinstance(by_capability, dict)
        writer.writerow(
            [
                row["cap"],
                row["shortfall_person_days"],
                *(by_capability[c] for c in capabilities),
                row["excess_person_days"],
                row["moves"],
                row["bound"],
                row["gap"],
                row["status"],
                row["reused_from"] if row["reused_from"] is not None else "",
                "yes" if row["stopped_by_clock"] else "no",
                "yes" if row["verified"] else "no",
            ]
        )
    return out.getvalue()


def tradeoff_table(levels: list[CapLevel], component: str) -> Table:
    capabilities = capabilities_needed(levels)
    table = Table(title=f"The price of a cap on {component} personnel", title_justify="left")
    for heading in ("cap", "short", *capabilities, "excess", "moves", "bound", "gap", "status"):
        table.add_column(heading, justify="left" if heading == "status" else "right")
    for row in tradeoff_rows(levels):
        by_capability = row["shortfall_by_capability"]
        assert isinstance(by_capability, dict)
        gap = row["gap"]
        bound = row["bound"]
        status = str(row["status"])
        if row["reused_from"] is not None:
            status += f" (plan of cap {row['reused_from']:,} kept)"
        if row["stopped_by_clock"]:
            status += " (safety stop: may not repeat)"
        if not row["verified"]:
            status += " NOT VERIFIED"
        table.add_row(
            f"{row['cap']:,}",
            f"{row['shortfall_person_days']:,}",
            *(f"{by_capability[c]:,}" for c in capabilities),
            f"{row['excess_person_days']:,}",
            f"{row['moves']:,}",
            f"{bound:,.0f}" if isinstance(bound, float) else "",
            f"{gap:.1%}" if isinstance(gap, float) else "",
            status,
        )
    return table
