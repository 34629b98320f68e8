"""Build examples/datasets/tables-qa/examples.jsonl: questions over real public tables.

Each example is written here by hand as a question, a p-SQL plan (text, converted to canonical
JSON) and an independent DuckDB query answering the same question. The expected result is what
DuckDB returns over the same data pesql sees: every table is loaded with pesql's `load_table`
and the collected polars frame is copied into an in-process DuckDB table (so `rowid` is the row
order pesql sees). The gold plan is also run by pesql and every disagreement is printed; known
engine bugs are listed in tests/runtime/tables_qa_discrepancies.md, never bent to fit.

    python examples/datasets/build_tables_qa.py            # rebuild examples.jsonl, report
    python examples/datasets/build_tables_qa.py --prepare /tmp/dl   # (re)write tables/*.csv

`--prepare` reads the unpacked wheels vega_datasets 0.9.0 (`vd/vega_datasets/_data/`) and
palmerpenguins 0.1.6 (`pp/palmerpenguins/data/`); trimming is deterministic (every k-th row).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import json
import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import duckdb
import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.runtime.engine.execute import compile
from pesql.runtime.tables.table import load_table

HERE = Path(__file__).resolve().parent
DATASET = HERE / "tables-qa"
TABLES = DATASET / "tables"
OUT = DATASET / "examples.jsonl"

Order = Literal["ordered", "bag", "set"]
FLOAT_TOL = 1e-6


# --- tables --------------------------------------------------------------------------------
def _copy_csv(src: Path, dst: Path, *, every: int = 1, fix: dict[str, str] | None = None) -> int:
    """Copy a CSV keeping rows 0, every, 2*every, ...; `fix` rewrites some columns."""
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, kept = rows[0], rows[1:][::every]
    for col, kind in (fix or {}).items():
        i = header.index(col)
        for row in kept:
            if kind == "slash-datetime":  # 2010/01/01 00:00 -> 2010-01-01 00:00:00
                day, _, clock = row[i].partition(" ")
                row[i] = f"{day.replace('/', '-')} {clock}:00"
            elif kind == "na-empty" and row[i] == "NA":  # text NA stays text: make it missing
                row[i] = ""
    with dst.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(kept)
    return len(kept)


def _json_to_csv(src: Path, dst: Path) -> int:
    records: list[dict[str, Any]] = json.loads(src.read_text(encoding="utf-8"))
    header = list(records[0])
    with dst.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for record in records:
            writer.writerow(["" if record.get(k) is None else record[k] for k in header])
    return len(records)


def prepare_tables(root: Path) -> dict[str, int]:
    """Write tables/*.csv from the unpacked source wheels under `root`; rows per table."""
    vega = root / "vd" / "vega_datasets" / "_data"
    pp = root / "pp" / "palmerpenguins" / "data"
    TABLES.mkdir(parents=True, exist_ok=True)
    return {
        "penguins": _copy_csv(
            pp / "penguins.csv", TABLES / "penguins.csv", fix={"sex": "na-empty"}
        ),
        "cars": _json_to_csv(vega / "cars.json", TABLES / "cars.csv"),
        "iris": _json_to_csv(vega / "iris.json", TABLES / "iris.csv"),
        "seattle_weather": _copy_csv(vega / "seattle-weather.csv", TABLES / "seattle_weather.csv"),
        "stocks": _copy_csv(vega / "stocks.csv", TABLES / "stocks.csv"),
        "airports": _copy_csv(vega / "airports.csv", TABLES / "airports.csv", every=2),
        "us_employment": _copy_csv(vega / "us-employment.csv", TABLES / "us_employment.csv"),
        "iowa_electricity": _copy_csv(
            vega / "iowa-electricity.csv", TABLES / "iowa_electricity.csv"
        ),
        "barley": _json_to_csv(vega / "barley.json", TABLES / "barley.csv"),
        "seattle_temps": _copy_csv(
            vega / "seattle-temps.csv",
            TABLES / "seattle_temps.csv",
            every=5,
            fix={"date": "slash-datetime"},
        ),
    }


def load_frames(tables: Path = TABLES) -> dict[str, pl.DataFrame]:
    """Every table as pesql loads it (cleaned CSV), collected."""
    return {path.stem: load_table(path).frame.collect() for path in sorted(tables.glob("*.csv"))}


def duckdb_with(frames: dict[str, pl.DataFrame]) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB holding a copy of each frame (row order kept, so rowid works)."""
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute("SET preserve_insertion_order = true")
    for name, frame in frames.items():
        con.register("incoming", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        con.unregister("incoming")
    return con


# --- values --------------------------------------------------------------------------------
def json_value(v: Any) -> Any:
    """A result cell as docs/datasets.md writes it: dates ISO, durations in seconds, ..."""
    if v is None or isinstance(v, bool | str | int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return {"float": "NaN"}
        return v if math.isfinite(v) else {"float": "Infinity" if v > 0 else "-Infinity"}
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    raise TypeError(f"cannot store {v!r} ({type(v).__name__}) in examples.jsonl")


def frame_result(frame: pl.DataFrame) -> dict[str, Any]:
    return {
        "columns": frame.columns,
        "rows": [[json_value(v) for v in row] for row in frame.rows()],
    }


def cells_equal(a: Any, b: Any, tol: float = FLOAT_TOL) -> bool:
    """docs/datasets.md: |a - b| <= tol * max(1, |a|, |b|); NaN is not null."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
    return bool(a == b)


def results_equal(
    expected: dict[str, Any], got: dict[str, Any], order: Order, column_names: str
) -> str:
    """'' when `got` answers like `expected` under the comparison mode, else what differs."""
    if column_names == "required" and expected["columns"] != got["columns"]:
        return f"columns {got['columns']} != {expected['columns']}"
    if len(expected["columns"]) != len(got["columns"]):
        return f"{len(got['columns'])} columns != {len(expected['columns'])}"
    want: list[list[Any]] = expected["rows"]
    have: list[list[Any]] = got["rows"]
    if order == "set":
        want, have = _unique(want), _unique(have)
    if len(want) != len(have):
        return f"{len(have)} rows != {len(want)}"
    if order != "ordered":
        want, have = sorted(want, key=_sort_key), sorted(have, key=_sort_key)
    for i, (w, h) in enumerate(zip(want, have, strict=True)):
        if not all(cells_equal(x, y) for x, y in zip(w, h, strict=True)):
            return f"row {i}: got {h} expected {w}"
    return ""


def _unique(rows: list[list[Any]]) -> list[list[Any]]:
    seen: dict[str, list[Any]] = {}
    for row in rows:
        seen.setdefault(json.dumps([_sort_key(row)]), row)
    return list(seen.values())


def _sort_key(row: list[Any]) -> tuple[tuple[int, Any], ...]:
    # Rounded floats so values equal within the tolerance sort next to each other.
    def key(v: Any) -> tuple[int, Any]:
        if v is None:
            return (0, "")
        if isinstance(v, bool):
            return (1, int(v))
        if isinstance(v, int | float):
            return (2, round(float(v), 4))
        return (3, str(v))

    return tuple(key(v) for v in row)


# --- examples ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    table: str
    question: str
    plan: str  # p-SQL text without the FROM line
    sql: str
    order: Order = "ordered"
    column_names: str = "required"
    tags: tuple[str, ...] = ()


@dataclass
class Book:
    examples: list[Example] = field(default_factory=list)
    # "required" here (training data keeps the gold names); the held-out evaluation set
    # ignores them: a question does not name its output columns, so a model cannot know them.
    column_names: str = "required"

    def add(
        self,
        table: str,
        question: str,
        plan: str,
        sql: str,
        *,
        order: Order = "ordered",
        tags: tuple[str, ...] = (),
    ) -> None:
        self.examples.append(Example(table, question, plan, sql, order, self.column_names, tags))


def plan_json(table: str, text: str) -> dict[str, Any]:
    value = to_json(parse(f"FROM {table}\n{text.strip()}"))
    parsed: dict[str, Any] = json.loads(dumps(value))
    return parsed


def ops_in(value: Any) -> Iterator[str]:
    """Every operation name used in a canonical plan JSON value."""
    if isinstance(value, dict):
        if isinstance(value.get("op"), str):
            yield value["op"]
        for v in value.values():
            yield from ops_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from ops_in(v)


def run_pesql(plan: dict[str, Any], frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    frame = frames[plan["table"]]
    compiled = compile(plan, {plan["table"]: schema_from_polars(frame.schema)})
    return frame_result(compiled.collect({plan["table"]: frame}).frame)


def build(
    book: Book, frames: dict[str, pl.DataFrame], *, prefix: str = ""
) -> tuple[list[dict[str, Any]], int]:
    """The JSONL records, and how many gold plans disagree with their reference SQL.

    Ids are `PREFIX` + the table (dashes for underscores) + a number per table, in book order."""
    con = duckdb_with(frames)
    counters: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    failures = 0
    for ex in book.examples:
        counters[ex.table] = counters.get(ex.table, 0) + 1
        ident = f"{prefix}{ex.table.replace('_', '-')}-{counters[ex.table]:04d}"
        plan = plan_json(ex.table, ex.plan)
        try:
            expected = frame_result(con.sql(ex.sql).pl())
        except duckdb.Error as exc:
            raise SystemExit(f"{ident}: reference SQL fails: {exc}") from exc
        ops = sorted(set(ops_in(plan["steps"])))
        record = {
            "id": ident,
            "question": ex.question,
            "tables": [ex.table],
            "plan": plan,
            "expected": expected,
            "expected_source": "duckdb",
            "reference_sql": " ".join(ex.sql.split()),
            "compare": {
                "order": ex.order,
                "column_names": ex.column_names,
                "float_tol": FLOAT_TOL,
                "nan_equals_null": False,
            },
            "tags": sorted(set(ex.tags)) + [op.lower() for op in ops],
        }
        try:
            got = run_pesql(plan, frames)
            problem = results_equal(expected, got, ex.order, ex.column_names)
        except Exception as exc:  # report every failure, keep building
            problem = f"pesql raised {type(exc).__name__}: {exc}"
        if problem:
            failures += 1
            print(f"MISMATCH {ident}: {ex.question}\n  {problem}", file=sys.stderr)
        records.append(record)
    return records, failures


def write(records: list[dict[str, Any]], path: Path = OUT) -> None:
    with path.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


# --- penguins ------------------------------------------------------------------------------
def penguins(b: Book) -> None:
    add = partial(b.add, "penguins")
    add(
        "How many penguins are in the data set?",
        "AGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins",
    )
    add(
        "How many penguins of each species are there? Show the species in the order they first "
        "appear in the data.",
        "GROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM penguins GROUP BY species ORDER BY min(rowid)",
    )
    add(
        "Which species has the largest average absolute gap between bill length and bill depth?",
        "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)\n"
        "GROUP_BY species COMPUTE avg_gap = AVG(gap)\n"
        "SORT avg_gap DESC\nLIMIT 1",
        "SELECT species, avg(abs(bill_length_mm - bill_depth_mm)) AS avg_gap FROM penguins "
        "GROUP BY species ORDER BY avg_gap DESC NULLS LAST LIMIT 1",
    )
    add(
        "What is the average body mass of each species on each island, rounded to one decimal?",
        "GROUP_BY species, island COMPUTE avg_mass = ROUND(AVG(body_mass_g), 1)",
        "SELECT species, island, round(avg(body_mass_g), 1) AS avg_mass FROM penguins "
        "GROUP BY species, island",
        order="bag",
    )
    add(
        "How many penguins have no recorded sex?",
        "FILTER sex IS NULL\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE sex IS NULL",
    )
    add(
        "For how many penguins is the body mass known?",
        "AGGREGATE known = COUNT(body_mass_g)",
        "SELECT count(body_mass_g) AS known FROM penguins",
    )
    add(
        "List the 5 heaviest penguins (species, island, body mass); keep the data order among "
        "equal masses.",
        "SORT body_mass_g DESC\nLIMIT 5\nSELECT species, island, body_mass_g",
        "SELECT species, island, body_mass_g FROM penguins "
        "ORDER BY body_mass_g DESC NULLS LAST, rowid LIMIT 5",
    )
    add(
        "Which penguins have the maximum flipper length? Include all ties.",
        "SORT flipper_length_mm DESC\nLIMIT 1 WITH TIES\n"
        "SELECT species, island, flipper_length_mm, sex",
        "SELECT species, island, flipper_length_mm, sex FROM penguins "
        "WHERE flipper_length_mm = (SELECT max(flipper_length_mm) FROM penguins) ORDER BY rowid",
    )
    add(
        "How many distinct islands does each species live on?",
        "GROUP_BY species COMPUTE islands = COUNT_DISTINCT(island)",
        "SELECT species, count(DISTINCT island) AS islands FROM penguins GROUP BY species",
        order="bag",
    )
    add(
        "How many Adelie penguins weigh more than 4 kg?",
        "FILTER species = 'Adelie'\nAGGREGATE n = COUNT_IF(body_mass_g > 4000)",
        "SELECT count(*) FILTER (WHERE body_mass_g > 4000) AS n FROM penguins "
        "WHERE species = 'Adelie'",
    )
    add(
        "What is the total body mass (in kg) of all penguins per island?",
        "GROUP_BY island COMPUTE total_kg = SUM(body_mass_g) / 1000",
        "SELECT island, sum(body_mass_g) / 1000 AS total_kg FROM penguins GROUP BY island",
        order="bag",
    )
    add(
        "What is the median flipper length per species?",
        "GROUP_BY species COMPUTE median_flipper = MEDIAN(flipper_length_mm)",
        "SELECT species, median(flipper_length_mm) AS median_flipper FROM penguins "
        "GROUP BY species",
        order="bag",
    )
    add(
        "What are the lightest and heaviest body masses for each sex (unknown sex included)?",
        "GROUP_BY sex COMPUTE lightest = MIN(body_mass_g), heaviest = MAX(body_mass_g)",
        "SELECT sex, min(body_mass_g) AS lightest, max(body_mass_g) AS heaviest FROM penguins "
        "GROUP BY sex",
        order="bag",
    )
    add(
        "What are the standard deviation and variance of body mass for each species?",
        "GROUP_BY species COMPUTE sd = STD(body_mass_g), variance = VAR(body_mass_g)",
        "SELECT species, stddev_samp(body_mass_g) AS sd, var_samp(body_mass_g) AS variance "
        "FROM penguins GROUP BY species",
        order="bag",
    )
    add(
        "What is the 90th percentile of body mass for each species?",
        "GROUP_BY species COMPUTE p90 = QUANTILE(body_mass_g, 0.9)",
        "SELECT species, quantile_cont(body_mass_g, 0.9) AS p90 FROM penguins GROUP BY species",
        order="bag",
    )
    add(
        "For each island, what is the sex of the first penguin listed whose sex is recorded, "
        "and of the last one?",
        "GROUP_BY island COMPUTE first_sex = FIRST(sex), last_sex = LAST(sex)",
        "SELECT island, arg_min(sex, rowid) FILTER (WHERE sex IS NOT NULL) AS first_sex, "
        "arg_max(sex, rowid) FILTER (WHERE sex IS NOT NULL) AS last_sex "
        "FROM penguins GROUP BY island",
        order="bag",
    )
    add(
        "Which island-species combinations exist? List each once, in order of first appearance.",
        "DISTINCT island, species",
        "SELECT island, species FROM penguins GROUP BY island, species ORDER BY min(rowid)",
    )
    add(
        "Show each penguin's body mass minus the average body mass of its species, for the "
        "first 5 Chinstrap penguins.",
        "FILTER body_mass_g IS NOT NULL\n"
        "WINDOW species_avg = AVG(body_mass_g) PARTITION BY species\n"
        "DERIVE diff = body_mass_g - species_avg\n"
        "FILTER species = 'Chinstrap'\nLIMIT 5\nSELECT island, body_mass_g, diff",
        "SELECT island, body_mass_g, body_mass_g - avg(body_mass_g) OVER (PARTITION BY species) "
        "AS diff FROM penguins WHERE body_mass_g IS NOT NULL "
        "QUALIFY species = 'Chinstrap' ORDER BY rowid LIMIT 5",
    )
    add(
        "Rank the species by their average bill length, longest first.",
        "GROUP_BY species COMPUTE avg_bill = AVG(bill_length_mm)\n"
        "WINDOW r = RANK() ORDER BY avg_bill DESC\nSORT r",
        "SELECT species, avg(bill_length_mm) AS avg_bill, "
        "rank() OVER (ORDER BY avg(bill_length_mm) DESC) AS r FROM penguins GROUP BY species "
        "ORDER BY r",
    )
    add(
        "What are the 3 heaviest penguins of each species (ties broken by data order)?",
        "FILTER body_mass_g IS NOT NULL\n"
        "WINDOW pos = ROW_NUMBER() PARTITION BY species ORDER BY body_mass_g DESC\n"
        "FILTER pos <= 3\nSELECT species, pos, island, body_mass_g\nSORT species, pos",
        "SELECT species, pos, island, body_mass_g FROM (SELECT *, row_number() OVER "
        "(PARTITION BY species ORDER BY body_mass_g DESC, rowid) AS pos FROM penguins "
        "WHERE body_mass_g IS NOT NULL) WHERE pos <= 3 ORDER BY species, pos",
    )
    add(
        "What share of all penguins does each species make up?",
        "GROUP_BY species COMPUTE n = COUNT(*)\nWINDOW share = SHARE(n)\nSELECT species, share",
        "SELECT species, count(*) / sum(count(*)) OVER () AS share FROM penguins GROUP BY species",
        order="bag",
    )
    add(
        "What percentage of each species' penguins were measured in each year?",
        "GROUP_BY species, year COMPUTE n = COUNT(*)\n"
        "WINDOW pct = SHARE(n) PARTITION BY species\n"
        "DERIVE pct = ROUND(pct * 100, 1)\nSORT species, year\nSELECT species, year, pct",
        "SELECT species, year, round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY "
        "species), 1) AS pct FROM penguins GROUP BY species, year ORDER BY species, year",
    )
    add(
        "How many penguins are heavier than 5000 g or have flippers longer than 220 mm?",
        "FILTER body_mass_g > 5000 OR flipper_length_mm > 220\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE body_mass_g > 5000 OR flipper_length_mm > 220",
    )
    add(
        "How many penguins not on Biscoe island have a bill shorter than 40 mm?",
        "FILTER island != 'Biscoe' AND bill_length_mm < 40\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE island <> 'Biscoe' AND bill_length_mm < 40",
    )
    add(
        "How many penguins weigh between 3500 and 4000 g inclusive, per species?",
        "FILTER body_mass_g BETWEEN 3500 AND 4000\nGROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM penguins WHERE body_mass_g BETWEEN 3500 AND 4000 "
        "GROUP BY species",
        order="bag",
    )
    add(
        "Classify penguins as small (< 3500 g), medium (< 4500 g) or large, and count each "
        "class; penguins without a mass are 'unknown'.",
        "DERIVE size = CASE WHEN body_mass_g IS NULL THEN 'unknown' WHEN body_mass_g < 3500 "
        "THEN 'small' WHEN body_mass_g < 4500 THEN 'medium' ELSE 'large' END\n"
        "GROUP_BY size COMPUTE n = COUNT(*)",
        "SELECT CASE WHEN body_mass_g IS NULL THEN 'unknown' WHEN body_mass_g < 3500 "
        "THEN 'small' WHEN body_mass_g < 4500 THEN 'medium' ELSE 'large' END AS size, "
        "count(*) AS n FROM penguins GROUP BY size",
        order="bag",
    )
    add(
        "Show the sex of each penguin from Torgersen island measured in 2009, writing "
        "'unknown' when it is missing.",
        "FILTER island = 'Torgersen' AND year = 2009\nSELECT sex\n"
        "DERIVE sex = COALESCE(sex, 'unknown')",
        "SELECT coalesce(sex, 'unknown') AS sex FROM penguins "
        "WHERE island = 'Torgersen' AND year = 2009 ORDER BY rowid",
    )
    add(
        "What is the bill length to bill depth ratio of the 3 Gentoo penguins with the longest "
        "bills, rounded to 3 decimals?",
        "FILTER species = 'Gentoo'\nSORT bill_length_mm DESC\nLIMIT 3\n"
        "DERIVE ratio = ROUND(bill_length_mm / bill_depth_mm, 3)\n"
        "SELECT bill_length_mm, bill_depth_mm, ratio",
        "SELECT bill_length_mm, bill_depth_mm, round(bill_length_mm / bill_depth_mm, 3) AS ratio "
        "FROM penguins WHERE species = 'Gentoo' ORDER BY bill_length_mm DESC NULLS LAST, rowid "
        "LIMIT 3",
    )
    add(
        "Which penguins have a missing bill length? Show their species, island and sex.",
        "FILTER bill_length_mm IS NULL\nSELECT species, island, sex",
        "SELECT species, island, sex FROM penguins WHERE bill_length_mm IS NULL ORDER BY rowid",
    )
    add(
        "Drop the measurement columns and show the first 3 rows.",
        "DROP bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g\nLIMIT 3",
        "SELECT species, island, sex, year FROM penguins ORDER BY rowid LIMIT 3",
    )
    add(
        "Show rows 11 to 15 of the table (species, island, year only).",
        "SELECT species, island, year\nLIMIT 5 OFFSET 10",
        "SELECT species, island, year FROM penguins ORDER BY rowid LIMIT 5 OFFSET 10",
    )
    add(
        "How many penguins were measured in each year, by species, in the years 2008 and 2009?",
        "FILTER year IN (2008, 2009)\nGROUP_BY year, species COMPUTE n = COUNT(*)\n"
        "SORT year, species",
        "SELECT year, species, count(*) AS n FROM penguins WHERE year IN (2008, 2009) "
        "GROUP BY year, species ORDER BY year, species",
    )
    add(
        "What is the average body mass of female and male Gentoo penguins, in kilograms "
        "rounded to 2 decimals?",
        "FILTER species = 'Gentoo' AND sex IS NOT NULL\n"
        "GROUP_BY sex COMPUTE kg = ROUND(AVG(body_mass_g) / 1000, 2)\nSORT sex",
        "SELECT sex, round(avg(body_mass_g) / 1000, 2) AS kg FROM penguins "
        "WHERE species = 'Gentoo' AND sex IS NOT NULL GROUP BY sex ORDER BY sex",
    )
    add(
        "Within each species, how does the average mass of males compare to females "
        "(male minus female)?",
        "GROUP_BY species COMPUTE male = AVG(body_mass_g, where => sex = 'male'), "
        "female = AVG(body_mass_g, where => sex = 'female')\n"
        "DERIVE difference = male - female\nSELECT species, difference\nSORT difference DESC",
        "SELECT species, avg(body_mass_g) FILTER (WHERE sex = 'male') - avg(body_mass_g) "
        "FILTER (WHERE sex = 'female') AS difference FROM penguins GROUP BY species "
        "ORDER BY difference DESC",
    )
    add(
        "Which penguins are at least 20% heavier than the average of their species and sex? "
        "Count them per species.",
        "FILTER sex IS NOT NULL AND body_mass_g IS NOT NULL\n"
        "WINDOW group_avg = AVG(body_mass_g) PARTITION BY species, sex\n"
        "FILTER body_mass_g >= 1.2 * group_avg\nGROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM (SELECT species, body_mass_g, avg(body_mass_g) OVER "
        "(PARTITION BY species, sex) AS group_avg FROM penguins WHERE sex IS NOT NULL AND "
        "body_mass_g IS NOT NULL) WHERE body_mass_g >= 1.2 * group_avg GROUP BY species",
        order="bag",
    )
    add(
        "Give a label like 'Adelie/Torgersen' for every species and island pair, with the "
        "number of penguins.",
        "DERIVE label = CONCAT(species, '/', island)\nGROUP_BY label COMPUTE n = COUNT(*)",
        "SELECT species || '/' || island AS label, count(*) AS n FROM penguins GROUP BY label",
        order="bag",
    )
    add(
        "What is the body mass index-like ratio mass / flipper length squared (times 1000) for "
        "the 3 penguins with the highest value?",
        "FILTER body_mass_g IS NOT NULL\n"
        "DERIVE idx = body_mass_g / POW(flipper_length_mm, 2) * 1000\n"
        "SORT idx DESC\nLIMIT 3\nSELECT species, body_mass_g, flipper_length_mm, idx",
        "SELECT species, body_mass_g, flipper_length_mm, "
        "body_mass_g / pow(flipper_length_mm, 2) * 1000 AS idx FROM penguins "
        "WHERE body_mass_g IS NOT NULL ORDER BY idx DESC, rowid LIMIT 3",
    )
    add(
        "Which species have an average flipper length above 200 mm?",
        "GROUP_BY species COMPUTE avg_flipper = AVG(flipper_length_mm)\n"
        "FILTER avg_flipper > 200\nSELECT species",
        "SELECT species FROM penguins GROUP BY species HAVING avg(flipper_length_mm) > 200",
        order="set",
    )


# --- cars ----------------------------------------------------------------------------------
def cars(b: Book) -> None:
    add = partial(b.add, "cars")
    add(
        "Which origin has the best average fuel economy (miles per gallon)?",
        "GROUP_BY Origin COMPUTE avg_mpg = AVG(Miles_per_Gallon)\nSORT avg_mpg DESC\nLIMIT 1",
        "SELECT Origin, avg(Miles_per_Gallon) AS avg_mpg FROM cars GROUP BY Origin "
        "ORDER BY avg_mpg DESC LIMIT 1",
    )
    add(
        "How many cars are there for each number of cylinders?",
        "GROUP_BY Cylinders COMPUTE cars = COUNT(*)\nSORT Cylinders",
        "SELECT Cylinders, count(*) AS cars FROM cars GROUP BY Cylinders ORDER BY Cylinders",
    )
    add(
        "Which cars have no horsepower figure?",
        "FILTER Horsepower IS NULL\nSELECT Name",
        "SELECT Name FROM cars WHERE Horsepower IS NULL ORDER BY rowid",
    )
    add(
        "How did the average mpg develop by model year?",
        "DERIVE model_year = YEAR(Year)\n"
        "GROUP_BY model_year COMPUTE avg_mpg = ROUND(AVG(Miles_per_Gallon), 2)\nSORT model_year",
        "SELECT year(Year) AS model_year, round(avg(Miles_per_Gallon), 2) AS avg_mpg FROM cars "
        "GROUP BY model_year ORDER BY model_year",
    )
    add(
        "How many Ford models are in the data?",
        "FILTER STARTS_WITH(Name, 'ford')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE starts_with(Name, 'ford')",
    )
    add(
        "List the diesel cars with their mpg.",
        "FILTER CONTAINS(Name, 'diesel')\nSELECT Name, Miles_per_Gallon",
        "SELECT Name, Miles_per_Gallon FROM cars WHERE contains(Name, 'diesel') ORDER BY rowid",
    )
    add(
        "How many station wagons (names ending in '(sw)') does each origin have?",
        "FILTER ENDS_WITH(Name, '(sw)')\nGROUP_BY Origin COMPUTE wagons = COUNT(*)",
        "SELECT Origin, count(*) AS wagons FROM cars WHERE ends_with(Name, '(sw)') GROUP BY Origin",
        order="bag",
    )
    add(
        "Which 5 makes (the first word of the name) have the most models? Break ties "
        "alphabetically.",
        "DERIVE make = REGEXP_EXTRACT(Name, '^(\\S+)')\n"
        "GROUP_BY make COMPUTE models = COUNT(*)\nSORT models DESC, make\nLIMIT 5",
        "SELECT regexp_extract(Name, '^(\\S+)', 1) AS make, count(*) AS models FROM cars "
        "GROUP BY make ORDER BY models DESC, make LIMIT 5",
    )
    add(
        "Which makes sell Japanese cars? Give each make once in upper case, alphabetically.",
        "FILTER Origin = 'Japan'\nDERIVE make = UPPER(REGEXP_EXTRACT(Name, '^(\\S+)'))\n"
        "DISTINCT make\nSORT make",
        "SELECT DISTINCT upper(regexp_extract(Name, '^(\\S+)', 1)) AS make FROM cars "
        "WHERE Origin = 'Japan' ORDER BY make",
    )
    add(
        "Which car has the longest name? Include ties.",
        "DERIVE name_length = LENGTH(Name)\nSORT name_length DESC\nLIMIT 1 WITH TIES\n"
        "SELECT Name, name_length",
        "SELECT Name, length(Name) AS name_length FROM cars "
        "WHERE length(Name) = (SELECT max(length(Name)) FROM cars) ORDER BY rowid",
    )
    add(
        "How many car names begin with each letter? Show the 3 most common first letters.",
        "DERIVE letter = SUBSTRING(Name, 1, 1)\nGROUP_BY letter COMPUTE n = COUNT(*)\n"
        "SORT n DESC, letter\nLIMIT 3",
        "SELECT substring(Name, 1, 1) AS letter, count(*) AS n FROM cars GROUP BY letter "
        "ORDER BY n DESC, letter LIMIT 3",
    )
    add(
        "After writing 'chevy' as 'chevrolet', how many Chevrolet models are there?",
        "DERIVE name = REPLACE(Name, 'chevy ', 'chevrolet ')\n"
        "FILTER STARTS_WITH(name, 'chevrolet ')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars "
        "WHERE starts_with(replace(Name, 'chevy ', 'chevrolet '), 'chevrolet ')",
    )
    add(
        "How many distinct models are there once the ' (sw)' wagon marker is removed from names?",
        "DERIVE model = REGEXP_REPLACE(Name, ' \\(sw\\)$', '')\n"
        "AGGREGATE models = COUNT_DISTINCT(model)",
        "SELECT count(DISTINCT regexp_replace(Name, ' \\(sw\\)$', '')) AS models FROM cars",
    )
    add(
        "How many car names contain a digit?",
        "FILTER REGEXP_MATCH(Name, '[0-9]')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE regexp_matches(Name, '[0-9]')",
    )
    add(
        "Which 3 cars have the highest power-to-weight ratio (horsepower per 1000 lbs)?",
        "FILTER Horsepower IS NOT NULL\n"
        "DERIVE power_to_weight = Horsepower / Weight_in_lbs * 1000\n"
        "SORT power_to_weight DESC\nLIMIT 3\nSELECT Name, power_to_weight",
        "SELECT Name, Horsepower / Weight_in_lbs * 1000 AS power_to_weight FROM cars "
        "WHERE Horsepower IS NOT NULL ORDER BY power_to_weight DESC, rowid LIMIT 3",
    )
    add(
        "Convert mpg to litres per 100 km (235.215 / mpg) and show the 5 most efficient cars, "
        "rounded to 2 decimals.",
        "FILTER Miles_per_Gallon IS NOT NULL\n"
        "DERIVE l_per_100km = ROUND(235.215 / Miles_per_Gallon, 2)\n"
        "SORT l_per_100km\nLIMIT 5\nSELECT Name, l_per_100km",
        "SELECT Name, round(235.215 / Miles_per_Gallon, 2) AS l_per_100km FROM cars "
        "WHERE Miles_per_Gallon IS NOT NULL ORDER BY l_per_100km, rowid LIMIT 5",
    )
    add(
        "What is the weight in kg of the first 4 cars, rounded down and up to whole kilograms?",
        "DERIVE kg = Weight_in_lbs * 0.453592\n"
        "DERIVE kg_down = FLOOR(kg), kg_up = CEIL(kg)\nLIMIT 4\nSELECT Name, kg_down, kg_up",
        "SELECT Name, floor(Weight_in_lbs * 0.453592) AS kg_down, "
        "ceil(Weight_in_lbs * 0.453592) AS kg_up FROM cars ORDER BY rowid LIMIT 4",
    )
    add(
        "Label each engine type like '8 cyl' and count the cars per label.",
        "DERIVE engine = CONCAT(CAST(Cylinders, 'string'), ' cyl')\n"
        "GROUP_BY engine COMPUTE n = COUNT(*)",
        "SELECT CAST(Cylinders AS VARCHAR) || ' cyl' AS engine, count(*) AS n FROM cars "
        "GROUP BY engine",
        order="bag",
    )
    add(
        "Which car has the largest model number in its name (like 320 in 'buick skylark 320')?",
        "DERIVE model_number = TRY_CAST(REGEXP_EXTRACT(Name, '([0-9]+)'), 'integer')\n"
        "SORT model_number DESC\nLIMIT 1\nSELECT Name, model_number",
        "SELECT Name, TRY_CAST(regexp_extract(Name, '([0-9]+)', 1) AS INTEGER) AS model_number "
        "FROM cars ORDER BY model_number DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "Which cars have an odd number of cylinders?",
        "FILTER Cylinders % 2 = 1\nSELECT Name, Cylinders",
        "SELECT Name, Cylinders FROM cars WHERE Cylinders % 2 = 1 ORDER BY rowid",
    )
    add(
        "What is the geometric mean horsepower for each origin?",
        "GROUP_BY Origin COMPUTE geo_mean_hp = EXP(AVG(LN(Horsepower)))",
        "SELECT Origin, exp(avg(ln(Horsepower))) AS geo_mean_hp FROM cars GROUP BY Origin",
        order="bag",
    )
    add(
        "What is the average base-10 logarithm of car weight per number of cylinders?",
        "GROUP_BY Cylinders COMPUTE avg_log_weight = AVG(LOG(Weight_in_lbs))\nSORT Cylinders",
        "SELECT Cylinders, avg(log10(Weight_in_lbs)) AS avg_log_weight FROM cars "
        "GROUP BY Cylinders ORDER BY Cylinders",
    )
    add(
        "For cars from 1980 or later, how many have 4 cylinders per origin?",
        "FILTER Year >= DATE '1980-01-01' AND Cylinders = 4\nGROUP_BY Origin COMPUTE n = COUNT(*)",
        "SELECT Origin, count(*) AS n FROM cars WHERE Year >= DATE '1980-01-01' "
        "AND Cylinders = 4 GROUP BY Origin",
        order="bag",
    )
    add(
        "What are the two best mpg values for each origin, and which cars reach them (ties "
        "included)?",
        "FILTER Miles_per_Gallon IS NOT NULL\n"
        "WINDOW r = DENSE_RANK() PARTITION BY Origin ORDER BY Miles_per_Gallon DESC\n"
        "FILTER r <= 2\nSELECT Origin, r, Name, Miles_per_Gallon",
        "SELECT Origin, r, Name, Miles_per_Gallon FROM (SELECT *, dense_rank() OVER (PARTITION "
        "BY Origin ORDER BY Miles_per_Gallon DESC) AS r FROM cars WHERE Miles_per_Gallon IS NOT "
        "NULL) WHERE r <= 2",
        order="bag",
    )
    add(
        "What fraction of each origin's cars (with a known mpg) do better than 30 mpg?",
        "GROUP_BY Origin COMPUTE frac = COUNT_IF(Miles_per_Gallon > 30) / COUNT(Miles_per_Gallon)",
        "SELECT Origin, count(*) FILTER (WHERE Miles_per_Gallon > 30) / count(Miles_per_Gallon) "
        "AS frac FROM cars GROUP BY Origin",
        order="bag",
    )
    add(
        "How many cars are neither from the USA nor 4-cylinder?",
        "FILTER NOT (Origin = 'USA' OR Cylinders = 4)\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE NOT (Origin = 'USA' OR Cylinders = 4)",
    )
    add(
        "List Toyota models whatever the capitalisation, with their model year.",
        "FILTER Name ILIKE '%toyota%'\nSELECT Name, Year",
        "SELECT Name, Year FROM cars WHERE Name ILIKE '%toyota%' ORDER BY rowid",
    )
    add(
        "By how much did the average mpg change from one model year to the next?",
        "GROUP_BY Year COMPUTE avg_mpg = AVG(Miles_per_Gallon)\nSORT Year\n"
        "WINDOW change = DIFF(avg_mpg) ORDER BY Year",
        "SELECT Year, avg(Miles_per_Gallon) AS avg_mpg, avg(Miles_per_Gallon) - "
        "lag(avg(Miles_per_Gallon)) OVER (ORDER BY Year) AS change FROM cars GROUP BY Year "
        "ORDER BY Year",
    )
    add(
        "How many years before 1982 was each European car with more than 100 hp made?",
        "FILTER Origin = 'Europe' AND Horsepower > 100\n"
        "DERIVE years_before = DATE_DIFF('year', Year, DATE '1982-01-01')\n"
        "SELECT Name, years_before",
        "SELECT Name, date_diff('year', Year, DATE '1982-01-01') AS years_before FROM cars "
        "WHERE Origin = 'Europe' AND Horsepower > 100 ORDER BY rowid",
    )
    add(
        "Show the car name and mpg as 'car' and 'mpg' for cars with at most 10 mpg.",
        "FILTER Miles_per_Gallon <= 10\nSELECT Name AS car, Miles_per_Gallon AS mpg",
        "SELECT Name AS car, Miles_per_Gallon AS mpg FROM cars WHERE Miles_per_Gallon <= 10 "
        "ORDER BY rowid",
    )
    add(
        "How many cars accelerate (0-60 mph) in 20 seconds or more and are not American?",
        "FILTER Acceleration >= 20 AND Origin != 'USA'\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE Acceleration >= 20 AND Origin <> 'USA'",
    )
    add(
        "What is the displacement per cylinder of the 3 largest engines, rounded to one decimal?",
        "SORT Displacement DESC\nLIMIT 3\nDERIVE per_cylinder = ROUND(Displacement / Cylinders, 1)"
        "\nSELECT Name, Displacement, per_cylinder",
        "SELECT Name, Displacement, round(Displacement / Cylinders, 1) AS per_cylinder "
        "FROM cars ORDER BY Displacement DESC, rowid LIMIT 3",
    )
    add(
        "What is the heaviest car of each origin?",
        "WINDOW r = ROW_NUMBER() PARTITION BY Origin ORDER BY Weight_in_lbs DESC\n"
        "FILTER r = 1\nSELECT Origin, Name, Weight_in_lbs",
        "SELECT Origin, Name, Weight_in_lbs FROM (SELECT *, row_number() OVER (PARTITION BY "
        "Origin ORDER BY Weight_in_lbs DESC, rowid) AS r FROM cars) WHERE r = 1",
        order="bag",
    )
    add(
        "Which number of cylinders has the widest spread of horsepower (max minus min)?",
        "GROUP_BY Cylinders COMPUTE spread = MAX(Horsepower) - MIN(Horsepower)\n"
        "SORT spread DESC\nLIMIT 1",
        "SELECT Cylinders, max(Horsepower) - min(Horsepower) AS spread FROM cars "
        "GROUP BY Cylinders ORDER BY spread DESC LIMIT 1",
    )


# --- seattle_weather -----------------------------------------------------------------------
def seattle_weather(b: Book) -> None:
    add = partial(b.add, "seattle_weather")
    add(
        "How many days of each weather type were recorded?",
        "GROUP_BY weather COMPUTE days = COUNT(*)\nSORT days DESC",
        "SELECT weather, count(*) AS days FROM seattle_weather GROUP BY weather ORDER BY days DESC",
    )
    add(
        "What was the total precipitation in each year?",
        "DERIVE y = YEAR(date)\nGROUP_BY y COMPUTE total = SUM(precipitation)\nSORT y",
        "SELECT year(date) AS y, sum(precipitation) AS total FROM seattle_weather GROUP BY y "
        "ORDER BY y",
    )
    add(
        "Which month of the year is the wettest on average (average daily precipitation)?",
        "DERIVE m = MONTH(date)\nGROUP_BY m COMPUTE avg_precip = AVG(precipitation)\n"
        "SORT avg_precip DESC\nLIMIT 1",
        "SELECT month(date) AS m, avg(precipitation) AS avg_precip FROM seattle_weather "
        "GROUP BY m ORDER BY avg_precip DESC LIMIT 1",
    )
    add(
        "What was the hottest day on record? Include ties.",
        "SORT temp_max DESC\nLIMIT 1 WITH TIES\nSELECT date, temp_max",
        "SELECT date, temp_max FROM seattle_weather "
        "WHERE temp_max = (SELECT max(temp_max) FROM seattle_weather) ORDER BY rowid",
    )
    add(
        "On how many days did it snow in each quarter of each year?",
        "FILTER weather = 'snow'\nDERIVE y = YEAR(date), q = QUARTER(date)\n"
        "GROUP_BY y, q COMPUTE snow_days = COUNT(*)\nSORT y, q",
        "SELECT year(date) AS y, quarter(date) AS q, count(*) AS snow_days FROM seattle_weather "
        "WHERE weather = 'snow' GROUP BY y, q ORDER BY y, q",
    )
    add(
        "Which day of the week (1 = Monday) gets the most rain in total?",
        "DERIVE weekday = WEEKDAY(date)\nGROUP_BY weekday COMPUTE rain = SUM(precipitation)\n"
        "SORT rain DESC\nLIMIT 1",
        "SELECT isodow(date) AS weekday, sum(precipitation) AS rain FROM seattle_weather "
        "GROUP BY weekday ORDER BY rain DESC LIMIT 1",
    )
    add(
        "What was the average daily temperature range (max minus min) per month in 2015?",
        "FILTER YEAR(date) = 2015\nDERIVE month = DATE_TRUNC('month', date), "
        "range = temp_max - temp_min\nGROUP_BY month COMPUTE avg_range = ROUND(AVG(range), 2)\n"
        "SORT month",
        "SELECT date_trunc('month', date)::DATE AS month, round(avg(temp_max - temp_min), 2) "
        "AS avg_range FROM seattle_weather WHERE year(date) = 2015 GROUP BY month ORDER BY month",
    )
    add(
        "How many days were there between the first and the last snow day in the data?",
        "FILTER weather = 'snow'\nAGGREGATE first_snow = MIN(date), last_snow = MAX(date)\n"
        "DERIVE days = DATE_DIFF('day', first_snow, last_snow)",
        "SELECT min(date) AS first_snow, max(date) AS last_snow, "
        "date_diff('day', min(date), max(date)) AS days FROM seattle_weather "
        "WHERE weather = 'snow'",
    )
    add(
        "Show the weather during the first week of July 2014.",
        "FILTER date BETWEEN DATE '2014-07-01' AND DATE '2014-07-07'\n"
        "SELECT date, temp_max, precipitation, weather",
        "SELECT date, temp_max, precipitation, weather FROM seattle_weather "
        "WHERE date BETWEEN DATE '2014-07-01' AND DATE '2014-07-07' ORDER BY rowid",
    )
    add(
        "What is the running total of precipitation during January 2013? Show the first 10 days.",
        "FILTER date >= DATE '2013-01-01' AND date < DATE '2013-02-01'\n"
        "WINDOW running = CUMSUM(precipitation) ORDER BY date\nLIMIT 10\n"
        "SELECT date, precipitation, running",
        "SELECT date, precipitation, sum(precipitation) OVER (ORDER BY date ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM seattle_weather WHERE date >= "
        "DATE '2013-01-01' AND date < DATE '2013-02-01' ORDER BY date LIMIT 10",
    )
    add(
        "How much warmer or colder was each day's maximum than the day before, for the first "
        "5 days of 2014?",
        "WINDOW change = DIFF(temp_max) ORDER BY date\nFILTER YEAR(date) = 2014\nLIMIT 5\n"
        "SELECT date, temp_max, change",
        "SELECT date, temp_max, change FROM (SELECT date, temp_max, temp_max - lag(temp_max) "
        "OVER (ORDER BY date) AS change FROM seattle_weather) WHERE year(date) = 2014 "
        "ORDER BY date LIMIT 5",
    )
    add(
        "On which days was it dry although it rained the day before? Count them per year.",
        "WINDOW yesterday = LAG(precipitation) ORDER BY date\n"
        "FILTER precipitation = 0 AND yesterday > 0\nDERIVE y = YEAR(date)\n"
        "GROUP_BY y COMPUTE days = COUNT(*)\nSORT y",
        "SELECT year(date) AS y, count(*) AS days FROM (SELECT date, precipitation, "
        "lag(precipitation) OVER (ORDER BY date) AS yesterday FROM seattle_weather) "
        "WHERE precipitation = 0 AND yesterday > 0 GROUP BY y ORDER BY y",
    )
    add(
        "Which days were followed by a day at least 8 degrees warmer (maximum temperature)?",
        "WINDOW tomorrow = LEAD(temp_max) ORDER BY date\n"
        "FILTER tomorrow - temp_max >= 8\nSELECT date, temp_max, tomorrow",
        "SELECT date, temp_max, tomorrow FROM (SELECT date, temp_max, lead(temp_max) OVER "
        "(ORDER BY date) AS tomorrow FROM seattle_weather) WHERE tomorrow - temp_max >= 8 "
        "ORDER BY date",
    )
    add(
        "What was the record high temperature so far on each of the first 8 days of 2012?",
        "WINDOW record = CUMMAX(temp_max) ORDER BY date\nLIMIT 8\nSELECT date, temp_max, record",
        "SELECT date, temp_max, max(temp_max) OVER (ORDER BY date ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND CURRENT ROW) AS record FROM seattle_weather ORDER BY date LIMIT 8",
    )
    add(
        "For every year, what was the lowest minimum temperature seen so far that year, on the "
        "first day of each month?",
        "DERIVE y = YEAR(date)\nWINDOW coldest = CUMMIN(temp_min) PARTITION BY y ORDER BY date"
        "\nFILTER DAY(date) = 1\nSELECT date, coldest",
        "SELECT date, coldest FROM (SELECT date, min(temp_min) OVER (PARTITION BY year(date) "
        "ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS coldest FROM "
        "seattle_weather) WHERE day(date) = 1 ORDER BY date",
    )
    add(
        "In March 2012, on which days was the wind speed at least the precipitation and above 6?",
        "FILTER date >= DATE '2012-03-01' AND date <= DATE '2012-03-31'\n"
        "DERIVE larger = GREATEST(wind, precipitation)\n"
        "FILTER larger = wind AND larger > 6\nSELECT date, wind, precipitation",
        "SELECT date, wind, precipitation FROM seattle_weather WHERE date BETWEEN "
        "DATE '2012-03-01' AND DATE '2012-03-31' AND greatest(wind, precipitation) = wind "
        "AND wind > 6 ORDER BY rowid",
    )
    add(
        "What was the smallest of the daily minimum temperature and 0 degrees, summed over "
        "December 2013 (a 'frost sum')?",
        "FILTER YEAR(date) = 2013 AND MONTH(date) = 12\n"
        "AGGREGATE frost_sum = SUM(LEAST(temp_min, 0))",
        "SELECT sum(least(temp_min, 0)) AS frost_sum FROM seattle_weather "
        "WHERE year(date) = 2013 AND month(date) = 12",
    )
    add(
        "How many days had a maximum temperature below freezing?",
        "AGGREGATE freezing_days = COUNT_IF(temp_max < 0)",
        "SELECT count(*) FILTER (WHERE temp_max < 0) AS freezing_days FROM seattle_weather",
    )
    add(
        "What was the median daily maximum temperature per weather type?",
        "GROUP_BY weather COMPUTE median_max = MEDIAN(temp_max)",
        "SELECT weather, median(temp_max) AS median_max FROM seattle_weather GROUP BY weather",
        order="bag",
    )
    add(
        "What are the 10% and 90% quantiles of the daily wind speed?",
        "AGGREGATE p10 = QUANTILE(wind, 0.1), p90 = QUANTILE(wind, 0.9)",
        "SELECT quantile_cont(wind, 0.1) AS p10, quantile_cont(wind, 0.9) AS p90 "
        "FROM seattle_weather",
    )
    add(
        "Which were the 5 windiest days, ties in data order?",
        "SORT wind DESC\nLIMIT 5\nSELECT date, wind, weather",
        "SELECT date, wind, weather FROM seattle_weather ORDER BY wind DESC, rowid LIMIT 5",
    )
    add(
        "Convert the maximum temperatures of the first 5 days of 2015 to Fahrenheit (one decimal).",
        "FILTER date >= DATE '2015-01-01'\nLIMIT 5\n"
        "DERIVE temp_max_f = ROUND(temp_max * 9 / 5 + 32, 1)\nSELECT date, temp_max_f",
        "SELECT date, round(temp_max * 9 / 5 + 32, 1) AS temp_max_f FROM seattle_weather "
        "WHERE date >= DATE '2015-01-01' ORDER BY rowid LIMIT 5",
    )
    add(
        "What share of each year's total rain fell in each quarter?",
        "DERIVE y = YEAR(date), q = QUARTER(date)\n"
        "GROUP_BY y, q COMPUTE rain = SUM(precipitation)\n"
        "WINDOW share = SHARE(rain) PARTITION BY y\nSELECT y, q, share\nSORT y, q",
        "SELECT year(date) AS y, quarter(date) AS q, sum(precipitation) / sum(sum(precipitation)) "
        "OVER (PARTITION BY year(date)) AS share FROM seattle_weather GROUP BY y, q ORDER BY y, q",
    )
    add(
        "How many days were either foggy or drizzly, per year?",
        "FILTER weather IN ('fog', 'drizzle')\nDERIVE y = YEAR(date)\n"
        "GROUP_BY y COMPUTE days = COUNT(*)\nSORT y",
        "SELECT year(date) AS y, count(*) AS days FROM seattle_weather "
        "WHERE weather IN ('fog', 'drizzle') GROUP BY y ORDER BY y",
    )
    add(
        "How far (absolute difference) was each day's maximum temperature from its month's "
        "average? Show the 5 most unusual days.",
        "DERIVE month = DATE_TRUNC('month', date)\n"
        "WINDOW month_avg = AVG(temp_max) PARTITION BY month\n"
        "DERIVE deviation = SUB_ABS(temp_max, month_avg)\nSORT deviation DESC\nLIMIT 5\n"
        "SELECT date, temp_max, deviation",
        "SELECT date, temp_max, abs(temp_max - avg(temp_max) OVER (PARTITION BY "
        "date_trunc('month', date))) AS deviation FROM seattle_weather "
        "ORDER BY deviation DESC, rowid LIMIT 5",
    )
    add(
        "What was the rainiest day of each year?",
        "DERIVE y = YEAR(date)\n"
        "WINDOW r = ROW_NUMBER() PARTITION BY y ORDER BY precipitation DESC\nFILTER r = 1\n"
        "SELECT y, date, precipitation\nSORT y",
        "SELECT y, date, precipitation FROM (SELECT year(date) AS y, date, precipitation, "
        "row_number() OVER (PARTITION BY year(date) ORDER BY precipitation DESC, rowid) AS r "
        "FROM seattle_weather) WHERE r = 1 ORDER BY y",
    )
    add(
        "What was the average wind on days that were not sunny, compared with sunny days?",
        "DERIVE sunny = weather = 'sun'\nGROUP_BY sunny COMPUTE avg_wind = AVG(wind)\nSORT sunny",
        "SELECT weather = 'sun' AS sunny, avg(wind) AS avg_wind FROM seattle_weather "
        "GROUP BY sunny ORDER BY sunny",
    )
    add(
        "Label each day as 'wet' or 'dry' and count the wet and dry days in 2012.",
        "FILTER YEAR(date) = 2012\nDERIVE kind = IF(precipitation > 0, 'wet', 'dry')\n"
        "GROUP_BY kind COMPUTE days = COUNT(*)",
        "SELECT CASE WHEN precipitation > 0 THEN 'wet' ELSE 'dry' END AS kind, count(*) AS days "
        "FROM seattle_weather WHERE year(date) = 2012 GROUP BY kind",
        order="bag",
    )
    add(
        "How many rainy days had there been so far on each of the first 10 days of 2012?",
        "DERIVE rainy = IF(weather = 'rain', 1, NULL)\n"
        "WINDOW rainy_so_far = CUMCOUNT(rainy) ORDER BY date\nLIMIT 10\n"
        "SELECT date, weather, rainy_so_far",
        "SELECT date, weather, count(CASE WHEN weather = 'rain' THEN 1 END) OVER (ORDER BY "
        "date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS rainy_so_far "
        "FROM seattle_weather ORDER BY date LIMIT 10",
    )
    add(
        "Write each date of the first 3 days of 2013 as day/month/year text and read it back "
        "as a date.",
        "FILTER YEAR(date) = 2013\nLIMIT 3\n"
        "DERIVE text = CONCAT(DAY(date), '/', MONTH(date), '/', YEAR(date))\n"
        "DERIVE parsed = PARSE_DATE(text, format => '%d/%m/%Y')\nSELECT date, text, parsed",
        "SELECT date, concat(day(date), '/', month(date), '/', year(date)) AS text, "
        "strptime(concat(day(date), '/', month(date), '/', year(date)), '%d/%m/%Y')::DATE "
        "AS parsed FROM seattle_weather WHERE year(date) = 2013 ORDER BY rowid LIMIT 3",
    )
    add(
        "Is there any day whose minimum temperature is above its maximum (a data error)?",
        "FILTER temp_min > temp_max\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_weather WHERE temp_min > temp_max",
    )
    add(
        "What was the largest day-to-day drop in maximum temperature, and on which day?",
        "WINDOW change = DIFF(temp_max) ORDER BY date\nDERIVE drop = -change\n"
        "SORT drop DESC\nLIMIT 1\nSELECT date, drop",
        "SELECT date, -(temp_max - lag(temp_max) OVER (ORDER BY date)) AS drop "
        "FROM seattle_weather ORDER BY drop DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "How many days in each year were warmer than 30 degrees at their maximum?",
        "DERIVE y = YEAR(date)\nGROUP_BY y COMPUTE hot_days = COUNT(*, where => temp_max > 30)\n"
        "SORT y",
        "SELECT year(date) AS y, count(*) FILTER (WHERE temp_max > 30) AS hot_days "
        "FROM seattle_weather GROUP BY y ORDER BY y",
    )
    add(
        "On what day of the month does the most rain fall, summed over all months?",
        "DERIVE d = DAY(date)\nGROUP_BY d COMPUTE rain = SUM(precipitation)\n"
        "SORT rain DESC\nLIMIT 3",
        "SELECT day(date) AS d, sum(precipitation) AS rain FROM seattle_weather GROUP BY d "
        "ORDER BY rain DESC LIMIT 3",
    )


# --- stocks --------------------------------------------------------------------------------
def stocks(b: Book) -> None:
    add = partial(b.add, "stocks")
    add(
        "What is the average monthly closing price of each stock, highest first?",
        "GROUP_BY symbol COMPUTE avg_price = ROUND(AVG(price), 2)\nSORT avg_price DESC",
        "SELECT symbol, round(avg(price), 2) AS avg_price FROM stocks GROUP BY symbol "
        "ORDER BY avg_price DESC",
    )
    add(
        "What was Apple's month-over-month change in 2009, as a fraction?",
        "FILTER symbol = 'AAPL'\nWINDOW change = PCT_CHANGE(price) ORDER BY date\n"
        "FILTER YEAR(date) = 2009\nSELECT date, price, change",
        "SELECT date, price, change FROM (SELECT date, price, (price - lag(price) OVER w) / "
        "lag(price) OVER w AS change FROM stocks WHERE symbol = 'AAPL' WINDOW w AS "
        "(ORDER BY date)) WHERE year(date) = 2009 ORDER BY date",
    )
    add(
        "For each stock, what were the first and the last prices in the data, and how many "
        "times did the price grow between them?",
        "GROUP_BY symbol COMPUTE first_price = FIRST(price), last_price = LAST(price)\n"
        "DERIVE growth = last_price / first_price",
        "SELECT symbol, arg_min(price, rowid) AS first_price, arg_max(price, rowid) AS "
        "last_price, arg_max(price, rowid) / arg_min(price, rowid) AS growth FROM stocks "
        "GROUP BY symbol ORDER BY min(rowid)",
    )
    add(
        "What was each stock's best monthly return?",
        "WINDOW ret = PCT_CHANGE(price) PARTITION BY symbol ORDER BY date\n"
        "GROUP_BY symbol COMPUTE best = MAX(ret)",
        "SELECT symbol, max(ret) AS best FROM (SELECT symbol, price / lag(price) OVER "
        "(PARTITION BY symbol ORDER BY date) - 1 AS ret FROM stocks) GROUP BY symbol",
        order="bag",
    )
    add(
        "What was the maximum drawdown (largest fall below the previous peak, as a fraction) "
        "of each stock?",
        "WINDOW peak = CUMMAX(price) PARTITION BY symbol ORDER BY date\n"
        "DERIVE drawdown = price / peak - 1\n"
        "GROUP_BY symbol COMPUTE max_drawdown = MIN(drawdown)\nSORT max_drawdown",
        "SELECT symbol, min(price / peak - 1) AS max_drawdown FROM (SELECT symbol, price, "
        "max(price) OVER (PARTITION BY symbol ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS peak FROM stocks) GROUP BY symbol ORDER BY max_drawdown",
    )
    add(
        "Rank the stocks by their price on 1 January 2010.",
        "FILTER date = DATE '2010-01-01'\nWINDOW r = DENSE_RANK() ORDER BY price DESC\n"
        "SELECT symbol, price, r\nSORT r",
        "SELECT symbol, price, dense_rank() OVER (ORDER BY price DESC) AS r FROM stocks "
        "WHERE date = DATE '2010-01-01' ORDER BY r",
    )
    add(
        "In how many months did each stock close above 100 dollars?",
        "GROUP_BY symbol COMPUTE months = COUNT_IF(price > 100)",
        "SELECT symbol, count(*) FILTER (WHERE price > 100) AS months FROM stocks GROUP BY symbol",
        order="bag",
    )
    add(
        "What was the December 2008 closing price of each stock?",
        "FILTER YEAR(date) = 2008 AND MONTH(date) = 12\nSELECT symbol, price",
        "SELECT symbol, price FROM stocks WHERE year(date) = 2008 AND month(date) = 12",
        order="bag",
    )
    add(
        "What was Microsoft's average price per year?",
        "FILTER symbol = 'MSFT'\nDERIVE y = DATE_TRUNC('year', date)\n"
        "GROUP_BY y COMPUTE avg_price = AVG(price)\nSORT y",
        "SELECT date_trunc('year', date)::DATE AS y, avg(price) AS avg_price FROM stocks "
        "WHERE symbol = 'MSFT' GROUP BY y ORDER BY y",
    )
    add(
        "On 1 March 2010, what share of the combined price of all five stocks did each one "
        "account for?",
        "FILTER date = DATE '2010-03-01'\nWINDOW share = SHARE(price)\nSELECT symbol, share",
        "SELECT symbol, price / sum(price) OVER () AS share FROM stocks "
        "WHERE date = DATE '2010-03-01'",
        order="bag",
    )
    add(
        "The prices arrive as text like '$39.81'. Read them back as numbers and give the "
        "highest IBM price.",
        "FILTER symbol = 'IBM'\nDERIVE shown = CONCAT('$', price)\n"
        "AGGREGATE highest = MAX(PARSE_NUMBER(shown))",
        "SELECT max(CAST(replace('$' || CAST(price AS VARCHAR), '$', '') AS DOUBLE)) AS highest "
        "FROM stocks WHERE symbol = 'IBM'",
    )
    add(
        "What was IBM's year-over-year price change (versus 12 months earlier) in each January?",
        "FILTER symbol = 'IBM'\nWINDOW a_year_ago = LAG(price, 12) ORDER BY date\n"
        "FILTER MONTH(date) = 1 AND a_year_ago IS NOT NULL\n"
        "DERIVE yoy = price - a_year_ago\nSELECT date, yoy",
        "SELECT date, yoy FROM (SELECT date, price - lag(price, 12) OVER (ORDER BY date) AS yoy,"
        " lag(price, 12) OVER (ORDER BY date) AS a_year_ago FROM stocks WHERE symbol = 'IBM') "
        "WHERE month(date) = 1 AND a_year_ago IS NOT NULL ORDER BY date",
    )
    add(
        "For Amazon in 2001, what was the next month's price for each month?",
        "FILTER symbol = 'AMZN'\nWINDOW next_price = LEAD(price) ORDER BY date\n"
        "FILTER YEAR(date) = 2001\nSELECT date, price, next_price",
        "SELECT date, price, next_price FROM (SELECT date, price, lead(price) OVER (ORDER BY "
        "date) AS next_price FROM stocks WHERE symbol = 'AMZN') WHERE year(date) = 2001 "
        "ORDER BY date",
    )
    add(
        "What is Microsoft's running average price over its first 6 months?",
        "FILTER symbol = 'MSFT'\nSORT date\nLIMIT 6\nWINDOW running_avg = CUMAVG(price)\n"
        "SELECT date, price, running_avg",
        "SELECT date, price, avg(price) OVER (ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS running_avg FROM (SELECT * FROM stocks WHERE symbol = 'MSFT' "
        "ORDER BY date LIMIT 6) ORDER BY date",
    )
    add(
        "In which months had Amazon's price more than doubled compared with a year earlier?",
        "FILTER symbol = 'AMZN'\nWINDOW yoy = PCT_CHANGE(price, offset => 12) ORDER BY date\n"
        "FILTER yoy > 1\nSELECT date, price, yoy",
        "SELECT date, price, yoy FROM (SELECT date, price, price / lag(price, 12) OVER "
        "(ORDER BY date) - 1 AS yoy FROM stocks WHERE symbol = 'AMZN') WHERE yoy > 1 "
        "ORDER BY date",
    )
    add(
        "How many months of data are there per stock, and when does each series start?",
        "GROUP_BY symbol COMPUTE months = COUNT(*), start = MIN(date)",
        "SELECT symbol, count(*) AS months, min(date) AS start FROM stocks GROUP BY symbol",
        order="bag",
    )
    add(
        "How many months after its first listed month did Google reach its highest price?",
        "FILTER symbol = 'GOOG'\nWINDOW listed = MIN(date)\nSORT price DESC\nLIMIT 1\n"
        "DERIVE months_after = DATE_DIFF('month', listed, date)\nSELECT date, price, "
        "months_after",
        "SELECT date, price, date_diff('month', (SELECT min(date) FROM stocks WHERE symbol = "
        "'GOOG'), date) AS months_after FROM stocks WHERE symbol = 'GOOG' "
        "ORDER BY price DESC, rowid LIMIT 1",
    )
    add(
        "Which stock had the most volatile monthly returns (standard deviation)?",
        "WINDOW ret = PCT_CHANGE(price) PARTITION BY symbol ORDER BY date\n"
        "GROUP_BY symbol COMPUTE volatility = STD(ret)\nSORT volatility DESC\nLIMIT 1",
        "SELECT symbol, stddev_samp(ret) AS volatility FROM (SELECT symbol, price / lag(price) "
        "OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret FROM stocks) GROUP BY symbol "
        "ORDER BY volatility DESC LIMIT 1",
    )
    add(
        "What were the 3 highest monthly closing prices of any stock, ties included?",
        "SORT price DESC\nLIMIT 3 WITH TIES\nSELECT symbol, date, price",
        "SELECT symbol, date, price FROM (SELECT *, rowid AS rid, rank() OVER (ORDER BY price "
        "DESC) AS r FROM stocks) WHERE r <= 3 ORDER BY price DESC, rid",
    )
    add(
        "List IBM's monthly price changes in the first half of 2000, the month without a "
        "previous month first, then the biggest falls.",
        "FILTER symbol = 'IBM'\nWINDOW change = DIFF(price) ORDER BY date\n"
        "FILTER date < DATE '2000-07-01'\nSORT change NULLS FIRST\nSELECT date, change",
        "SELECT date, change FROM (SELECT date, price - lag(price) OVER (ORDER BY date) AS "
        "change FROM stocks WHERE symbol = 'IBM') WHERE date < DATE '2000-07-01' "
        "ORDER BY change NULLS FIRST",
    )
    add(
        "What was each stock's median price in 2005?",
        "FILTER YEAR(date) = 2005\nGROUP_BY symbol COMPUTE median_price = MEDIAN(price)\n"
        "SORT symbol",
        "SELECT symbol, median(price) AS median_price FROM stocks WHERE year(date) = 2005 "
        "GROUP BY symbol ORDER BY symbol",
    )
    add(
        "In which month did Apple's price first exceed 100 dollars?",
        "FILTER symbol = 'AAPL' AND price > 100\nSORT date\nLIMIT 1\nSELECT date, price",
        "SELECT date, price FROM stocks WHERE symbol = 'AAPL' AND price > 100 ORDER BY date "
        "LIMIT 1",
    )
    add(
        "How did the average price of all five stocks compare between the first quarters of "
        "2008 and 2009?",
        "FILTER QUARTER(date) = 1 AND YEAR(date) IN (2008, 2009)\n"
        "GROUP_BY symbol COMPUTE q1_2008 = AVG(price, where => YEAR(date) = 2008), "
        "q1_2009 = AVG(price, where => YEAR(date) = 2009)\n"
        "DERIVE change = ROUND(q1_2009 - q1_2008, 2)\nSORT change",
        "SELECT symbol, avg(price) FILTER (WHERE year(date) = 2008) AS q1_2008, avg(price) "
        "FILTER (WHERE year(date) = 2009) AS q1_2009, round(avg(price) FILTER (WHERE year(date) "
        "= 2009) - avg(price) FILTER (WHERE year(date) = 2008), 2) AS change FROM stocks "
        "WHERE quarter(date) = 1 AND year(date) IN (2008, 2009) GROUP BY symbol ORDER BY change",
    )
    add(
        "Number the months of each stock from 1 in date order and show month 100 of each.",
        "WINDOW n = ROW_NUMBER() PARTITION BY symbol ORDER BY date\nFILTER n = 100\n"
        "SELECT symbol, date, price",
        "SELECT symbol, date, price FROM (SELECT *, row_number() OVER (PARTITION BY symbol "
        "ORDER BY date) AS n FROM stocks) WHERE n = 100",
        order="bag",
    )
    add(
        "What was the highest price of each stock rounded to whole dollars, and in which "
        "month was it reached first?",
        "WINDOW r = ROW_NUMBER() PARTITION BY symbol ORDER BY price DESC, date\nFILTER r = 1\n"
        "DERIVE dollars = ROUND(price)\nSELECT symbol, date, dollars",
        "SELECT symbol, date, round(price) AS dollars FROM (SELECT *, row_number() OVER "
        "(PARTITION BY symbol ORDER BY price DESC, date) AS r FROM stocks) WHERE r = 1",
        order="bag",
    )


# --- iris ----------------------------------------------------------------------------------
def iris(b: Book) -> None:
    add = partial(b.add, "iris")
    add(
        "What are the average petal length and width of each species?",
        "GROUP_BY species COMPUTE petal_length = AVG(petalLength), petal_width = AVG(petalWidth)",
        "SELECT species, avg(petalLength) AS petal_length, avg(petalWidth) AS petal_width "
        "FROM iris GROUP BY species ORDER BY min(rowid)",
    )
    add(
        "Which flowers have the largest petal area (length times width)? Show the top 3, ties "
        "included.",
        "DERIVE area = petalLength * petalWidth\nSORT area DESC\nLIMIT 3 WITH TIES\n"
        "SELECT species, area",
        "SELECT species, area FROM (SELECT species, petalLength * petalWidth AS area, rowid AS "
        "rid, rank() OVER (ORDER BY petalLength * petalWidth DESC) AS r FROM iris) "
        "WHERE r <= 3 ORDER BY area DESC, rid",
    )
    add(
        "How long is the diagonal of each sepal (square root of length squared plus width "
        "squared)? Give the average per species, rounded to 3 decimals.",
        "DERIVE diagonal = SQRT(POW(sepalLength, 2) + POW(sepalWidth, 2))\n"
        "GROUP_BY species COMPUTE avg_diagonal = ROUND(AVG(diagonal), 3)",
        "SELECT species, round(avg(sqrt(pow(sepalLength, 2) + pow(sepalWidth, 2))), 3) AS "
        "avg_diagonal FROM iris GROUP BY species",
        order="bag",
    )
    add(
        "Half of each sepal length, rounded to a whole number (halves away from zero), for the "
        "first 6 flowers?",
        "LIMIT 6\nDERIVE half = sepalLength / 2, rounded = ROUND(sepalLength / 2)\n"
        "SELECT sepalLength, half, rounded",
        "SELECT sepalLength, sepalLength / 2 AS half, round(sepalLength / 2) AS rounded "
        "FROM iris ORDER BY rowid LIMIT 6",
    )
    add(
        "How far, in absolute terms, is each setosa's sepal width from 3.5? Count how many are "
        "within 0.2.",
        "FILTER species = 'setosa'\nDERIVE off = ABS(sepalWidth - 3.5)\n"
        "AGGREGATE n = COUNT_IF(off <= 0.2)",
        "SELECT count(*) FILTER (WHERE abs(sepalWidth - 3.5) <= 0.2) AS n FROM iris "
        "WHERE species = 'setosa'",
    )
    add(
        "What are the quartiles of petal length over all flowers?",
        "AGGREGATE q1 = QUANTILE(petalLength, 0.25), q2 = MEDIAN(petalLength), "
        "q3 = QUANTILE(petalLength, 0.75)",
        "SELECT quantile_cont(petalLength, 0.25) AS q1, median(petalLength) AS q2, "
        "quantile_cont(petalLength, 0.75) AS q3 FROM iris",
    )
    add(
        "Which species has the most variable sepal length?",
        "GROUP_BY species COMPUTE variance = VAR(sepalLength)\nSORT variance DESC\nLIMIT 1",
        "SELECT species, var_samp(sepalLength) AS variance FROM iris GROUP BY species "
        "ORDER BY variance DESC LIMIT 1",
    )
    add(
        "Classify the flowers by petal length (short < 2, medium < 5, long otherwise) and "
        "count each class per species.",
        "DERIVE size = CASE WHEN petalLength < 2 THEN 'short' WHEN petalLength < 5 THEN "
        "'medium' ELSE 'long' END\nGROUP_BY species, size COMPUTE n = COUNT(*)",
        "SELECT species, CASE WHEN petalLength < 2 THEN 'short' WHEN petalLength < 5 THEN "
        "'medium' ELSE 'long' END AS size, count(*) AS n FROM iris GROUP BY species, size",
        order="bag",
    )
    add(
        "How many distinct sepal lengths occur in each species?",
        "GROUP_BY species COMPUTE lengths = COUNT_DISTINCT(sepalLength)",
        "SELECT species, count(DISTINCT sepalLength) AS lengths FROM iris GROUP BY species",
        order="bag",
    )
    add(
        "Which flowers have a petal at least 3 times as long as it is wide, among versicolor "
        "and virginica?",
        "FILTER species != 'setosa' AND petalLength >= 3 * petalWidth\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM iris WHERE species <> 'setosa' "
        "AND petalLength >= 3 * petalWidth",
    )
    add(
        "What is the log base 2 of the ratio of sepal length to petal length, averaged per "
        "species?",
        "DERIVE log_ratio = LOG(sepalLength / petalLength, base => 2.0)\n"
        "GROUP_BY species COMPUTE avg_log_ratio = AVG(log_ratio)",
        "SELECT species, avg(ln(sepalLength / petalLength) / ln(2)) AS avg_log_ratio FROM iris "
        "GROUP BY species",
        order="bag",
    )
    add(
        "How many flowers per species have a sepal width strictly between 2.5 and 3 (both "
        "excluded)?",
        "FILTER sepalWidth > 2.5 AND sepalWidth < 3\nGROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM iris WHERE sepalWidth > 2.5 AND sepalWidth < 3 "
        "GROUP BY species",
        order="bag",
    )
    add(
        "What is each flower's petal length as a z-score within its species? Show the 3 most "
        "extreme flowers.",
        "WINDOW mu = AVG(petalLength), sd = STD(petalLength) PARTITION BY species\n"
        "DERIVE z = (petalLength - mu) / sd, abs_z = ABS((petalLength - mu) / sd)\n"
        "SORT abs_z DESC\nLIMIT 3\nSELECT species, petalLength, z",
        "SELECT species, petalLength, z FROM (SELECT species, petalLength, rowid AS rid, "
        "(petalLength - avg(petalLength) OVER (PARTITION BY species)) / stddev_samp(petalLength) "
        "OVER (PARTITION BY species) AS z FROM iris) ORDER BY abs(z) DESC, rid LIMIT 3",
    )
    add(
        "Species names in capitals with the number of flowers, alphabetically.",
        "DERIVE name = UPPER(species)\nGROUP_BY name COMPUTE n = COUNT(*)\nSORT name",
        "SELECT upper(species) AS name, count(*) AS n FROM iris GROUP BY name ORDER BY name",
    )
    add(
        "Order the species by their widest petal, widest first, listing each species once.",
        "SORT petalWidth DESC\nDISTINCT species",
        "SELECT species FROM iris GROUP BY species ORDER BY max(petalWidth) DESC",
    )


# --- barley --------------------------------------------------------------------------------
def barley(b: Book) -> None:
    add = partial(b.add, "barley")
    add(
        "For each site, how did the total yield change from 1931 to 1932?",
        "GROUP_BY site COMPUTE y1931 = SUM(yield, where => year = 1931), "
        "y1932 = SUM(yield, where => year = 1932)\nDERIVE change = y1932 - y1931\n"
        "SORT change DESC",
        "SELECT site, sum(yield) FILTER (WHERE year = 1931) AS y1931, sum(yield) FILTER "
        "(WHERE year = 1932) AS y1932, sum(yield) FILTER (WHERE year = 1932) - sum(yield) "
        "FILTER (WHERE year = 1931) AS change FROM barley GROUP BY site ORDER BY change DESC",
    )
    add(
        "Which barley variety had the highest average yield over both years?",
        "GROUP_BY variety COMPUTE avg_yield = AVG(yield)\nSORT avg_yield DESC\nLIMIT 1",
        "SELECT variety, avg(yield) AS avg_yield FROM barley GROUP BY variety "
        "ORDER BY avg_yield DESC LIMIT 1",
    )
    add(
        "Which numbered varieties (like 'No. 457') are there? Give their numbers, smallest first.",
        "DERIVE number = PARSE_NUMBER(REGEXP_EXTRACT(variety, 'No\\. ([0-9]+)'))\n"
        "FILTER number IS NOT NULL\nDISTINCT number\nSORT number",
        "SELECT DISTINCT CAST(regexp_extract(variety, 'No\\. ([0-9]+)', 1) AS DOUBLE) AS number "
        "FROM barley WHERE regexp_matches(variety, 'No\\. [0-9]+') ORDER BY number",
    )
    add(
        "Turn the site names into identifiers (lower case, spaces as underscores), listed once "
        "each in order of first appearance.",
        "DERIVE site_id = REPLACE(LOWER(site), ' ', '_')\nDISTINCT site_id",
        "SELECT replace(lower(site), ' ', '_') AS site_id FROM barley GROUP BY site_id "
        "ORDER BY min(rowid)",
    )
    add(
        "A report pads the site names with spaces like '  Waseca '. After trimming them, how "
        "many rows belong to Waseca?",
        "DERIVE padded = CONCAT('  ', site, ' ')\nFILTER TRIM(padded) = 'Waseca'\n"
        "AGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM barley WHERE trim('  ' || site || ' ') = 'Waseca'",
    )
    add(
        "What is (year - 1932) modulo 2 for each year, and how many rows have each value?",
        "DERIVE parity = (year - 1932) % 2\nGROUP_BY year, parity COMPUTE n = COUNT(*)\nSORT year",
        "SELECT year, (year - 1932) % 2 AS parity, count(*) AS n FROM barley "
        "GROUP BY year, parity ORDER BY year",
    )
    add(
        "How many varieties were grown at each site?",
        "GROUP_BY site COMPUTE varieties = COUNT_DISTINCT(variety)",
        "SELECT site, count(DISTINCT variety) AS varieties FROM barley GROUP BY site",
        order="bag",
    )
    add(
        "In 1932, what share of each site's total yield came from each variety? Show Morris.",
        "FILTER year = 1932\nWINDOW share = SHARE(yield) PARTITION BY site\n"
        "FILTER site = 'Morris'\nSELECT variety, share",
        "SELECT variety, share FROM (SELECT variety, site, yield / sum(yield) OVER (PARTITION "
        "BY site) AS share, rowid AS rid FROM barley WHERE year = 1932) WHERE site = 'Morris' "
        "ORDER BY rid",
    )
    add(
        "Which variety was the best at each site in 1932?",
        "FILTER year = 1932\nWINDOW r = RANK() PARTITION BY site ORDER BY yield DESC\n"
        "FILTER r = 1\nSELECT site, variety, yield",
        "SELECT site, variety, yield FROM (SELECT *, rank() OVER (PARTITION BY site ORDER BY "
        "yield DESC) AS r FROM barley WHERE year = 1932) WHERE r = 1",
        order="bag",
    )
    add(
        "By how much did each variety's yield at Morris fall (shown as a positive loss) from "
        "1931 to 1932? Negative values are gains.",
        "FILTER site = 'Morris'\nGROUP_BY variety COMPUTE change = "
        "SUM(yield, where => year = 1932) - SUM(yield, where => year = 1931)\n"
        "DERIVE loss = -change\nSELECT variety, loss\nSORT loss DESC",
        "SELECT variety, -(sum(yield) FILTER (WHERE year = 1932) - sum(yield) FILTER "
        "(WHERE year = 1931)) AS loss FROM barley WHERE site = 'Morris' GROUP BY variety "
        "ORDER BY loss DESC",
    )
    add(
        "What is the average yield at sites whose name starts with W or D?",
        "FILTER site LIKE 'W%' OR site LIKE 'D%'\nGROUP_BY site COMPUTE avg_yield = AVG(yield)",
        "SELECT site, avg(yield) AS avg_yield FROM barley WHERE site LIKE 'W%' OR site LIKE 'D%' "
        "GROUP BY site",
        order="bag",
    )
    add(
        "Which varieties have names longer than 8 characters?",
        "FILTER LENGTH(variety) > 8\nDISTINCT variety",
        "SELECT DISTINCT variety FROM barley WHERE length(variety) > 8",
        order="set",
    )
    add(
        "What was the lowest yield at each site and year, and which variety had it?",
        "WINDOW r = ROW_NUMBER() PARTITION BY site, year ORDER BY yield\nFILTER r = 1\n"
        "SELECT site, year, variety, yield",
        "SELECT site, year, variety, yield FROM (SELECT *, row_number() OVER (PARTITION BY "
        "site, year ORDER BY yield, rowid) AS r FROM barley) WHERE r = 1",
        order="bag",
    )
    add(
        "Round every 1931 yield at Crookston to tens of bushels.",
        "FILTER site = 'Crookston' AND year = 1931\nDERIVE rounded = ROUND(yield, -1)\n"
        "SELECT variety, yield, rounded",
        "SELECT variety, yield, round(yield, -1) AS rounded FROM barley "
        "WHERE site = 'Crookston' AND year = 1931 ORDER BY rowid",
    )
    add(
        "How many site-year combinations had an average yield above 40?",
        "GROUP_BY site, year COMPUTE avg_yield = AVG(yield)\nFILTER avg_yield > 40\n"
        "AGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM (SELECT site, year FROM barley GROUP BY site, year "
        "HAVING avg(yield) > 40)",
    )


# --- airports ------------------------------------------------------------------------------
def airports(b: Book) -> None:
    add = partial(b.add, "airports")
    add(
        "Which 5 states have the most airports? Break ties alphabetically.",
        "GROUP_BY state COMPUTE airports = COUNT(*)\nSORT airports DESC, state\nLIMIT 5",
        "SELECT state, count(*) AS airports FROM airports GROUP BY state "
        "ORDER BY airports DESC, state LIMIT 5",
    )
    add(
        "How many different cities have an airport in Texas?",
        "FILTER state = 'TX'\nAGGREGATE cities = COUNT_DISTINCT(city)",
        "SELECT count(DISTINCT city) AS cities FROM airports WHERE state = 'TX'",
    )
    add(
        "How many airports call themselves international, whatever the capitalisation?",
        "FILTER CONTAINS(name, 'international', ignore_case => TRUE)\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airports WHERE contains(lower(name), 'international')",
    )
    add(
        "How many airport codes contain a digit, and how many are letters only?",
        "DERIVE has_digit = REGEXP_MATCH(iata, '[0-9]')\n"
        "GROUP_BY has_digit COMPUTE n = COUNT(*)\nSORT has_digit",
        "SELECT regexp_matches(iata, '[0-9]') AS has_digit, count(*) AS n FROM airports "
        "GROUP BY has_digit ORDER BY has_digit",
    )
    add(
        "Which is the northernmost airport?",
        "SORT latitude DESC\nLIMIT 1\nSELECT iata, name, state, latitude",
        "SELECT iata, name, state, latitude FROM airports ORDER BY latitude DESC, rowid LIMIT 1",
    )
    add(
        "Which Alaskan airports lie west of 165 degrees west?",
        "FILTER state = 'AK' AND longitude < -165\nSELECT iata, name, longitude\nSORT longitude",
        "SELECT iata, name, longitude FROM airports WHERE state = 'AK' AND longitude < -165 "
        "ORDER BY longitude, rowid",
    )
    add(
        "Which 5 airports are closest to Seattle-Tacoma (47.45 N, 122.31 W), using a flat "
        "approximation in degrees (longitude scaled by 0.67)?",
        "DERIVE dist = SQRT(POW(latitude - 47.45, 2) + POW((longitude + 122.31) * 0.67, 2))\n"
        "SORT dist\nLIMIT 5\nSELECT iata, name, city, dist",
        "SELECT iata, name, city, sqrt(pow(latitude - 47.45, 2) + pow((longitude + 122.31) * "
        "0.67, 2)) AS dist FROM airports ORDER BY dist, rowid LIMIT 5",
    )
    add(
        "Spell out 'Muni' as 'Municipal' in airport names: how many names then contain "
        "'Municipal'?",
        "DERIVE full_name = REPLACE(name, 'Muni ', 'Municipal ')\n"
        "FILTER CONTAINS(full_name, 'Municipal')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airports "
        "WHERE contains(replace(name, 'Muni ', 'Municipal '), 'Municipal')",
    )
    add(
        "Which countries appear in the airport list?",
        "DISTINCT country",
        "SELECT DISTINCT country FROM airports",
        order="set",
    )
    add(
        "In which states is there an airport in a city called Springfield (any capitalisation)?",
        "FILTER LOWER(city) = 'springfield'\nDISTINCT state\nSORT state",
        "SELECT DISTINCT state FROM airports WHERE lower(city) = 'springfield' ORDER BY state",
    )
    add(
        "How many airports are there in the three West Coast states, most first?",
        "FILTER state IN ('CA', 'OR', 'WA')\nGROUP_BY state COMPUTE n = COUNT(*)\nSORT n DESC",
        "SELECT state, count(*) AS n FROM airports WHERE state IN ('CA', 'OR', 'WA') "
        "GROUP BY state ORDER BY n DESC",
    )
    add(
        "How many airport names end with the word 'Airport'?",
        "FILTER ENDS_WITH(name, 'Airport')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airports WHERE ends_with(name, 'Airport')",
    )
    add(
        "Which airport codes start with 'K', and where are they?",
        "FILTER STARTS_WITH(iata, 'K')\nSELECT iata, name, state",
        "SELECT iata, name, state FROM airports WHERE starts_with(iata, 'K') ORDER BY rowid",
    )
    add(
        "For codes made of three letters, which first letters are most common? Top 3.",
        "FILTER REGEXP_MATCH(iata, '^[A-Z]{3}$')\nDERIVE first_letter = SUBSTRING(iata, 1, 1)\n"
        "GROUP_BY first_letter COMPUTE n = COUNT(*)\nSORT n DESC, first_letter\nLIMIT 3",
        "SELECT substring(iata, 1, 1) AS first_letter, count(*) AS n FROM airports "
        "WHERE regexp_matches(iata, '^[A-Z]{3}$') GROUP BY first_letter "
        "ORDER BY n DESC, first_letter LIMIT 3",
    )
    add(
        "How many airports in Rhode Island are not called 'Field' or 'Airpark' anything?",
        "FILTER state = 'RI' AND name NOT LIKE '%Field%' AND name NOT LIKE '%Airpark%'\n"
        "SELECT iata, name",
        "SELECT iata, name FROM airports WHERE state = 'RI' AND name NOT LIKE '%Field%' "
        "AND name NOT LIKE '%Airpark%' ORDER BY rowid",
    )
    add(
        "Number the airports of Delaware in order of their codes (a running count).",
        "FILTER state = 'DE'\nWINDOW n = CUMCOUNT() ORDER BY iata\nSORT n\nSELECT n, iata, city",
        "SELECT count(*) OVER (ORDER BY iata ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) "
        "AS n, iata, city FROM airports WHERE state = 'DE' ORDER BY n",
    )
    add(
        "How many airports lie in each 10-degree band of latitude?",
        "DERIVE band = FLOOR(latitude / 10) * 10\nGROUP_BY band COMPUTE n = COUNT(*)\nSORT band",
        "SELECT floor(latitude / 10) * 10 AS band, count(*) AS n FROM airports GROUP BY band "
        "ORDER BY band",
    )
    add(
        "Which 'City, ST' place names have the most airports? Top 3, ties alphabetically.",
        "FILTER city IS NOT NULL AND state IS NOT NULL\n"
        "DERIVE place = CONCAT(city, ', ', state)\nGROUP_BY place COMPUTE n = COUNT(*)\n"
        "SORT n DESC, place\nLIMIT 3",
        "SELECT city || ', ' || state AS place, count(*) AS n FROM airports "
        "WHERE city IS NOT NULL AND state IS NOT NULL GROUP BY place "
        "ORDER BY n DESC, place LIMIT 3",
    )
    add(
        "What is the average length of airport names per state, for the 3 states with the "
        "longest names?",
        "GROUP_BY state COMPUTE avg_len = AVG(LENGTH(name))\nSORT avg_len DESC\nLIMIT 3",
        "SELECT state, avg(length(name)) AS avg_len FROM airports GROUP BY state "
        "ORDER BY avg_len DESC LIMIT 3",
    )
    add(
        "What are the latitude and longitude extremes of Hawaii's airports?",
        "FILTER state = 'HI'\nAGGREGATE south = MIN(latitude), north = MAX(latitude), "
        "west = MIN(longitude), east = MAX(longitude)",
        "SELECT min(latitude) AS south, max(latitude) AS north, min(longitude) AS west, "
        "max(longitude) AS east FROM airports WHERE state = 'HI'",
    )
    add(
        "Which state's airports are spread over the widest range of longitudes?",
        "GROUP_BY state COMPUTE spread = SUB_ABS(MAX(longitude), MIN(longitude))\n"
        "SORT spread DESC\nLIMIT 1",
        "SELECT state, abs(max(longitude) - min(longitude)) AS spread FROM airports "
        "GROUP BY state ORDER BY spread DESC LIMIT 1",
    )


# --- us_employment -------------------------------------------------------------------------
def us_employment(b: Book) -> None:
    add = partial(b.add, "us_employment")
    add(
        "In which month did total nonfarm employment fall the most compared with the month before?",
        "WINDOW change = DIFF(nonfarm) ORDER BY month\nSORT change\nLIMIT 1\nSELECT month, change",
        "SELECT month, nonfarm - lag(nonfarm) OVER (ORDER BY month) AS change "
        "FROM us_employment ORDER BY change NULLS LAST, rowid LIMIT 1",
    )
    add(
        "What was the monthly percentage change in manufacturing jobs during 2009, rounded to "
        "2 decimals?",
        "WINDOW pct = PCT_CHANGE(manufacturing) ORDER BY month\nFILTER YEAR(month) = 2009\n"
        "DERIVE pct = ROUND(pct * 100, 2)\nSELECT month, pct",
        "SELECT month, pct FROM (SELECT month, round(100 * (manufacturing - lag(manufacturing) "
        "OVER (ORDER BY month)) / lag(manufacturing) OVER (ORDER BY month), 2) AS pct "
        "FROM us_employment) WHERE year(month) = 2009 ORDER BY month",
    )
    add(
        "What was the total change in nonfarm jobs in each year?",
        "DERIVE y = YEAR(month)\nGROUP_BY y COMPUTE total_change = SUM(nonfarm_change)\nSORT y",
        "SELECT year(month) AS y, sum(nonfarm_change) AS total_change FROM us_employment "
        "GROUP BY y ORDER BY y",
    )
    add(
        "What is the cumulative change in nonfarm jobs since January 2008, at the end of each "
        "quarter of 2008 and 2009?",
        "FILTER month >= DATE '2008-01-01'\n"
        "WINDOW cumulative = CUMSUM(nonfarm_change) ORDER BY month\n"
        "FILTER month <= DATE '2009-12-01' AND MONTH(month) % 3 = 0\n"
        "SELECT month, cumulative",
        "SELECT month, cumulative FROM (SELECT month, sum(nonfarm_change) OVER (ORDER BY month "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cumulative FROM us_employment "
        "WHERE month >= DATE '2008-01-01') WHERE month <= DATE '2009-12-01' "
        "AND month(month) % 3 = 0 ORDER BY month",
    )
    add(
        "What was the average construction employment in each quarter of 2007?",
        "FILTER YEAR(month) = 2007\nDERIVE q = QUARTER(month)\n"
        "GROUP_BY q COMPUTE construction = AVG(construction)",
        "SELECT quarter(month) AS q, avg(construction) AS construction FROM us_employment "
        "WHERE year(month) = 2007 GROUP BY q ORDER BY q",
    )
    add(
        "In how many months of each year did the economy lose jobs?",
        "DERIVE y = YEAR(month)\nGROUP_BY y COMPUTE losing_months = COUNT_IF(nonfarm_change < 0)"
        "\nSORT y",
        "SELECT year(month) AS y, count(*) FILTER (WHERE nonfarm_change < 0) AS losing_months "
        "FROM us_employment GROUP BY y ORDER BY y",
    )
    add(
        "Does the reported monthly change match the difference of the nonfarm totals? Count "
        "the months where it does not (the first month has no previous one and is skipped).",
        "WINDOW computed = DIFF(nonfarm) ORDER BY month\n"
        "FILTER computed IS NOT NULL AND computed != nonfarm_change\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM (SELECT nonfarm_change, nonfarm - lag(nonfarm) OVER (ORDER "
        "BY month) AS computed FROM us_employment) WHERE computed IS NOT NULL "
        "AND computed <> nonfarm_change",
    )
    add(
        "What share of nonfarm jobs were government jobs, on average per year?",
        "DERIVE y = YEAR(month), gov_share = government / nonfarm\n"
        "GROUP_BY y COMPUTE gov_share = ROUND(AVG(gov_share), 4)\nSORT y",
        "SELECT year(month) AS y, round(avg(government / nonfarm), 4) AS gov_share "
        "FROM us_employment GROUP BY y ORDER BY y",
    )
    add(
        "Employment peaked before the recession. How many months after that peak did "
        "nonfarm employment first exceed it again?",
        "WINDOW peak = MAX(nonfarm, where => month < DATE '2010-01-01')\n"
        "WINDOW peak_month = MIN(month, where => nonfarm = peak)\n"
        "FILTER nonfarm > peak\nSORT month\nLIMIT 1\n"
        "DERIVE months_later = DATE_DIFF('month', peak_month, month)\n"
        "SELECT month, nonfarm, months_later",
        "WITH p AS (SELECT max(nonfarm) AS peak FROM us_employment WHERE month < DATE "
        "'2010-01-01'), pm AS (SELECT min(month) AS peak_month FROM us_employment, p "
        "WHERE nonfarm = p.peak AND month < DATE '2010-01-01') SELECT month, nonfarm, "
        "date_diff('month', peak_month, month) AS months_later FROM us_employment, p, pm "
        "WHERE nonfarm > p.peak ORDER BY month LIMIT 1",
    )
    add(
        "For each month of 2008, what would construction employment be the following month?",
        "WINDOW next_month = LEAD(construction) ORDER BY month\nFILTER YEAR(month) = 2008\n"
        "SELECT month, construction, next_month",
        "SELECT month, construction, next_month FROM (SELECT month, construction, "
        "lead(construction) OVER (ORDER BY month) AS next_month FROM us_employment) "
        "WHERE year(month) = 2008 ORDER BY month",
    )
    add(
        "What were the 3 worst months for job changes?",
        "WINDOW r = ROW_NUMBER() ORDER BY nonfarm_change\nFILTER r <= 3\n"
        "SELECT month, nonfarm_change\nSORT nonfarm_change",
        "SELECT month, nonfarm_change FROM us_employment ORDER BY nonfarm_change, rowid LIMIT 3",
    )
    add(
        "After January 2008, what was the lowest nonfarm employment reached so far, shown "
        "every 6 months?",
        "FILTER month >= DATE '2008-01-01'\nWINDOW low = CUMMIN(nonfarm) ORDER BY month\n"
        "FILTER MONTH(month) IN (1, 7)\nSELECT month, low",
        "SELECT month, low FROM (SELECT month, min(nonfarm) OVER (ORDER BY month ROWS BETWEEN "
        "UNBOUNDED PRECEDING AND CURRENT ROW) AS low FROM us_employment WHERE month >= DATE "
        "'2008-01-01') WHERE month(month) IN (1, 7) ORDER BY month",
    )
    add(
        "Do goods-producing plus service-providing jobs add up to the nonfarm total every month?",
        "AGGREGATE mismatches = COUNT_IF(goods_producing + service_providing != nonfarm)",
        "SELECT count(*) FILTER (WHERE goods_producing + service_providing <> nonfarm) AS "
        "mismatches FROM us_employment",
    )
    add(
        "What was the running average of the monthly job change during 2009?",
        "FILTER YEAR(month) = 2009\nWINDOW running_avg = CUMAVG(nonfarm_change) ORDER BY month\n"
        "SELECT month, running_avg",
        "SELECT month, avg(nonfarm_change) OVER (ORDER BY month ROWS BETWEEN UNBOUNDED "
        "PRECEDING AND CURRENT ROW) AS running_avg FROM us_employment WHERE year(month) = 2009 "
        "ORDER BY month",
    )
    add(
        "Rank the years by their total job change, best first.",
        "DERIVE y = YEAR(month)\nGROUP_BY y COMPUTE total = SUM(nonfarm_change)\n"
        "WINDOW r = DENSE_RANK() ORDER BY total DESC\nSORT r",
        "SELECT year(month) AS y, sum(nonfarm_change) AS total, dense_rank() OVER (ORDER BY "
        "sum(nonfarm_change) DESC) AS r FROM us_employment GROUP BY y ORDER BY r",
    )
    add(
        "What was the median monthly job change in each year?",
        "DERIVE y = YEAR(month)\nGROUP_BY y COMPUTE median_change = MEDIAN(nonfarm_change)\nSORT y",
        "SELECT year(month) AS y, median(nonfarm_change) AS median_change FROM us_employment "
        "GROUP BY y ORDER BY y",
    )
    add(
        "Which calendar month has the best average job change over the decade?",
        "DERIVE m = MONTH(month)\nGROUP_BY m COMPUTE avg_change = AVG(nonfarm_change)\n"
        "SORT avg_change DESC\nLIMIT 1",
        "SELECT month(month) AS m, avg(nonfarm_change) AS avg_change FROM us_employment "
        "GROUP BY m ORDER BY avg_change DESC LIMIT 1",
    )
    add(
        "How many manufacturing jobs were lost from the first month in the data to the lowest "
        "point?",
        "AGGREGATE start = FIRST(manufacturing), lowest = MIN(manufacturing)\n"
        "DERIVE lost = start - lowest",
        "SELECT arg_min(manufacturing, rowid) AS start, min(manufacturing) AS lowest, "
        "arg_min(manufacturing, rowid) - min(manufacturing) AS lost FROM us_employment",
    )
    add(
        "Which months had the largest absolute gap between the change in private jobs and the "
        "change in all nonfarm jobs? Top 3.",
        "WINDOW private_change = DIFF(private) ORDER BY month\n"
        "DERIVE gap = SUB_ABS(private_change, nonfarm_change)\nSORT gap DESC\nLIMIT 3\n"
        "SELECT month, gap",
        "SELECT month, abs((private - lag(private) OVER (ORDER BY month)) - nonfarm_change) AS "
        "gap FROM us_employment ORDER BY gap DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "In which months was the wholesale trade figure not a whole number, in 2015?",
        "FILTER YEAR(month) = 2015 AND wholesale_trade != FLOOR(wholesale_trade)\n"
        "SELECT month, wholesale_trade",
        "SELECT month, wholesale_trade FROM us_employment WHERE year(month) = 2015 "
        "AND wholesale_trade <> floor(wholesale_trade) ORDER BY rowid",
    )
    add(
        "How many months are there between the first and last rows of the table?",
        "AGGREGATE first_month = MIN(month), last_month = MAX(month)\n"
        "DERIVE months = DATE_DIFF('month', first_month, last_month)",
        "SELECT min(month) AS first_month, max(month) AS last_month, "
        "date_diff('month', min(month), max(month)) AS months FROM us_employment",
    )
    add(
        "Write the first 3 months of 2010 as text like '2010-1-1', read that text back as a "
        "date, and show information-sector employment.",
        "FILTER month BETWEEN DATE '2010-01-01' AND DATE '2010-03-01'\n"
        "DERIVE label = CONCAT(CAST(YEAR(month), 'string'), '-', CAST(MONTH(month), 'string'),"
        " '-1')\nDERIVE back = PARSE_DATE(label)\nSELECT label, back, information",
        "SELECT CAST(year(month) AS VARCHAR) || '-' || CAST(month(month) AS VARCHAR) || '-1' AS "
        "label, month AS back, information FROM us_employment "
        "WHERE month BETWEEN DATE '2010-01-01' AND DATE '2010-03-01' ORDER BY rowid",
    )


# --- iowa_electricity ----------------------------------------------------------------------
def iowa_electricity(b: Book) -> None:
    add = partial(b.add, "iowa_electricity")
    add(
        "What share of Iowa's electricity came from renewables in each of the last 5 years?",
        "WINDOW share = SHARE(net_generation) PARTITION BY year\nFILTER source = 'Renewables'\n"
        "SORT year DESC\nLIMIT 5\nSELECT year, share",
        "SELECT year, share FROM (SELECT year, source, net_generation / sum(net_generation) "
        "OVER (PARTITION BY year) AS share FROM iowa_electricity) WHERE source = 'Renewables' "
        "ORDER BY year DESC LIMIT 5",
    )
    add(
        "By what fraction did renewable generation grow each year? Show 2008 to 2012.",
        "FILTER source = 'Renewables'\nWINDOW growth = PCT_CHANGE(net_generation) ORDER BY year"
        "\nFILTER year BETWEEN DATE '2008-01-01' AND DATE '2012-01-01'\nSELECT year, growth",
        "SELECT year, growth FROM (SELECT year, net_generation / lag(net_generation) OVER "
        "(ORDER BY year) - 1 AS growth FROM iowa_electricity WHERE source = 'Renewables') "
        "WHERE year BETWEEN DATE '2008-01-01' AND DATE '2012-01-01' ORDER BY year",
    )
    add(
        "What was the total net generation per year, in the order of the table?",
        "GROUP_BY year COMPUTE total = SUM(net_generation)",
        "SELECT year, sum(net_generation) AS total FROM iowa_electricity GROUP BY year "
        "ORDER BY min(rowid)",
    )
    add(
        "In which first year did renewables generate more than nuclear energy?",
        "GROUP_BY year COMPUTE renewables = SUM(net_generation, where => source = 'Renewables'),"
        " nuclear = SUM(net_generation, where => source = 'Nuclear Energy')\n"
        "FILTER renewables > nuclear\nSORT year\nLIMIT 1\nDERIVE y = YEAR(year)\nSELECT y",
        "SELECT year(year) AS y FROM iowa_electricity GROUP BY year HAVING sum(net_generation) "
        "FILTER (WHERE source = 'Renewables') > sum(net_generation) FILTER (WHERE source = "
        "'Nuclear Energy') ORDER BY year LIMIT 1",
    )
    add(
        "What is the cumulative renewable generation since 2001, year by year, for the first "
        "6 years?",
        "FILTER source = 'Renewables'\nWINDOW cumulative = CUMSUM(net_generation) ORDER BY year\n"
        "LIMIT 6\nSELECT year, cumulative",
        "SELECT year, sum(net_generation) OVER (ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS cumulative FROM iowa_electricity WHERE source = 'Renewables' "
        "ORDER BY year LIMIT 6",
    )
    add(
        "What was the average annual generation of each source?",
        "GROUP_BY source COMPUTE avg_generation = AVG(net_generation)\nSORT avg_generation DESC",
        "SELECT source, avg(net_generation) AS avg_generation FROM iowa_electricity "
        "GROUP BY source ORDER BY avg_generation DESC",
    )
    add(
        "In which years did fossil-fuel generation fall compared with the previous year?",
        "FILTER source = 'Fossil Fuels'\nWINDOW previous = LAG(net_generation) ORDER BY year\n"
        "FILTER net_generation < previous\nDERIVE y = YEAR(year)\nSELECT y",
        "SELECT year(year) AS y FROM (SELECT year, net_generation, lag(net_generation) OVER "
        "(ORDER BY year) AS previous FROM iowa_electricity WHERE source = 'Fossil Fuels') "
        "WHERE net_generation < previous ORDER BY year",
    )
    add(
        "What were the first and last recorded generation values of each source, and the "
        "change between them?",
        "GROUP_BY source COMPUTE first_value = FIRST(net_generation), "
        "last_value = LAST(net_generation)\nDERIVE change = last_value - first_value",
        "SELECT source, arg_min(net_generation, rowid) AS first_value, arg_max(net_generation, "
        "rowid) AS last_value, arg_max(net_generation, rowid) - arg_min(net_generation, rowid) "
        "AS change FROM iowa_electricity GROUP BY source ORDER BY min(rowid)",
    )
    add(
        "Which source generated the most electricity in each year? Show 2001 and 2017.",
        "WINDOW r = RANK() PARTITION BY year ORDER BY net_generation DESC\n"
        "FILTER r = 1 AND YEAR(year) IN (2001, 2017)\nSELECT year, source",
        "SELECT year, source FROM (SELECT *, rank() OVER (PARTITION BY year ORDER BY "
        "net_generation DESC) AS r FROM iowa_electricity) WHERE r = 1 AND year(year) IN "
        "(2001, 2017) ORDER BY year",
    )
    add(
        "How many years of data are there per source, and what was each source's largest "
        "yearly value?",
        "GROUP_BY source COMPUTE years = COUNT(*), largest = MAX(net_generation)",
        "SELECT source, count(*) AS years, max(net_generation) AS largest FROM iowa_electricity "
        "GROUP BY source",
        order="bag",
    )
    add(
        "What was the nuclear share of generation in 2010 as a percentage, rounded to one decimal?",
        "FILTER YEAR(year) = 2010\nWINDOW share = SHARE(net_generation)\n"
        "FILTER source = 'Nuclear Energy'\nDERIVE pct = ROUND(share * 100, 1)\nSELECT pct",
        "SELECT round(100 * sum(net_generation) FILTER (WHERE source = 'Nuclear Energy') / "
        "sum(net_generation), 1) AS pct FROM iowa_electricity WHERE year(year) = 2010",
    )
    add(
        "What is the standard deviation of annual generation for each source?",
        "GROUP_BY source COMPUTE sd = STD(net_generation)",
        "SELECT source, stddev_samp(net_generation) AS sd FROM iowa_electricity GROUP BY source",
        order="bag",
    )
    add(
        "Which was the best year for renewables so far at each point, for the years 2012 "
        "onwards (running maximum)?",
        "FILTER source = 'Renewables'\nWINDOW best_so_far = CUMMAX(net_generation) ORDER BY "
        "year\nFILTER year >= DATE '2012-01-01'\nSELECT year, net_generation, best_so_far",
        "SELECT year, net_generation, best_so_far FROM (SELECT year, net_generation, "
        "max(net_generation) OVER (ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT "
        "ROW) AS best_so_far FROM iowa_electricity WHERE source = 'Renewables') "
        "WHERE year >= DATE '2012-01-01' ORDER BY year",
    )
    add(
        "How much did generation from each source change between 2001 and 2017 in absolute terms?",
        "GROUP_BY source COMPUTE g2001 = SUM(net_generation, where => YEAR(year) = 2001), "
        "g2017 = SUM(net_generation, where => YEAR(year) = 2017)\n"
        "DERIVE change = ABS(g2017 - g2001)\nSELECT source, change\nSORT change DESC",
        "SELECT source, abs(sum(net_generation) FILTER (WHERE year(year) = 2017) - "
        "sum(net_generation) FILTER (WHERE year(year) = 2001)) AS change FROM iowa_electricity "
        "GROUP BY source ORDER BY change DESC",
    )
    add(
        "Two years after each year, how much fossil generation was there? Show 2001-2003.",
        "FILTER source = 'Fossil Fuels'\nWINDOW two_later = LEAD(net_generation, offset => 2) "
        "ORDER BY year\nLIMIT 3\nSELECT year, net_generation, two_later",
        "SELECT year, net_generation, lead(net_generation, 2) OVER (ORDER BY year) AS two_later "
        "FROM iowa_electricity WHERE source = 'Fossil Fuels' ORDER BY year LIMIT 3",
    )


# --- seattle_temps -------------------------------------------------------------------------
def seattle_temps(b: Book) -> None:
    add = partial(b.add, "seattle_temps")
    add(
        "At which hour of the day is it warmest in Seattle on average?",
        "DERIVE hour = HOUR(date)\nGROUP_BY hour COMPUTE avg_temp = AVG(temp)\n"
        "SORT avg_temp DESC\nLIMIT 1",
        "SELECT hour(date) AS hour, avg(temp) AS avg_temp FROM seattle_temps GROUP BY hour "
        "ORDER BY avg_temp DESC LIMIT 1",
    )
    add(
        "Are all readings taken on the full hour? Count the distinct minutes.",
        "AGGREGATE minutes = COUNT_DISTINCT(MINUTE(date)), on_the_hour = COUNT_IF(MINUTE(date) "
        "= 0)",
        "SELECT count(DISTINCT minute(date)) AS minutes, count(*) FILTER (WHERE minute(date) "
        "= 0) AS on_the_hour FROM seattle_temps",
    )
    add(
        "Which day had the highest reading of the year?",
        "DERIVE day = DATE_TRUNC('day', date)\nGROUP_BY day COMPUTE high = MAX(temp)\n"
        "SORT high DESC\nLIMIT 1",
        "SELECT date_trunc('day', date) AS day, max(temp) AS high FROM seattle_temps "
        "GROUP BY day ORDER BY high DESC, min(rowid) LIMIT 1",
    )
    add(
        "What was the average temperature per month, in degrees Celsius with one decimal?",
        "DERIVE m = MONTH(date), celsius = (temp - 32) * 5 / 9\n"
        "GROUP_BY m COMPUTE avg_c = ROUND(AVG(celsius), 1)\nSORT m",
        "SELECT month(date) AS m, round(avg((temp - 32) * 5 / 9), 1) AS avg_c "
        "FROM seattle_temps GROUP BY m ORDER BY m",
    )
    add(
        "How many seconds after midnight was each of the first 4 readings of 2 March taken? "
        "(Read the clock time from the timestamp text.)",
        "FILTER date >= TIMESTAMP '2010-03-02 00:00:00'\nLIMIT 4\n"
        "DERIVE clock = SUBSTRING(CAST(date, 'string'), 12, 8)\n"
        "DERIVE seconds = TOTAL_SECONDS(PARSE_DURATION(clock))\nSELECT date, clock, seconds",
        "SELECT date, strftime(date, '%H:%M:%S') AS clock, CAST(hour(date) * 3600 + "
        "minute(date) * 60 + second(date) AS DOUBLE) AS seconds FROM seattle_temps "
        "WHERE date >= TIMESTAMP '2010-03-02 00:00:00' ORDER BY rowid LIMIT 4",
    )
    add(
        "How many hours after the first reading was the coldest reading of the year taken?",
        "WINDOW first_reading = MIN(date)\nSORT temp\nLIMIT 1\n"
        "DERIVE hours_later = DATE_DIFF('hour', first_reading, date)\n"
        "SELECT date, temp, hours_later",
        "SELECT date, temp, date_diff('hour', (SELECT min(date) FROM seattle_temps), date) AS "
        "hours_later FROM seattle_temps ORDER BY temp, rowid LIMIT 1",
    )
    add(
        "Is it warmer at weekends than on weekdays?",
        "DERIVE weekend = WEEKDAY(date) >= 6\nGROUP_BY weekend COMPUTE avg_temp = AVG(temp)\n"
        "SORT weekend",
        "SELECT isodow(date) >= 6 AS weekend, avg(temp) AS avg_temp FROM seattle_temps "
        "GROUP BY weekend ORDER BY weekend",
    )
    add(
        "How many readings were below freezing (32 °F) in each month that had any?",
        "FILTER temp < 32\nDERIVE m = MONTH(date)\nGROUP_BY m COMPUTE n = COUNT(*)\nSORT m",
        "SELECT month(date) AS m, count(*) AS n FROM seattle_temps WHERE temp < 32 "
        "GROUP BY m ORDER BY m",
    )
    add(
        "What was the largest change between two consecutive readings?",
        "WINDOW change = DIFF(temp) ORDER BY date\nDERIVE size = ABS(change)\nSORT size DESC\n"
        "LIMIT 1\nSELECT date, change",
        "SELECT date, change FROM (SELECT date, rowid AS rid, temp - lag(temp) OVER (ORDER BY "
        "date) AS change FROM seattle_temps) ORDER BY abs(change) DESC NULLS LAST, rid LIMIT 1",
    )
    add(
        "What was the average temperature in each of the first 3 weeks of 2010 (weeks start "
        "on Monday)?",
        "DERIVE week = DATE_TRUNC('week', date)\nGROUP_BY week COMPUTE avg_temp = AVG(temp)\n"
        "SORT week\nLIMIT 3",
        "SELECT date_trunc('week', date) AS week, avg(temp) AS avg_temp FROM seattle_temps "
        "GROUP BY week ORDER BY week LIMIT 3",
    )
    add(
        "How many Monday-based week boundaries lie between the first reading and each reading "
        "of 10 January 2010 that is divisible by 10 hours?",
        "FILTER DATE_TRUNC('day', date) = TIMESTAMP '2010-01-10 00:00:00' AND HOUR(date) % 10 "
        "= 0\nDERIVE weeks = DATE_DIFF('week', TIMESTAMP '2010-01-01 00:00:00', date)\n"
        "SELECT date, weeks",
        "SELECT date, date_diff('day', date_trunc('week', TIMESTAMP '2010-01-01 00:00:00'), "
        "date_trunc('week', date)) // 7 AS weeks FROM seattle_temps WHERE date_trunc('day', "
        "date) = TIMESTAMP '2010-01-10 00:00:00' AND hour(date) % 10 = 0 ORDER BY rowid",
    )
    add(
        "What was the daily temperature range (max minus min of the readings) on the 5 days "
        "with the largest range?",
        "DERIVE day = DATE_TRUNC('day', date)\n"
        "GROUP_BY day COMPUTE temp_range = MAX(temp) - MIN(temp)\nSORT temp_range DESC\nLIMIT 5",
        "SELECT date_trunc('day', date) AS day, max(temp) - min(temp) AS temp_range "
        "FROM seattle_temps GROUP BY day ORDER BY temp_range DESC, min(rowid) LIMIT 5",
    )
    add(
        "What is the running average temperature over the first 6 readings?",
        "LIMIT 6\nWINDOW running_avg = CUMAVG(temp)\nSELECT date, temp, running_avg",
        "SELECT date, temp, avg(temp) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS running_avg FROM (SELECT rowid, * FROM seattle_temps ORDER BY rowid "
        "LIMIT 6) ORDER BY rowid",
    )
    add(
        "Which readings in the first week of July were above 75 °F?",
        "FILTER date BETWEEN TIMESTAMP '2010-07-01 00:00:00' AND TIMESTAMP '2010-07-07 23:59:59'"
        " AND temp > 75\nSELECT date, temp",
        "SELECT date, temp FROM seattle_temps WHERE date BETWEEN TIMESTAMP '2010-07-01 00:00:00'"
        " AND TIMESTAMP '2010-07-07 23:59:59' AND temp > 75 ORDER BY rowid",
    )
    add(
        "How many readings were taken in each quarter?",
        "DERIVE q = QUARTER(date)\nGROUP_BY q COMPUTE readings = COUNT(*)",
        "SELECT quarter(date) AS q, count(*) AS readings FROM seattle_temps GROUP BY q "
        "ORDER BY min(rowid)",
    )
    add(
        "What were the warmest and coldest readings of each month, and their difference?",
        "DERIVE m = MONTH(date)\nGROUP_BY m COMPUTE warmest = MAX(temp), coldest = MIN(temp)\n"
        "DERIVE spread = warmest - coldest\nSORT spread DESC\nLIMIT 3",
        "SELECT month(date) AS m, max(temp) AS warmest, min(temp) AS coldest, max(temp) - "
        "min(temp) AS spread FROM seattle_temps GROUP BY m ORDER BY spread DESC, min(rowid) "
        "LIMIT 3",
    )
    add(
        "On which day of the month and at which hour was the first reading above 80 °F?",
        "FILTER temp > 80\nSORT date\nLIMIT 1\nDERIVE d = DAY(date), m = MONTH(date), "
        "h = HOUR(date)\nSELECT m, d, h, temp",
        "SELECT month(date) AS m, day(date) AS d, hour(date) AS h, temp FROM seattle_temps "
        "WHERE temp > 80 ORDER BY date LIMIT 1",
    )


# --- edge cases: row order, nulls, optimizer-sensitive shapes ------------------------------
def edge_cases(b: Book) -> None:
    pen = partial(b.add, "penguins")
    pen(
        "List the species in order of their heaviest penguin, heaviest first, with the number "
        "of penguins of each.",
        "SORT body_mass_g DESC\nGROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM penguins GROUP BY species "
        "ORDER BY max(body_mass_g) DESC",
    )
    pen(
        "On each island, which species does the lightest penguin belong to?",
        "FILTER body_mass_g IS NOT NULL\nSORT body_mass_g\n"
        "GROUP_BY island COMPUTE lightest_species = FIRST(species)",
        "SELECT island, arg_min(species, body_mass_g * 100000 + rowid) AS lightest_species "
        "FROM penguins WHERE body_mass_g IS NOT NULL GROUP BY island",
        order="bag",
    )
    pen(
        "List every species and year pair once, by species alphabetically and, within a "
        "species, latest year first.",
        "SORT year DESC\nSORT species\nDISTINCT species, year",
        "SELECT DISTINCT species, year FROM penguins ORDER BY species, year DESC",
    )
    pen(
        "Among the first 10 rows of the table, how many penguins are female?",
        "LIMIT 10\nFILTER sex = 'female'\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM (SELECT * FROM penguins ORDER BY rowid LIMIT 10) "
        "WHERE sex = 'female'",
    )
    pen(
        "Show the first 3 penguins with the average body mass of all penguins next to them.",
        "WINDOW overall_avg = AVG(body_mass_g)\nLIMIT 3\nSELECT species, body_mass_g, overall_avg",
        "SELECT species, body_mass_g, (SELECT avg(body_mass_g) FROM penguins) AS overall_avg "
        "FROM penguins ORDER BY rowid LIMIT 3",
    )
    pen(
        "Express body mass in kilograms and count the penguins over 5 kg.",
        "DERIVE body_mass_g = body_mass_g / 1000\nFILTER body_mass_g > 5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE body_mass_g / 1000 > 5",
    )
    pen(
        "How many penguins are not recorded as male (penguins with unknown sex do not count)?",
        "FILTER NOT (sex = 'male')\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE NOT (sex = 'male')",
    )
    pen(
        "Divide each penguin's mass by the number of years since 2007; how many penguins get "
        "a value in each year (division by zero gives nothing)?",
        "DERIVE per_year = body_mass_g / (year - 2007)\n"
        "GROUP_BY year COMPUTE with_value = COUNT(per_year)\nSORT year",
        "SELECT year, count(body_mass_g / nullif(year - 2007, 0)) AS with_value FROM penguins "
        "GROUP BY year ORDER BY year",
    )
    pen(
        "What are the bill lengths of the first 6 penguins as whole numbers (CAST rounds "
        "halves away from zero)?",
        "FILTER bill_length_mm IS NOT NULL\nLIMIT 6\n"
        "DERIVE whole = CAST(bill_length_mm, 'integer')\nSELECT bill_length_mm, whole",
        "SELECT bill_length_mm, CAST(bill_length_mm AS BIGINT) AS whole FROM penguins "
        "WHERE bill_length_mm IS NOT NULL ORDER BY rowid LIMIT 6",
    )
    pen(
        "How many Emperor penguins are there, and what is their average and total mass?",
        "FILTER species = 'Emperor'\n"
        "AGGREGATE n = COUNT(*), avg_mass = AVG(body_mass_g), total = SUM(body_mass_g)",
        "SELECT count(*) AS n, avg(body_mass_g) AS avg_mass, sum(body_mass_g) AS total "
        "FROM penguins WHERE species = 'Emperor'",
    )
    pen(
        "Label the Torgersen penguins of 2007 like 'Adelie-female'; penguins of unknown sex "
        "get just 'Adelie-'.",
        "FILTER island = 'Torgersen' AND year = 2007\nDERIVE label = CONCAT(species, '-', sex)\n"
        "GROUP_BY label COMPUTE n = COUNT(*)",
        "SELECT concat(species, '-', sex) AS label, count(*) AS n FROM penguins "
        "WHERE island = 'Torgersen' AND year = 2007 GROUP BY label",
        order="bag",
    )
    pen(
        "For penguins whose bill is not measured, what is the larger of bill length and bill "
        "depth?",
        "FILTER bill_length_mm IS NULL\nDERIVE larger = GREATEST(bill_length_mm, bill_depth_mm)"
        "\nSELECT species, larger",
        "SELECT species, greatest(bill_length_mm, bill_depth_mm) AS larger FROM penguins "
        "WHERE bill_length_mm IS NULL ORDER BY rowid",
    )
    pen(
        "What is the year modulo the number of years since 2007, per year (modulo zero gives "
        "nothing)?",
        "DISTINCT year\nDERIVE m = year % (year - 2007)\nSORT year",
        "SELECT DISTINCT year, year % nullif(year - 2007, 0) AS m FROM penguins ORDER BY year",
    )
    pen(
        "Sort the penguins by body mass, heaviest first but penguins without a mass first; "
        "show the first 4.",
        "SORT body_mass_g DESC NULLS FIRST\nLIMIT 4\nSELECT species, island, body_mass_g",
        "SELECT species, island, body_mass_g FROM penguins "
        "ORDER BY body_mass_g DESC NULLS FIRST, rowid LIMIT 4",
    )
    pen(
        "What was the body mass of the penguin measured 5 rows earlier on the same island, "
        "for the first 6 Dream penguins?",
        "WINDOW earlier = LAG(body_mass_g, offset => 5) PARTITION BY island\n"
        "FILTER island = 'Dream'\nLIMIT 6\nSELECT body_mass_g, earlier",
        "SELECT body_mass_g, earlier FROM (SELECT rowid AS rid, island, body_mass_g, "
        "lag(body_mass_g, 5) OVER (PARTITION BY island ORDER BY rowid) AS earlier "
        "FROM penguins) WHERE island = 'Dream' ORDER BY rid LIMIT 6",
    )
    pen(
        "Rank the Biscoe penguins of 2009 by their year (so all are tied): how many penguins "
        "get each rank?",
        "FILTER island = 'Biscoe' AND year = 2009\nWINDOW r = RANK() ORDER BY year\n"
        "GROUP_BY r COMPUTE n = COUNT(*)",
        "SELECT 1 AS r, count(*) AS n FROM penguins WHERE island = 'Biscoe' AND year = 2009",
    )
    pen(
        "How many penguins weigh more than 4500 g once constants are worked out (4000 + 500)?",
        "FILTER body_mass_g > 4000 + 500 AND 1 = 1\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE body_mass_g > 4500",
    )
    pen(
        "List the distinct measurement years as two-digit years (7 for 2007), in order.",
        "DERIVE year = year - 2000\nDISTINCT year\nSORT year",
        "SELECT DISTINCT year - 2000 AS year FROM penguins ORDER BY year",
    )
    air = partial(b.add, "airports")
    air(
        "How many airport codes are pure numbers, and what is the largest such code?",
        "DERIVE code_number = TRY_CAST(iata, 'integer')\n"
        "AGGREGATE numeric_codes = COUNT(code_number), largest = MAX(code_number)",
        "SELECT count(n) AS numeric_codes, max(n) AS largest FROM (SELECT CASE WHEN "
        "regexp_full_match(trim(iata), '[+-]?[0-9]+') THEN CAST(iata AS BIGINT) END AS n "
        "FROM airports)",
    )
    air(
        "Taking the square root of each longitude (only defined for non-negative values), how "
        "many airports get a value?",
        "DERIVE root = SQRT(longitude)\nAGGREGATE with_root = COUNT(root), airports = COUNT(*)",
        "SELECT count(CASE WHEN longitude >= 0 THEN sqrt(longitude) END) AS with_root, count(*) "
        "AS airports FROM airports",
    )
    sw = partial(b.add, "seattle_weather")
    sw(
        "On how many days is the natural log of precipitation defined (precipitation above zero)?",
        "AGGREGATE log_days = COUNT(LN(precipitation)), wet_days = COUNT_IF(precipitation > 0)",
        "SELECT count(CASE WHEN precipitation > 0 THEN ln(precipitation) END) AS log_days, "
        "count(*) FILTER (WHERE precipitation > 0) AS wet_days FROM seattle_weather",
    )
    sw(
        "For how many days can a day-over-day percentage change of precipitation be computed "
        "(the previous day must have had rain)?",
        "WINDOW change = PCT_CHANGE(precipitation) ORDER BY date\n"
        "AGGREGATE with_change = COUNT(change)",
        "SELECT count(change) AS with_change FROM (SELECT (precipitation - lag(precipitation) "
        "OVER (ORDER BY date)) / nullif(lag(precipitation) OVER (ORDER BY date), 0) AS change "
        "FROM seattle_weather)",
    )
    sw(
        "What share of each month's rain fell on each day? Count the days without a share "
        "(months with no rain at all give none).",
        "DERIVE month = DATE_TRUNC('month', date)\n"
        "WINDOW share = SHARE(precipitation) PARTITION BY month\n"
        "AGGREGATE without_share = COUNT_IF(share IS NULL)",
        "SELECT count(*) FILTER (WHERE share IS NULL) AS without_share FROM (SELECT "
        "precipitation / nullif(sum(precipitation) OVER (PARTITION BY date_trunc('month', "
        "date)), 0) AS share FROM seattle_weather)",
    )
    sw(
        "Write each of the first 3 dates as text, read it back with CAST, and check the day after.",
        "LIMIT 3\nDERIVE text = CAST(date, 'string')\nDERIVE back = CAST(text, 'date')\n"
        "DERIVE next_day = DATE_DIFF('day', back, DATE '2012-01-02')\nSELECT text, back, next_day",
        "SELECT CAST(date AS VARCHAR) AS text, date AS back, date_diff('day', date, "
        "DATE '2012-01-02') AS next_day FROM seattle_weather ORDER BY rowid LIMIT 3",
    )


# --- absolute gaps (SUB_ABS) ---------------------------------------------------------------
def absolute_gaps(b: Book) -> None:
    """Questions about absolute differences: enough SUB_ABS plans to tell SUB_ABS from ABS_DIFF.

    The naming experiment (docs/evaluation.md) compares how often a model answers these right
    when the operation is shown under either name; with a handful of them no split of the
    discordant pairs could reach p < 0.05."""
    pen = partial(b.add, "penguins")
    pen(
        "Which penguin has the largest absolute gap between bill length and bill depth? Show "
        "its species, island and the gap.",
        "DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)\nSORT gap DESC\nLIMIT 1\n"
        "SELECT species, island, gap",
        "SELECT species, island, abs(bill_length_mm - bill_depth_mm) AS gap FROM penguins "
        "ORDER BY gap DESC NULLS LAST, rowid LIMIT 1",
    )
    pen(
        "How many penguins weigh within 100 g of 4 kg, either side?",
        "FILTER SUB_ABS(body_mass_g, 4000) <= 100\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE abs(body_mass_g - 4000) <= 100",
    )
    pen(
        "How far is each species' average flipper length from 200 mm, whichever side it is on?",
        "GROUP_BY species COMPUTE distance = SUB_ABS(AVG(flipper_length_mm), 200)",
        "SELECT species, abs(avg(flipper_length_mm) - 200) AS distance FROM penguins "
        "GROUP BY species",
        order="bag",
    )
    pen(
        "On each island, how many grams separate the heaviest penguin from the lightest one?",
        "GROUP_BY island COMPUTE spread = SUB_ABS(MAX(body_mass_g), MIN(body_mass_g))",
        "SELECT island, abs(max(body_mass_g) - min(body_mass_g)) AS spread FROM penguins "
        "GROUP BY island",
        order="bag",
    )
    pen(
        "Which 3 penguins are closest in body mass to the overall average? Give species, sex "
        "and how far off they are.",
        "WINDOW avg_mass = AVG(body_mass_g)\nDERIVE off = SUB_ABS(body_mass_g, avg_mass)\n"
        "SORT off\nLIMIT 3\nSELECT species, sex, off",
        "SELECT species, sex, abs(body_mass_g - (SELECT avg(body_mass_g) FROM penguins)) AS off "
        "FROM penguins ORDER BY off NULLS LAST, rowid LIMIT 3",
    )
    pen(
        "By how many grams do male and female Chinstrap penguins differ in average mass, as a "
        "positive number?",
        "FILTER species = 'Chinstrap'\nAGGREGATE mass_gap = SUB_ABS(AVG(body_mass_g, where => "
        "sex = 'male'), AVG(body_mass_g, where => sex = 'female'))",
        "SELECT abs(avg(body_mass_g) FILTER (WHERE sex = 'male') - avg(body_mass_g) FILTER "
        "(WHERE sex = 'female')) AS mass_gap FROM penguins WHERE species = 'Chinstrap'",
    )
    pen(
        "What is the mean absolute difference between flipper length and bill length for each "
        "sex, unknown sex included?",
        "GROUP_BY sex COMPUTE mean_gap = AVG(SUB_ABS(flipper_length_mm, bill_length_mm))",
        "SELECT sex, avg(abs(flipper_length_mm - bill_length_mm)) AS mean_gap FROM penguins "
        "GROUP BY sex",
        order="bag",
    )
    pen(
        "How many Gentoo penguins have a bill depth more than 1 mm away from 15 mm?",
        "FILTER species = 'Gentoo' AND SUB_ABS(bill_depth_mm, 15) > 1\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE species = 'Gentoo' "
        "AND abs(bill_depth_mm - 15) > 1",
    )
    pen(
        "Which Adelie penguin's body mass deviates most from the average mass of Adelie "
        "penguins of the same sex? Ignore penguins of unknown sex.",
        "FILTER species = 'Adelie' AND sex IS NOT NULL\n"
        "WINDOW sex_avg = AVG(body_mass_g) PARTITION BY sex\n"
        "DERIVE deviation = SUB_ABS(body_mass_g, sex_avg)\nSORT deviation DESC\nLIMIT 1\n"
        "SELECT island, sex, body_mass_g, deviation",
        "SELECT island, sex, body_mass_g, abs(body_mass_g - avg(body_mass_g) OVER "
        "(PARTITION BY sex)) AS deviation FROM penguins WHERE species = 'Adelie' "
        "AND sex IS NOT NULL ORDER BY deviation DESC NULLS LAST, rowid LIMIT 1",
    )

    car = partial(b.add, "cars")
    car(
        "Which 5 cars have a horsepower furthest from 100 hp in either direction? Ties in data "
        "order.",
        "DERIVE distance = SUB_ABS(Horsepower, 100)\nSORT distance DESC\nLIMIT 5\n"
        "SELECT Name, Horsepower, distance",
        "SELECT Name, Horsepower, abs(Horsepower - 100) AS distance FROM cars "
        "ORDER BY distance DESC NULLS LAST, rowid LIMIT 5",
    )
    car(
        "How many cars get within half a mile per gallon of 25 mpg?",
        "FILTER SUB_ABS(Miles_per_Gallon, 25) <= 0.5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE abs(Miles_per_Gallon - 25) <= 0.5",
    )
    car(
        "Which 3 cars differ most in weight from the average car with the same number of "
        "cylinders?",
        "WINDOW cyl_avg = AVG(Weight_in_lbs) PARTITION BY Cylinders\n"
        "DERIVE off = SUB_ABS(Weight_in_lbs, cyl_avg)\nSORT off DESC\nLIMIT 3\n"
        "SELECT Name, Cylinders, Weight_in_lbs, off",
        "SELECT Name, Cylinders, Weight_in_lbs, abs(Weight_in_lbs - avg(Weight_in_lbs) OVER "
        "(PARTITION BY Cylinders)) AS off FROM cars ORDER BY off DESC NULLS LAST, rowid LIMIT 3",
    )
    car(
        "On average, how far is a car's fuel economy from 20 mpg, per origin?",
        "GROUP_BY Origin COMPUTE avg_distance = AVG(SUB_ABS(Miles_per_Gallon, 20))",
        "SELECT Origin, avg(abs(Miles_per_Gallon - 20)) AS avg_distance FROM cars GROUP BY Origin",
        order="bag",
    )
    car(
        "For each origin, what is the absolute difference between the average mpg of 4-cylinder "
        "and 6-cylinder cars?",
        "GROUP_BY Origin COMPUTE mpg_gap = SUB_ABS(AVG(Miles_per_Gallon, where => Cylinders = "
        "4), AVG(Miles_per_Gallon, where => Cylinders = 6))",
        "SELECT Origin, abs(avg(Miles_per_Gallon) FILTER (WHERE Cylinders = 4) - "
        "avg(Miles_per_Gallon) FILTER (WHERE Cylinders = 6)) AS mpg_gap FROM cars "
        "GROUP BY Origin",
        order="bag",
    )
    car(
        "Which cars have an acceleration time exactly as far from 15 seconds as the most "
        "extreme car? List all such cars.",
        "DERIVE off = SUB_ABS(Acceleration, 15)\nSORT off DESC\nLIMIT 1 WITH TIES\n"
        "SELECT Name, Acceleration, off",
        "SELECT Name, Acceleration, abs(Acceleration - 15) AS off FROM cars WHERE "
        "abs(Acceleration - 15) = (SELECT max(abs(Acceleration - 15)) FROM cars) ORDER BY rowid",
    )

    sw = partial(b.add, "seattle_weather")
    sw(
        "On how many days did the maximum temperature differ from the previous day's by more "
        "than 5 degrees, up or down?",
        "WINDOW previous = LAG(temp_max) ORDER BY date\n"
        "FILTER SUB_ABS(temp_max, previous) > 5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM (SELECT temp_max, lag(temp_max) OVER (ORDER BY date) AS "
        "previous FROM seattle_weather) WHERE abs(temp_max - previous) > 5",
    )
    sw(
        "Which 3 days saw the biggest swing in wind speed compared with the day before, in "
        "either direction?",
        "WINDOW previous = LAG(wind) ORDER BY date\nDERIVE swing = SUB_ABS(wind, previous)\n"
        "SORT swing DESC\nLIMIT 3\nSELECT date, wind, swing",
        "SELECT date, wind, abs(wind - lag(wind) OVER (ORDER BY date)) AS swing "
        "FROM seattle_weather ORDER BY swing DESC NULLS LAST, rowid LIMIT 3",
    )
    sw(
        "For each kind of weather, what is the average absolute gap between the day's maximum "
        "and minimum temperature?",
        "GROUP_BY weather COMPUTE avg_gap = AVG(SUB_ABS(temp_max, temp_min))",
        "SELECT weather, avg(abs(temp_max - temp_min)) AS avg_gap FROM seattle_weather "
        "GROUP BY weather",
        order="bag",
    )
    sw(
        "Which month of 2014 had an average maximum temperature closest to 15 degrees?",
        "FILTER YEAR(date) = 2014\nDERIVE m = MONTH(date)\n"
        "GROUP_BY m COMPUTE off = SUB_ABS(AVG(temp_max), 15)\nSORT off\nLIMIT 1",
        "SELECT month(date) AS m, abs(avg(temp_max) - 15) AS off FROM seattle_weather "
        "WHERE year(date) = 2014 GROUP BY m ORDER BY off, min(rowid) LIMIT 1",
    )
    sw(
        "How many days had a minimum temperature no more than one degree away from freezing "
        "(0 degrees)?",
        "FILTER SUB_ABS(temp_min, 0) <= 1\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_weather WHERE abs(temp_min - 0) <= 1",
    )

    st = partial(b.add, "stocks")
    st(
        "In which month did IBM's price move the most from the month before, up or down?",
        "FILTER symbol = 'IBM'\nWINDOW previous = LAG(price) ORDER BY date\n"
        "DERIVE move = SUB_ABS(price, previous)\nSORT move DESC\nLIMIT 1\n"
        "SELECT date, price, move",
        "SELECT date, price, abs(price - lag(price) OVER (ORDER BY date)) AS move FROM stocks "
        "WHERE symbol = 'IBM' ORDER BY move DESC NULLS LAST, rowid LIMIT 1",
    )
    st(
        "What is the average size of a monthly price move for each stock, ignoring its direction?",
        "WINDOW previous = LAG(price) PARTITION BY symbol ORDER BY date\n"
        "DERIVE move = SUB_ABS(price, previous)\nGROUP_BY symbol COMPUTE avg_move = AVG(move)",
        "SELECT symbol, avg(move) AS avg_move FROM (SELECT symbol, abs(price - lag(price) OVER "
        "(PARTITION BY symbol ORDER BY date)) AS move FROM stocks) GROUP BY symbol",
        order="bag",
    )
    st(
        "How far apart were the Microsoft and IBM share prices on 1 January 2005?",
        "FILTER date = DATE '2005-01-01'\nAGGREGATE gap = SUB_ABS(MAX(price, where => symbol = "
        "'MSFT'), MAX(price, where => symbol = 'IBM'))",
        "SELECT abs(max(price) FILTER (WHERE symbol = 'MSFT') - max(price) FILTER (WHERE symbol "
        "= 'IBM')) AS gap FROM stocks WHERE date = DATE '2005-01-01'",
    )
    st(
        "In how many months was Google's price within 20 dollars of 500?",
        "FILTER symbol = 'GOOG' AND SUB_ABS(price, 500) <= 20\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM stocks WHERE symbol = 'GOOG' AND abs(price - 500) <= 20",
    )

    iris = partial(b.add, "iris")
    iris(
        "Which flower has the largest absolute difference between its sepal length and its "
        "petal length? Include ties.",
        "DERIVE gap = SUB_ABS(sepalLength, petalLength)\nSORT gap DESC\nLIMIT 1 WITH TIES\n"
        "SELECT species, sepalLength, petalLength, gap",
        "SELECT species, sepalLength, petalLength, abs(sepalLength - petalLength) AS gap "
        "FROM iris WHERE abs(sepalLength - petalLength) = (SELECT max(abs(sepalLength - "
        "petalLength)) FROM iris) ORDER BY rowid",
    )
    iris(
        "What is the average absolute gap between sepal width and petal width in each species?",
        "GROUP_BY species COMPUTE avg_gap = AVG(SUB_ABS(sepalWidth, petalWidth))",
        "SELECT species, avg(abs(sepalWidth - petalWidth)) AS avg_gap FROM iris GROUP BY species",
        order="bag",
    )
    iris(
        "How many virginica flowers have a petal length within 0.3 cm of 5.5 cm?",
        "FILTER species = 'virginica' AND SUB_ABS(petalLength, 5.5) <= 0.3\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM iris WHERE species = 'virginica' "
        "AND abs(petalLength - 5.5) <= 0.3",
    )

    bar = partial(b.add, "barley")
    bar(
        "At Waseca, by how much did each variety's yield differ between 1931 and 1932, whichever "
        "year was higher?",
        "FILTER site = 'Waseca'\nGROUP_BY variety COMPUTE change = SUB_ABS(SUM(yield, where => "
        "year = 1931), SUM(yield, where => year = 1932))",
        "SELECT variety, abs(sum(yield) FILTER (WHERE year = 1931) - sum(yield) FILTER (WHERE "
        "year = 1932)) AS change FROM barley WHERE site = 'Waseca' GROUP BY variety",
        order="bag",
    )
    bar(
        "Which site has the biggest absolute difference between its best and its worst yield?",
        "GROUP_BY site COMPUTE spread = SUB_ABS(MAX(yield), MIN(yield))\nSORT spread DESC\nLIMIT 1",
        "SELECT site, abs(max(yield) - min(yield)) AS spread FROM barley GROUP BY site "
        "ORDER BY spread DESC, min(rowid) LIMIT 1",
    )
    bar(
        "How many barley yields lie within 2 bushels of 30?",
        "FILTER SUB_ABS(yield, 30) <= 2\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM barley WHERE abs(yield - 30) <= 2",
    )

    air = partial(b.add, "airports")
    air(
        "Which airport lies closest to the meridian 100 degrees west (longitude -100)?",
        "DERIVE off = SUB_ABS(longitude, -100)\nSORT off\nLIMIT 1\nSELECT iata, name, state, off",
        "SELECT iata, name, state, abs(longitude - (-100)) AS off FROM airports "
        "ORDER BY off NULLS LAST, rowid LIMIT 1",
    )
    air(
        "How many airports are within half a degree of latitude of the 40th parallel north?",
        "FILTER SUB_ABS(latitude, 40) <= 0.5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airports WHERE abs(latitude - 40) <= 0.5",
    )

    emp = partial(b.add, "us_employment")
    emp(
        "In which month was the gap between government and manufacturing employment smallest, "
        "in absolute terms?",
        "DERIVE gap = SUB_ABS(government, manufacturing)\nSORT gap\nLIMIT 1\nSELECT month, gap",
        "SELECT month, abs(government - manufacturing) AS gap FROM us_employment "
        "ORDER BY gap, rowid LIMIT 1",
    )
    emp(
        "What was the average absolute month-to-month change in construction employment in "
        "each year?",
        "WINDOW previous = LAG(construction) ORDER BY month\n"
        "DERIVE move = SUB_ABS(construction, previous), y = YEAR(month)\n"
        "GROUP_BY y COMPUTE avg_move = AVG(move)\nSORT y",
        "SELECT year(month) AS y, avg(move) AS avg_move FROM (SELECT month, abs(construction - "
        "lag(construction) OVER (ORDER BY month)) AS move FROM us_employment) GROUP BY y "
        "ORDER BY y",
    )
    emp(
        "In how many months did retail trade and leisure and hospitality employment differ by "
        "less than 1,500 thousand jobs?",
        "FILTER SUB_ABS(retail_trade, leisure_and_hospitality) < 1500\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM us_employment "
        "WHERE abs(retail_trade - leisure_and_hospitality) < 1500",
    )

    iowa = partial(b.add, "iowa_electricity")
    iowa(
        "In which year were renewable and nuclear generation in Iowa closest to each other?",
        "GROUP_BY year COMPUTE gap = SUB_ABS(SUM(net_generation, where => source = "
        "'Renewables'), SUM(net_generation, where => source = 'Nuclear Energy'))\n"
        "SORT gap\nLIMIT 1",
        "SELECT year, abs(sum(net_generation) FILTER (WHERE source = 'Renewables') - "
        "sum(net_generation) FILTER (WHERE source = 'Nuclear Energy')) AS gap "
        "FROM iowa_electricity GROUP BY year ORDER BY gap, min(rowid) LIMIT 1",
    )
    iowa(
        "What was the largest year-over-year swing in fossil-fuel generation, up or down, and "
        "in which year?",
        "FILTER source = 'Fossil Fuels'\nWINDOW previous = LAG(net_generation) ORDER BY year\n"
        "DERIVE swing = SUB_ABS(net_generation, previous)\nSORT swing DESC\nLIMIT 1\n"
        "SELECT year, swing",
        "SELECT year, abs(net_generation - lag(net_generation) OVER (ORDER BY year)) AS swing "
        "FROM iowa_electricity WHERE source = 'Fossil Fuels' "
        "ORDER BY swing DESC NULLS LAST, rowid LIMIT 1",
    )

    temps = partial(b.add, "seattle_temps")
    temps(
        "How many readings were within 2 °F of the mean temperature of the whole year?",
        "WINDOW mean = AVG(temp)\nFILTER SUB_ABS(temp, mean) <= 2\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_temps "
        "WHERE abs(temp - (SELECT avg(temp) FROM seattle_temps)) <= 2",
    )
    temps(
        "At which hour of the day is the average temperature closest to 55 °F?",
        "DERIVE hour = HOUR(date)\nGROUP_BY hour COMPUTE off = SUB_ABS(AVG(temp), 55)\n"
        "SORT off\nLIMIT 1",
        "SELECT hour(date) AS hour, abs(avg(temp) - 55) AS off FROM seattle_temps "
        "GROUP BY hour ORDER BY off, min(rowid) LIMIT 1",
    )


SECTIONS: tuple[Callable[[Book], None], ...] = (
    penguins,
    cars,
    seattle_weather,
    stocks,
    iris,
    barley,
    airports,
    us_employment,
    iowa_electricity,
    seattle_temps,
    edge_cases,
    absolute_gaps,
)


def all_examples() -> Book:
    book = Book()
    for section in SECTIONS:
        section(book)
    return book


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, help="rewrite tables/*.csv from unpacked wheels")
    args = parser.parse_args(argv)
    if args.prepare:
        for name, n in prepare_tables(args.prepare).items():
            print(f"{name}: {n} rows")
    book = all_examples()
    records, failures = build(book, load_frames())
    write(records)
    print(f"{len(records)} examples written to {OUT}; {failures} disagree with pesql")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
