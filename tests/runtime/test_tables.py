"""Loading tables: every format round trip, in-memory inputs, lazy scanning, errors, catalog."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import polars as pl
import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import Table, load_table, parse_table_spec, tsv_unescape

FRAME = pl.DataFrame({"city": ["Oslo", "Lima"], "pop": [709_000, 9_750_000], "share": [0.5, 1.25]})


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """A minimal one-sheet workbook (no Excel writer is installed; calamine reads this)."""

    def cell(value: object) -> str:
        if isinstance(value, str):
            return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        return f"<c><v>{value}</v></c>"

    rows = [frame.columns, *frame.rows()]
    sheet = "".join(f"<row>{''.join(cell(v) for v in row)}</row>" for row in rows)
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{pkg}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="r1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Sheet1" '
        'sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}/relationships">'
        f'<Relationship Id="r1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{sheet}</sheetData></worksheet>",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)


WRITERS: dict[str, tuple[str, Callable[[pl.DataFrame, Path], object]]] = {
    "csv": (".csv", lambda f, p: f.write_csv(p)),
    "tsv": (".tsv", lambda f, p: f.write_csv(p, separator="\t")),
    "parquet": (".parquet", lambda f, p: f.write_parquet(p)),
    "ipc": (".arrow", lambda f, p: f.write_ipc(p)),
    "ndjson": (".ndjson", lambda f, p: f.write_ndjson(p)),
    "json": (".json", lambda f, p: f.write_json(p)),
    "excel": (".xlsx", write_xlsx),
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_format_round_trip(fmt: str, tmp_path: Path) -> None:
    suffix, write = WRITERS[fmt]
    path = tmp_path / f"cities{suffix}"
    write(FRAME, path)
    table = load_table(path)
    assert isinstance(table.frame, pl.LazyFrame)
    assert (table.name, table.source) == ("cities", str(path))
    assert table.frame.collect().equals(FRAME)
    assert (table.report is not None) == (fmt in {"csv", "tsv", "json", "ndjson"})


def test_format_override_and_clean_off(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("a;b\n1,5;x\n", encoding="utf-8")
    FRAME.write_csv(path)
    table = load_table(path, format="csv", clean=False, name="t")
    assert table.report is None and table.name == "t"
    assert table.frame.collect().equals(FRAME)


def test_clean_off_keeps_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('n\n"1,234"\n', encoding="utf-8")
    assert load_table(path, clean=False).frame.collect()["n"].to_list() == ["1,234"]
    assert load_table(path).frame.collect()["n"].to_list() == [1234]


def test_tsv_has_no_quoting(tmp_path: Path) -> None:
    path = tmp_path / "songs.tsv"
    path.write_text('Year\tSingle\n2000\t"Why Oh Why"\n2001\tSay "hi"\n', encoding="utf-8")
    frame = load_table(path).frame.collect()
    assert frame["Single"].to_list() == ['"Why Oh Why"', 'Say "hi"']


def test_duplicate_and_empty_headers_from_file(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,,a,\n1,2,3,4\n", encoding="utf-8")
    table = load_table(path)
    assert table.frame.collect_schema().names() == ["a", "column_2", "a_1", "column_4"]
    assert table.report is not None
    assert [c.original for c in table.report.columns] == ["a", "", "a", ""]


@pytest.mark.parametrize(
    "make",
    [
        lambda: FRAME,
        lambda: FRAME.lazy(),
        lambda: FRAME.to_pandas(),
        lambda: pd.DataFrame(
            {"city": ["Oslo", "Lima"], "pop": [709_000, 9_750_000], "share": [0.5, 1.25]}
        ),
    ],
    ids=["polars", "lazy", "pandas-from-polars", "pandas"],
)
def test_in_memory_inputs(make: Callable[[], object]) -> None:
    table = load_table(make(), name="cities")  # type: ignore[arg-type]
    assert (table.name, table.source, table.report) == ("cities", None, None)
    assert isinstance(table.frame, pl.LazyFrame)
    assert table.frame.collect().equals(FRAME)


def test_in_memory_clean_on_request() -> None:
    table = load_table(pl.DataFrame({"n": ["1,000", "2"]}), clean=True)
    assert table.report is not None
    assert table.frame.collect()["n"].to_list() == [1000, 2]


@pytest.mark.parametrize(
    ("fmt", "scan"), [("csv", "Csv SCAN"), ("parquet", "Parquet SCAN"), ("ipc", "Ipc SCAN")]
)
def test_files_are_scanned_lazily(fmt: str, scan: str, tmp_path: Path) -> None:
    """The table's plan starts from a file scan, not from rows read at load time."""
    suffix, write = WRITERS[fmt]
    path = tmp_path / f"big{suffix}"
    write(pl.DataFrame({"n": list(range(20_000))}), path)
    table = load_table(path)
    assert isinstance(table.frame, pl.LazyFrame)
    assert scan in table.frame.explain()
    assert table.frame.select(pl.len()).collect().item() == 20_000


def test_csv_sample_only_is_read_at_load(tmp_path: Path) -> None:
    """Rows appended after loading appear at collect: loading read the sample, not the file."""
    path = tmp_path / "grow.csv"
    path.write_text("n\n" + "1\n" * 12_000, encoding="utf-8")
    table = load_table(path)
    with path.open("a", encoding="utf-8") as out:
        out.write("2\n" * 500)
    assert table.frame.collect()["n"].sum() == 12_000 + 1_000


def test_csv_infers_from_sample_and_nulls_later_misfits(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_text("n\n" + "1\n" * 10_000 + "oops\n2\n", encoding="utf-8")
    table = load_table(path)
    assert table.report is not None and not table.report.complete
    values = table.frame.collect()["n"]
    assert values.dtype == pl.Int64
    assert values.tail(2).to_list() == [None, 2]


def unreadable(path: Path, **kw: str) -> PesqlError:
    with pytest.raises(PesqlError) as info:
        load_table(path, **kw)  # type: ignore[arg-type]
    assert info.value.codes == ("E307",)
    assert info.value.diagnostics[0].hints
    return info.value


def test_errors_are_e307(tmp_path: Path) -> None:
    assert "file not found" in str(unreadable(tmp_path / "nope.csv"))
    assert "file not found" in str(unreadable(tmp_path))
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    assert "empty.csv" in str(unreadable(tmp_path / "empty.csv"))
    (tmp_path / "text.parquet").write_text("not parquet", encoding="utf-8")
    assert "text.parquet" in str(unreadable(tmp_path / "text.parquet"))
    (tmp_path / "x.weird").write_text("a\n1\n", encoding="utf-8")
    assert "unknown format" in str(unreadable(tmp_path / "x.weird"))
    assert "unknown format" in str(unreadable(tmp_path / "x.weird", format="yaml"))
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert "bad.json" in str(unreadable(tmp_path / "bad.json"))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("sales=data/s.csv", ("sales", Path("data/s.csv"))),
        ("data/s.csv", ("s", Path("data/s.csv"))),
        ("2024 Sales-Q1.xlsx", ("t_2024_Sales_Q1", Path("2024 Sales-Q1.xlsx"))),
        ("data/a=b.csv", ("a_b", Path("data/a=b.csv"))),
        (" x = t.csv ", ("x", Path("t.csv"))),
    ],
)
def test_parse_table_spec(spec: str, expected: tuple[str, Path]) -> None:
    assert parse_table_spec(spec) == expected


def test_parse_table_spec_without_path() -> None:
    with pytest.raises(PesqlError) as info:
        parse_table_spec("sales=")
    assert info.value.codes == ("E307",)


def table(name: str) -> Table:
    return load_table(FRAME, name=name)


def test_catalog() -> None:
    catalog = Catalog([table("sales"), table("stores")])
    assert catalog.names() == ["sales", "stores"]
    assert "sales" in catalog and "x" not in catalog and len(catalog) == 2
    assert [t.name for t in catalog] == ["sales", "stores"]
    assert catalog.get("sales").name == "sales"
    catalog.add(table("cities"))
    assert catalog.names() == ["cities", "sales", "stores"]
    assert Catalog({"alias": table("sales")}).get("alias").name == "sales"


def test_catalog_unknown_name_suggests() -> None:
    catalog = Catalog([table("sales"), table("stores")])
    with pytest.raises(PesqlError) as info:
        catalog.get("sale")
    assert info.value.codes == ("E210",)
    assert "did you mean `sales`?" in info.value.diagnostics[0].hints
    with pytest.raises(PesqlError) as info:
        catalog.get("zzz")
    assert info.value.diagnostics[0].hints == ("tables in the catalog: `sales`, `stores`",)


def test_tsv_escapes_are_decoded_in_headers_and_cells(tmp_path: Path) -> None:
    """WikiTableQuestions' TSV escapes (`\\n`, `\\p`, `\\\\`) read as the official reader does."""
    path = tmp_path / "wtq.tsv"
    path.write_text("Peak\\nAUS\tTitle\n1\tA\\pB\n2\tline\\nbreak\n3\tback\\\\slash\n")
    table = load_table(path)
    frame = table.frame.collect()
    assert frame.columns == ["Peak AUS", "Title"]
    assert frame["Title"].to_list() == ["A|B", "line\nbreak", "back\\slash"]
    assert table.report is not None and table.report.columns[0].original == "Peak\nAUS"
    assert tsv_unescape("a\\pb\\nc\\\\d") == "a|b\nc\\d"


def test_csv_cells_keep_backslashes(tmp_path: Path) -> None:
    """Only TSV carries the escapes: a CSV cell keeps `\\p` as written."""
    path = tmp_path / "plain.csv"
    path.write_text("Title\nA\\pB\n")
    assert load_table(path).frame.collect()["Title"].to_list() == ["A\\pB"]


def test_a_text_table_too_wide_for_inference_is_refused_at_once(tmp_path: Path) -> None:
    import time

    from pesql.runtime.tables.table import MAX_CLEAN_COLUMNS

    width = 4_000  # took 34-58 s and 3.6 GB to load before the limit (issue 23)
    csv = tmp_path / "wide.csv"
    header = ",".join(f"c{i}" for i in range(width))
    csv.write_text(header + "\n" + ",".join(str(i % 7) for i in range(width)) + "\n")
    started = time.monotonic()
    with pytest.raises(PesqlError) as err:
        load_table(csv)
    assert err.value.codes == ("E307",)
    assert f"at most {MAX_CLEAN_COLUMNS}" in err.value.diagnostics[0].message
    assert "clean=False" in err.value.diagnostics[0].hints[0]
    assert time.monotonic() - started < 5
    loaded = load_table(csv, clean=False)
    assert loaded.frame.collect().shape == (1, width)
