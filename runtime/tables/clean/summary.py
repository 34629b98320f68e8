"""Summary and section rows: rows of a table that are not data (totals, turnout, section headers,
footnotes), found from their text so that a count, a sum or an argmax can leave them out.

    >>> import polars as pl
    >>> raw = pl.DataFrame({"Party": ["Red", "Blue", "Total"], "Votes": ["10", "12", "22"]})
    >>> [r.describe() for r in summary_rows(raw, numeric=["Votes"])]
    ['row 3 looks like a total: Votes=22']

The rule (docs/tables.md, "Summary and section rows"), on the raw text of the text columns:

- **total**: a cell is, as a whole (footnote marks and a parenthesized or `:` tail aside), a
  summary label: `Total`, `Totals`, `Grand total`, `Career total`, `Subtotal`, `Total votes`,
  `Valid votes`, `Invalid votes`, `Blank/invalid ballots`, `Rejected ballots`, `Turnout`,
  `Voter turnout`, `Registered voters`, `Eligible voters`, `Electorate`, `Majority`; and the
  row's other text cells (outside converted columns, and holding a letter) are empty or repeat
  the label, but for at most one more value.
- **footnote**: a cell starts like a note (`Note:`, `Notes`, `Source:`, `*`, `†`, `‡`, `^`,
  `[a]` followed by text) and every other cell of the row is empty or repeats it.
- **section**: a table of three or more columns where the row's non-empty cells, at least
  two and at least half the columns, all hold one same text (a header spanning the table,
  as WikiTableQuestions writes a spanned cell: repeated in every column).

Rows are only found, never dropped by default: loading keeps every row and reports these
(`summary_rows="drop"` removes them, `"flag"` adds a boolean column `summary_row`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.compiler.backends.polars.numbers import FOOTNOTE, TRIM
from pesql.grammar.record import Record, record

Kind = Literal["total", "footnote", "section"]
SummaryMode = Literal["keep", "drop", "flag"]
SUMMARY_MODES: tuple[SummaryMode, ...] = get_args(SummaryMode)
FLAG_COLUMN = "summary_row"

_LABELS = (
    r"(?:grand|overall|career|season|club|team|league|combined|sub)?[ -]?totals?(?: votes?)?",
    r"(?:valid|invalid|rejected|spoilt|spoiled|blank|void|null|blank ?/ ?invalid"
    r"|invalid ?/ ?blank|blank and invalid|invalid and blank) (?:votes|ballots)",
    r"(?:voter )?turnout",
    r"(?:registered|eligible) voters(?: ?/ ?turnout)?",
    r"electorate|majority",
)
# Case-insensitive, the whole cell; a tail in parentheses/brackets or after a colon is allowed
# ("Total (12 nations)", "Turnout: 61%").
TOTAL = r"(?i)^(?:" + "|".join(_LABELS) + r")(?:\s*[:(\[].*)?$"
NOTE = r"(?i)^(?:(?:notes?|sources?|footnotes?)\s*[:.]|[*†‡^]|\[\w{1,3}\]\s*\S)"
SHOWN_VALUES = 3


@record(kw_only=False, slots=False)
class SummaryRow(Record):
    """A row that looks like a total, a section header or a footnote; `row` counts from 1."""

    row: int
    kind: Kind
    column: str  # the column holding the label
    label: str
    values: tuple[tuple[str, str], ...] = ()  # (number column, its text in this row)

    def describe(self) -> str:
        what = {"total": "a total", "footnote": "a footnote", "section": "a section header"}
        shown = ", ".join(f"{c}={v}" for c, v in self.values[:SHOWN_VALUES])
        detail = shown if self.kind == "total" and shown else repr(_clip(self.label))
        return f"row {self.row} looks like {what[self.kind]}: {detail}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "kind": self.kind,
            "column": self.column,
            "label": self.label,
            "values": dict(self.values),
        }


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(name: str) -> pl.Expr:
    text = col(name).str.strip_chars(TRIM)
    return pl.when(text == "").then(None).otherwise(text)


def label(name: str) -> pl.Expr:
    """A cell as a summary label is matched: trimmed, footnote marks removed."""
    return _cell(name).str.replace(FOOTNOTE, "").str.strip_chars(TRIM)


def summary_kind(text_columns: Sequence[str], width: int, typed: Sequence[str] = ()) -> pl.Expr:
    """Per row: "total", "footnote", "section" or null, from the raw text of `text_columns`
    in a table of `width` columns; `typed` are the columns inference converts (numbers, dates)."""
    if not text_columns:
        return pl.lit(None, dtype=pl.String)
    cells = [_cell(n) for n in text_columns]
    present = pl.sum_horizontal(c.is_not_null().cast(pl.Int32) for c in cells)
    # Every present cell holds the same text: the least and the greatest are one (none present:
    # true). Linear in the width, not `c == coalesce(cells)` per cell: that expression grows with
    # the square of the width, and polars' planning of it took 40 s and 2.5 GB for a CSV of 100
    # columns (issue 21, tests/fuzz); nor a list per row, 3x slower on 10,000 rows.
    repeats = (pl.min_horizontal(cells) == pl.max_horizontal(cells)).fill_null(True)
    labelled = [pl.when(label(n).str.contains(TOTAL)).then(_cell(n)) for n in text_columns]
    label_text = pl.coalesce(labelled)
    # A total row labels numbers: its other text cells are empty or repeat the label, but for
    # at most one more value (a country beside "Total"). A row of several other texts is data
    # that happens to hold the word (a client called "Total", an eclipse of type "Total").
    words = [_cell(n) for n in text_columns if n not in set(typed)]
    # Only cells with a letter count: numbers left as text (a column that stayed text) are
    # what a total row carries.
    others = (
        pl.concat_list(pl.when(w.str.contains(r"\p{L}")).then(w) for w in words)
        .list.drop_nulls()
        .list.set_difference(pl.concat_list(label_text))
        if words
        else pl.lit([], dtype=pl.List(pl.String))
    )
    total = label_text.is_not_null() & (others.list.len() <= 1)
    note = pl.any_horizontal(c.str.contains(NOTE) for c in cells) & repeats
    section = pl.lit(width >= 3) & repeats & (present >= 2) & (2 * present >= width)
    return (
        pl.when(note.fill_null(False))
        .then(pl.lit("footnote"))
        .when(total.fill_null(False))
        .then(pl.lit("total"))
        .when(section.fill_null(False))
        .then(pl.lit("section"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def summary_rows(
    raw: pl.DataFrame,
    numeric: Sequence[str],
    text_columns: Sequence[str] | None = None,
    typed: Sequence[str] | None = None,
    kinds: pl.Series | None = None,
) -> tuple[SummaryRow, ...]:
    """The summary rows of `raw` (text as read), each with the `numeric` columns' text;
    `typed`: the columns inference converts (by default `numeric`); `kinds`: `summary_kind`
    of these columns over `raw`, when the caller computed it already."""
    texts = list(text_columns if text_columns is not None else raw.columns)
    texts = [n for n in texts if raw.schema[n] == pl.String]
    converted = list(numeric if typed is None else typed)
    if kinds is None:
        kinds = raw.select(summary_kind(texts, raw.width, converted).alias("kind"))["kind"]
    found: list[SummaryRow] = []
    for index in kinds.is_not_null().arg_true().to_list():
        kind: Kind = kinds[index]
        row = raw.row(index, named=True)
        column, text = _where(row, texts, kind, converted)
        values = tuple(
            (n, str(row[n]).strip(TRIM))
            for n in numeric
            if row[n] is not None and str(row[n]).strip(TRIM) not in ("", text)
        )
        found.append(SummaryRow(index + 1, kind, column, text, values))
    return tuple(found)


def _where(
    row: dict[str, Any], texts: Sequence[str], kind: Kind, typed: Sequence[str]
) -> tuple[str, str]:
    """The column and text of the row's label, in a column that stays text when one holds it
    (a filter on that column leaves the row out; `Total` in a Rank column becomes null)."""
    pattern = pl.Series([str(row[n] or "").strip(TRIM) for n in texts])
    if kind == "total":
        labels = pattern.str.replace(FOOTNOTE, "").str.strip_chars(TRIM)
        hits = labels.str.contains(TOTAL).arg_true().to_list()
    else:
        hits = (pattern != "").arg_true().to_list()
    kept = [i for i in hits if texts[i] not in set(typed)]
    i = (kept or hits)[0]
    return texts[i], pattern[i]


__all__ = [
    "FLAG_COLUMN",
    "NOTE",
    "SUMMARY_MODES",
    "TOTAL",
    "SummaryMode",
    "SummaryRow",
    "label",
    "summary_kind",
    "summary_rows",
]
