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
from pesql.compiler.types import Schema
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.runtime.execute import compile
from pesql.runtime.tables import load_table

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


def load_frames() -> dict[str, pl.DataFrame]:
    """Every table as pesql loads it (cleaned CSV), collected."""
    return {path.stem: load_table(path).frame.collect() for path in sorted(TABLES.glob("*.csv"))}


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
        self.examples.append(Example(table, question, plan, sql, order, "required", tags))


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
    compiled = compile(plan, {plan["table"]: Schema.from_polars(frame.schema)})
    return frame_result(compiled.collect({plan["table"]: frame}).frame)


def build(book: Book, frames: dict[str, pl.DataFrame]) -> tuple[list[dict[str, Any]], int]:
    """The JSONL records, and how many gold plans disagree with their reference SQL."""
    con = duckdb_with(frames)
    counters: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    failures = 0
    for ex in book.examples:
        counters[ex.table] = counters.get(ex.table, 0) + 1
        ident = f"{ex.table.replace('_', '-')}-{counters[ex.table]:04d}"
        plan = plan_json(ex.table, ex.plan)
        expected = frame_result(con.sql(ex.sql).pl())
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


SECTIONS: tuple[Callable[[Book], None], ...] = (penguins, cars)


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
