"""Tables: load a file or an in-memory frame as a named polars LazyFrame, cleaned when it is text.

    >>> import tempfile
    >>> from pathlib import Path
    >>> csv = Path(tempfile.mkdtemp()) / "sales.csv"
    >>> _ = csv.write_text('region,revenue\\nnorth,"1,200"\\nsouth,950\\n')
    >>> table = load_table(csv)  # name from the file stem; the CSV is scanned lazily
    >>> table.name, table.frame.collect().rows()
    ('sales', [('north', 1200), ('south', 950)])
    >>> table.report.columns[1].rule  # what inference did to the text column "revenue"
    "integer with thousands separator ','"
    >>> load_table(pl.DataFrame({"x": [1, 2]}), name="t").frame.collect().height  # in memory
    2
    >>> parse_table_spec("sales=data/s.csv")
    ('sales', PosixPath('data/s.csv'))

Parquet, CSV/TSV, Arrow IPC and NDJSON are scanned lazily; JSON (one array) and Excel are read
whole, because polars has no scanner for them. Every failure to read becomes E307.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.record import Record, record
from pesql.runtime.tables.clean.infer import CleanReport, clean_frame
from pesql.runtime.tables.clean.summary import SUMMARY_MODES, SummaryMode

if TYPE_CHECKING:
    import pandas

__all__ = [
    "FORMATS",
    "MAX_CLEAN_COLUMNS",
    "Format",
    "Table",
    "load_table",
    "parse_table_spec",
    "table_name",
    "tsv_unescape",
]

Format = Literal["csv", "tsv", "parquet", "json", "ndjson", "ipc", "excel"]
FORMATS: tuple[Format, ...] = get_args(Format)
EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".feather": "ipc",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xlsb": "excel",
    ".xls": "excel",
    ".ods": "excel",
}
# The escapes of WikiTableQuestions' TSV (and of its official reader, in this order): a line
# break inside a cell is written `\n`, a pipe `\p`, a backslash `\\`. TSV has no quoting, so
# escapes are how such cells survive; a TSV read as text is decoded, headers and cells alike.
TSV_ESCAPES: tuple[tuple[str, str], ...] = (("\\n", "\n"), ("\\p", "|"), ("\\\\", "\\"))


def tsv_unescape(text: str) -> str:
    """`Peak\\nAUS` -> `Peak` newline `AUS`; `a\\pb` -> `a|b`; `\\\\` -> `\\`."""
    for escaped, plain in TSV_ESCAPES:
        text = text.replace(escaped, plain)
    return text


def _tsv_unescape_expr(value: pl.Expr) -> pl.Expr:
    for escaped, plain in TSV_ESCAPES:
        value = value.str.replace_all(escaped, plain, literal=True)
    return value


# Text formats carry no types, so cleaning is on by default for them only.
TEXT_FORMATS: frozenset[Format] = frozenset({"csv", "tsv", "json", "ndjson"})


@record(kw_only=False, slots=False)
class Table(Record):
    """A named table: a lazy frame, what cleaning did (None when off) and where it came from."""

    name: str
    frame: pl.LazyFrame
    report: CleanReport | None
    source: str | None

    def schema(self) -> Schema:
        """The table's p-SQL schema, from its (lazy) polars schema; nothing is read."""
        return schema_from_polars(self.frame.collect_schema())


def table_name(text: str) -> str:
    """A plain identifier from a file stem: `2024 Sales-Q1` -> `t_2024_Sales_Q1`."""
    name = re.sub(r"\W+", "_", text, flags=re.ASCII).strip("_") or "table"
    return f"t_{name}" if name[0].isdigit() else name


def parse_table_spec(spec: str) -> tuple[str, Path]:
    """`NAME=PATH` or `PATH` (the name is then the sanitized file stem)."""
    name, sep, path = spec.partition("=")
    # A path may itself contain "=": only an identifier before the first "=" is a name.
    if not sep or not re.fullmatch(r"[A-Za-z_]\w*", name.strip(), flags=re.ASCII):
        name, path = "", spec
    if not path.strip():
        raise _unreadable(spec, "no path given", "write NAME=PATH, e.g. sales=data/sales.csv")
    file = Path(path.strip())
    return (name.strip() or table_name(file.stem)), file


def load_table(
    source: str | Path | pl.DataFrame | pl.LazyFrame | pandas.DataFrame,
    *,
    name: str | None = None,
    format: str | None = None,
    clean: bool | None = None,
    summary_rows: SummaryMode = "keep",
) -> Table:
    """Load a file (format from the extension unless given) or wrap an in-memory frame.

    `summary_rows` ("keep", "drop", "flag"): what cleaning does with the rows that look like
    totals, section headers or footnotes (docs/tables.md); every row is kept by default."""
    if summary_rows not in SUMMARY_MODES:
        raise ValueError(f"summary_rows must be one of {SUMMARY_MODES}, not {summary_rows!r}")
    if isinstance(source, pl.DataFrame | pl.LazyFrame) or _is_pandas(source):
        frame = pl.from_pandas(source) if _is_pandas(source) else source
        assert isinstance(frame, pl.DataFrame | pl.LazyFrame)
        report = None
        lazy = frame.lazy()
        if clean:  # an in-memory frame is already typed: clean only on request
            lazy, report = clean_frame(frame, summary=summary_rows)
        return Table(name or "table", lazy, report, None)
    if not isinstance(source, str | Path):
        raise TypeError(
            "load_table takes a file path, a polars DataFrame or LazyFrame, or a pandas "
            f"DataFrame, not {type(source).__name__}"
        )
    path = Path(source)
    if not path.is_file():
        hint = "check the path" if not path.exists() else "give a file, not a directory"
        raise _unreadable(str(path), "file not found", hint)
    fmt = _format_of(path, format)
    do_clean = fmt in TEXT_FORMATS if clean is None else clean
    try:
        frame, headers = _read(path, fmt, do_clean)
        report = None
        if do_clean:
            _check_width(str(path), len(frame.collect_schema()))
            frame, report = clean_frame(frame, headers=headers, summary=summary_rows)
        else:
            frame.collect_schema()  # reads only the header or metadata: fail here, not later
    except PesqlError:
        raise
    except Exception as exc:  # polars, fastexcel and the OS raise many types for one cause
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _unreadable(str(path), first, f"is it really a {fmt} file? pass format=...") from exc
    return Table(name or table_name(path.stem), frame, report, str(path))


def _is_pandas(source: object) -> bool:
    return type(source).__module__.startswith("pandas") and type(source).__name__ == "DataFrame"


def _format_of(path: Path, given: str | None) -> Format:
    fmt = given.lower().lstrip(".") if given else EXTENSIONS.get(path.suffix.lower(), "")
    fmt = {"arrow": "ipc", "feather": "ipc", "jsonl": "ndjson", "xlsx": "excel"}.get(fmt, fmt)
    if fmt not in FORMATS:
        found = given or path.suffix or "no extension"
        raise _unreadable(str(path), f"unknown format {found!r}", f"pass format= one of {FORMATS}")
    return fmt  # type: ignore[return-value]


def _read(path: Path, fmt: Format, text: bool) -> tuple[pl.LazyFrame, list[str | None] | None]:
    """The frame and, for CSV/TSV read as text, the raw header row (polars renames duplicates)."""
    if fmt in ("csv", "tsv"):
        options: dict[str, Any] = {
            "separator": "\t" if fmt == "tsv" else ",",
            # TSV has no quoting: a value like "Why Oh Why" keeps its quotes.
            "quote_char": None if fmt == "tsv" else '"',
            "encoding": "utf8-lossy",
        }
        if not text:
            return pl.scan_csv(path, infer_schema_length=10_000, **options), None
        first = pl.scan_csv(path, has_header=False, n_rows=1, infer_schema=False, **options)
        headers: list[str | None] = list(first.collect().row(0))
        frame = pl.scan_csv(path, infer_schema=False, **options)
        if fmt == "tsv":
            headers = [None if h is None else tsv_unescape(h) for h in headers]
            frame = frame.select(_tsv_unescape_expr(pl.all()))
        return frame, headers
    if fmt == "parquet":
        return pl.scan_parquet(path), None
    if fmt == "ipc":
        return pl.scan_ipc(path), None
    if fmt == "ndjson":
        return pl.scan_ndjson(path, infer_schema_length=10_000), None
    if fmt == "json":
        return pl.read_json(path, infer_schema_length=10_000).lazy(), None
    from pesql.runtime.extras import require

    require("fastexcel", "reading Excel files")
    sheet = pl.read_excel(path)
    assert isinstance(sheet, pl.DataFrame)  # one sheet (the first) was asked for
    return sheet.lazy(), None


# Type inference costs ~4 ms of CPU (Python and polars planning) per text column since the
# rules are counted over one long frame (issue 21: 200 columns 0.8 s; per column and rule it
# was 40 ms a column, 500 columns 19 s). Past this many columns a text table loads only
# without inference, so that loading stays within the 1 s of a call (tests/fuzz).
MAX_CLEAN_COLUMNS = 200


def _check_width(name: str, width: int) -> None:
    """E307 for a text table too wide to infer its column types in bounded time."""
    if width > MAX_CLEAN_COLUMNS:
        problem = f"{width} columns; type inference reads at most {MAX_CLEAN_COLUMNS}"
        hint = "load it with clean=False (columns as polars reads them), or keep fewer columns"
        raise _unreadable(name, problem, hint)


def _unreadable(name: str, problem: str, hint: str) -> PesqlError:
    return PesqlError([Diagnostic.make("E307", name=name, problem=problem, hints=(hint,))])
