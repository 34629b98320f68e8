"""Summary and section rows: found, reported (schema, the model's overview), kept by default,
excluded on request, and W310 when one takes part in an answer."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.runtime.engine.execute import compile
from pesql.runtime.llm.prompt import table_overview
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.clean.summary import summary_rows
from pesql.runtime.tables.table import Table, load_table

ELECTION = (
    "Party\tCandidate\tVotes\t%\n"
    "Red\tAnn\t412,331\t54.8\n"
    "Blue\tBob\t340,361\t45.2\n"
    "Total\t\t752,692\t100.0\n"
    "Registered voters\t\t1,204,110\t\n"
    "Turnout\t\t\t62.5\n"
)


def election(tmp_path: Path, **options: object) -> Table:
    path = tmp_path / "election.tsv"
    path.write_text(ELECTION, encoding="utf-8")
    return load_table(path, **options)  # type: ignore[arg-type]


def test_totals_are_found_and_every_row_is_kept(tmp_path: Path) -> None:
    table = election(tmp_path)
    frame = table.frame.collect()
    assert frame.height == 5  # the default keeps every row
    assert frame["Votes"].to_list() == [412331, 340361, 752692, 1204110, None]
    assert table.report is not None
    found = table.report.summary_rows
    assert [(r.row, r.kind, r.column, r.label) for r in found] == [
        (3, "total", "Party", "Total"),
        (4, "total", "Party", "Registered voters"),
        (5, "total", "Party", "Turnout"),
    ]
    assert found[0].describe() == "row 3 looks like a total: Votes=752,692, %=100.0"
    text = table.report.to_text()
    assert "row 3 looks like a total: Votes=752,692" in text
    assert "3 summary rows kept" in text and "summary_rows='drop'" in text
    out = table.report.to_dict()
    assert out["summary_mode"] == "keep"
    assert out["summary_rows"][0] == {
        "row": 3,
        "kind": "total",
        "column": "Party",
        "label": "Total",
        "values": {"Votes": "752,692", "%": "100.0"},
    }
    json.dumps(out)  # JSON-able, for `pesql schema --json`


def test_drop_and_flag(tmp_path: Path) -> None:
    dropped = election(tmp_path, summary_rows="drop").frame.collect()
    assert dropped["Party"].to_list() == ["Red", "Blue"]
    flagged = election(tmp_path, summary_rows="flag").frame.collect()
    assert flagged["summary_row"].to_list() == [False, False, True, True, True]
    with pytest.raises(ValueError, match="summary_rows"):
        election(tmp_path, summary_rows="hide")


@pytest.mark.parametrize(
    ("cells", "kind"),
    [
        (["Total", "", "12"], "total"),
        (["Totals", "x", "12"], "total"),
        (["Grand total", "", "12"], "total"),
        (["Total (12 nations)", "", "12"], "total"),
        (["Career total", "", "12"], "total"),
        (["Valid votes", "", "12"], "total"),
        (["Invalid/blank votes", "", "12"], "total"),
        (["Eligible voters", "", "12"], "total"),
        (["Turnout[a]", "", "61%"], "total"),
        (["Group B", "Group B", "Group B"], "section"),
        (["Note: provisional", "", ""], "footnote"),
        (["* not counted", "* not counted", "* not counted"], "footnote"),
        (["Total Drama Island", "Fresh TV", "12"], None),  # a title, not a label
        (["Totalitarianism", "", "3"], None),
        (["Majorca", "Spain", "3"], None),
        (["a", "a", "b"], None),  # two of three equal: data
    ],
)
def test_detection_rule(cells: list[str], kind: str | None) -> None:
    raw = pl.DataFrame(
        {"a": ["Red", cells[0]], "b": ["x", cells[1]], "c": ["1", cells[2]]},
        schema={"a": pl.String, "b": pl.String, "c": pl.String},
    )
    found = summary_rows(raw, numeric=["c"])
    assert [r.kind for r in found] == ([] if kind is None else [kind])


def test_section_rows_do_not_keep_a_number_column_as_text() -> None:
    raw = pl.DataFrame(
        {
            "Team": ["Group A", "Oslo", "Lima", "Group B", "Rome"],
            "Points": ["Group A", "12", "9", "Group B", "7"],
            "Goals": ["Group A", "30", "21", "Group B", "11"],
        }
    )
    table = load_table(raw, name="t", clean=True)
    assert table.frame.collect()["Points"].to_list() == [None, 12, 9, None, 7]
    assert table.report is not None
    assert table.report.columns[1].contradictions == ()  # reported as sections instead
    assert [r.row for r in table.report.summary_rows] == [1, 4]


def test_overview_reports_summary_rows(tmp_path: Path) -> None:
    overview = table_overview(Catalog([election(tmp_path)]), 2000)
    assert "- row 3 looks like a total: Votes=752,692, %=100.0 (kept: filter it out" in overview
    # Even the tightest level keeps the lines: they change counts and argmax answers.
    tight = table_overview(Catalog([election(tmp_path)]), 120)
    assert "row 3 looks like a total" in tight
    dropped = table_overview(Catalog([election(tmp_path, summary_rows="drop")]), 2000)
    assert "looks like" not in dropped


@pytest.mark.parametrize(
    ("plan", "warned"),
    [
        ("SORT Votes DESC\nLIMIT 1", [4]),  # the argmax is a summary row (then row 3)
        ("AGGREGATE n = COUNT(*)", [3, 4, 5]),  # the count includes them
        ("AGGREGATE total = SUM(Votes)", [3, 4]),  # Turnout has no votes: no change
        ("FILTER Candidate IS NOT NULL\nSORT Votes DESC\nLIMIT 1", []),  # filtered first
        ("SELECT Party, Votes", []),  # a listing: no aggregate, no limit
    ],
)
def test_w310_when_a_summary_row_takes_part(tmp_path: Path, plan: str, warned: list[int]) -> None:
    table = election(tmp_path)
    result = compile(plan, table.schema()).collect(table)
    w310 = [d for d in result.notes if d.code == "W310"]
    assert [int(d.message.split()[1]) for d in w310] == warned
    assert all(d.severity == "warning" for d in w310)
    if w310:
        condition = "NOT Party IN ('Total', 'Registered voters', 'Turnout')"
        assert w310[0].hints[0] == f"leave the summary rows out first: FILTER {condition}"
        # The hint's filter silences the warning and changes the answer.
        fixed = compile(f"FILTER {condition}\n{plan}", table.schema()).collect(table)
        assert [d.code for d in fixed.notes] == []
        assert not fixed.frame.equals(result.frame)


def test_no_w310_when_rows_are_dropped_or_for_plain_frames(tmp_path: Path) -> None:
    plan = "SORT Votes DESC\nLIMIT 1"
    table = election(tmp_path, summary_rows="drop")
    assert compile(plan, table.schema()).collect(table).notes == ()
    frame = election(tmp_path).frame.collect()  # a bare frame carries no report
    assert compile(plan, table.schema()).collect(frame).notes == ()


def test_a_data_row_holding_a_summary_word_is_data() -> None:
    """A client called "Total" (several other texts in the row) and an eclipse of type
    "Total" are data; a career table's "Total" beside one country is a total."""
    raw = pl.DataFrame(
        {
            "Client": ["Shell", "Total", "Total"],
            "Country": ["Oman", "Libya", "Netherlands"],
            "Services": ["Drilling", "Drilling", None],
            "Wells": ["3", "4", "7"],
        }
    )
    found = summary_rows(raw, numeric=["Wells"])
    assert [(r.row, r.label) for r in found] == [(3, "Total")]


def test_pesql_schema_shows_summary_rows_and_original_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pesql.runtime.cli.main import run_cli

    path = tmp_path / "votes.csv"
    path.write_text("Party,Votes,Votes\nRed,10,1\nBlue,12,2\nTotal,22,3\n", encoding="utf-8")
    assert run_cli(["schema", "--table", str(path)]) == 0
    text = capsys.readouterr().out
    assert "row 3 looks like a total: Votes=22, Votes_1=3" in text
    assert "1 summary row kept" in text
    assert "│ Votes_1 │ 'Votes'" in text  # the original header beside the renamed column
    assert run_cli(["schema", "--table", str(path), "--json"]) == 0
    inferred = json.loads(capsys.readouterr().out)["votes"]["inferred"]
    assert inferred["summary_rows"][0]["row"] == 3
    assert inferred["columns"][2]["original"] == "Votes"
    assert inferred["columns"][2]["name"] == "Votes_1"


NAMES = st.text(alphabet="abcdefghij", min_size=3, max_size=8).map(str.capitalize)
LABELS = st.sampled_from(["Total", "Totals", "Turnout", "Registered voters", "Grand total"])


@given(
    st.lists(st.tuples(NAMES, st.integers(0, 10**6)), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 12), LABELS), max_size=3),
)
def test_property_keep_drop_flag_agree_on_injected_summary_rows(
    data: list[tuple[str, int]], injected: list[tuple[int, str]]
) -> None:
    """Data rows with summary rows injected anywhere: keep has every row, drop exactly the data
    rows (in order), flag marks exactly the injected rows, and the report lists them."""
    rows: list[tuple[str, str, bool]] = [(name, f"{n:,}", False) for name, n in data]
    for position, label in injected:
        total = sum(n for _, n in data)
        rows.insert(min(position, len(rows)), (label, f"{total:,}", True))
    raw = pl.DataFrame({"Name": [r[0] for r in rows], "Votes": [r[1] for r in rows]})
    kept = load_table(raw, name="t", clean=True)
    assert kept.frame.collect().height == len(rows)
    assert kept.report is not None
    assert [r.row for r in kept.report.summary_rows] == [i + 1 for i, r in enumerate(rows) if r[2]]
    dropped = load_table(raw, name="t", clean=True, summary_rows="drop").frame.collect()
    assert dropped["Name"].to_list() == [name for name, _ in data]
    assert dropped["Votes"].to_list() == [n for _, n in data]
    flagged = load_table(raw, name="t", clean=True, summary_rows="flag").frame.collect()
    assert flagged["summary_row"].to_list() == [r[2] for r in rows]


def test_a_total_label_does_not_keep_a_rank_column_as_text() -> None:
    """Medal tables: `Total` in the Rank column used to keep Rank as text."""
    raw = pl.DataFrame(
        {
            "Rank": ["1", "2", "3", "Total"],
            "Nation": ["A", "B", "C", "Total"],
            "Gold": ["5", "3", "1", "9"],
        }
    )
    table = load_table(raw, name="medals", clean=True)
    frame = table.frame.collect()
    assert frame["Rank"].to_list() == [1, 2, 3, None]
    assert table.report is not None
    assert table.report.columns[0].contradictions == ()  # reported as a summary row instead
    (total,) = table.report.summary_rows
    assert (total.column, total.label, total.values) == ("Nation", "Total", (("Gold", "9"),))
    result = compile("SORT Gold DESC\nLIMIT 1", table.schema()).collect(table)
    assert [d.hints[0] for d in result.notes] == [
        "leave the summary rows out first: FILTER Nation != 'Total'"
    ]


@pytest.mark.parametrize("width", [1, 3, 190])
def test_a_header_without_rows_loads_in_every_mode(tmp_path: Path, width: int) -> None:
    """No row in the sample is no row in the table: nothing is looked for (the summary-row
    expressions are as wide as the table), and keep, drop and flag give the same empty
    table, flag with its boolean column."""
    path = tmp_path / "header.csv"
    path.write_text(",".join(f"c{i}" for i in range(width)) + "\n")
    for mode in ("keep", "drop", "flag"):
        table = load_table(path, summary_rows=mode)
        frame = table.frame.collect()
        assert frame.height == 0 and table.report is not None
        assert table.report.summary_rows == ()
        extra = {"summary_row": pl.Boolean} if mode == "flag" else {}
        assert dict(frame.schema) == {**{f"c{i}": pl.String for i in range(width)}, **extra}
