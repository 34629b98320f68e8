"""Loading over all 767 WikiTableQuestions tables, measured: summary rows found (and a hand-checked
list of them), cells reported as contradicting their column, columns typed. The figures and the
comparison with the loader before issue 15 are in docs/tables.md ("Measured on WikiTableQuestions").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pesql.runtime.tables.table import Table, load_table

pytestmark = pytest.mark.corpora

# Every row found on 2026-12-06, each read by hand (its label and the row's cells): all 54 are
# rows that are not data records (totals and subtotals, turnout, majority, eligible voters,
# section headers). A seeded sample of 50 of them (random.sample(rows, 50), seed 15) is the
# precision sample the issue asks for: 50/50 correct.
CHECKED: list[tuple[str, int, str, str]] = [
    ("200-csv/25.tsv", 17, "total", "Total"),
    ("200-csv/29.tsv", 31, "total", "Total"),
    ("200-csv/29.tsv", 32, "total", "Total"),
    ("200-csv/29.tsv", 33, "total", "Total"),
    ("200-csv/29.tsv", 34, "total", "Total"),
    ("200-csv/29.tsv", 35, "total", "Career total"),
    ("202-csv/125.tsv", 8, "total", "Turnout"),
    ("202-csv/125.tsv", 9, "total", "Eligible voters"),
    ("202-csv/191.tsv", 8, "total", "Invalid/blank votes"),
    ("202-csv/191.tsv", 9, "total", "Total"),
    ("202-csv/191.tsv", 10, "total", "Registered voters/turnout"),
    ("202-csv/271.tsv", 6, "total", "Majority"),
    ("202-csv/271.tsv", 7, "total", "Turnout"),
    ("202-csv/273.tsv", 6, "total", "Turnout"),
    ("202-csv/64.tsv", 14, "total", "Career Totals"),
    ("202-csv/91.tsv", 7, "total", "Majority"),
    ("202-csv/91.tsv", 8, "total", "Turnout"),
    ("202-csv/92.tsv", 8, "total", "Turnout"),
    ("203-csv/159.tsv", 11, "total", "Total"),
    ("203-csv/165.tsv", 24, "total", "Total"),
    ("203-csv/175.tsv", 21, "total", "Total"),
    ("203-csv/222.tsv", 1, "section", "City Proper"),
    ("203-csv/222.tsv", 5, "section", "Satellite cities"),
    ("203-csv/339.tsv", 8, "total", "Totals"),
    ("203-csv/508.tsv", 12, "total", "Total"),
    ("203-csv/630.tsv", 55, "total", "Total"),
    ("203-csv/647.tsv", 14, "total", "Totals"),
    ("203-csv/666.tsv", 19, "total", "Total"),
    ("203-csv/747.tsv", 32, "total", "Total"),
    ("203-csv/811.tsv", 10, "total", "Total"),
    ("203-csv/812.tsv", 26, "total", "Total"),
    ("203-csv/88.tsv", 13, "total", "Total"),
    ("204-csv/149.tsv", 7, "total", "Total"),
    ("204-csv/166.tsv", 64, "total", "Totals"),
    ("204-csv/21.tsv", 9, "total", "Total"),
    ("204-csv/216.tsv", 7, "total", "Total"),
    ("204-csv/235.tsv", 15, "total", "Total"),
    ("204-csv/257.tsv", 7, "total", "Total"),
    ("204-csv/292.tsv", 15, "total", "Team Totals"),
    ("204-csv/302.tsv", 10, "total", "Total"),
    ("204-csv/345.tsv", 10, "total", "Total"),
    ("204-csv/347.tsv", 16, "total", "Total"),
    ("204-csv/382.tsv", 10, "total", "Total"),
    ("204-csv/595.tsv", 21, "total", "Total"),
    ("204-csv/609.tsv", 12, "total", "Totals"),
    ("204-csv/61.tsv", 8, "total", "Total"),
    ("204-csv/66.tsv", 8, "total", "Total"),
    ("204-csv/682.tsv", 7, "total", "Total"),
    ("204-csv/703.tsv", 7, "total", "Total"),
    ("204-csv/744.tsv", 18, "total", "Total"),
    ("204-csv/76.tsv", 13, "total", "Total"),
    ("204-csv/784.tsv", 14, "total", "Total"),
    ("204-csv/925.tsv", 13, "total", "Total"),
    ("204-csv/977.tsv", 25, "total", "Total"),
]
# A verdict other than "summary" would go here as (table, row): none was found.
WRONG: set[tuple[str, int]] = set()


@pytest.fixture(scope="module")
def tables(corpora: Path) -> dict[str, Table]:
    root = corpora / "wtq" / "csv"
    return {str(p.relative_to(root)): load_table(p) for p in sorted(root.glob("*/*.tsv"))}


def test_summary_rows_found_and_hand_checked(tables: dict[str, Table]) -> None:
    found = {
        (name, r.row, r.kind, r.label)
        for name, table in tables.items()
        if table.report is not None
        for r in table.report.summary_rows
    }
    assert 50 <= len(found) <= 60
    assert set(CHECKED) <= found  # the checked rows are all still found
    unchecked = found - set(CHECKED)
    assert len(unchecked) <= 3, f"new detections to check by hand: {sorted(unchecked)}"
    precision = 1 - len(WRONG) / len(CHECKED)
    assert precision >= 0.95


def test_contradicting_cells_are_few_and_known(tables: dict[str, Table]) -> None:
    reported = {
        (name, c.name): [row for row, _ in c.contradictions]
        for name, table in tables.items()
        if table.report is not None
        for c in table.report.columns
        if c.contradictions
    }
    assert sum(len(rows) for rows in reported.values()) <= 10
    assert reported[("204-csv/964.tsv", "Goals Against")] == [14]  # `1,1024` among `16,416`
    goals = tables["204-csv/964.tsv"].frame.collect()["Goals Against"]
    assert goals.dtype.is_integer() and goals[0] == 16416 and goals.max() == 18925  # not 16.416


def test_columns_typed(tables: dict[str, Table]) -> None:
    """Before issue 15: 3291 of 4879 columns stayed text; now 3227 (`.449`, `00.4`, en-dash
    minus, `n/d`, section rows and total labels no longer keeping a column as text)."""
    dtypes = [str(t) for table in tables.values() for t in table.frame.collect_schema().dtypes()]
    assert len(dtypes) == 4879
    assert dtypes.count("String") <= 3227
