"""Build examples/datasets/eval-set/examples.jsonl: held-out questions for evaluating models.

tables-qa is the training set (`pesql finetune export` turns it into a fine-tuning file), so a
model fine-tuned on it cannot be evaluated on it: every question would be leakage (E711). This
set asks other questions, written separately, about eight of the tables-qa tables (copied
byte for byte) and four tables tables-qa does not have (tagged `new_table`: the model has
never seen their columns). As in build_tables_qa.py, each example is a question, a p-SQL plan
and an independent DuckDB query; `expected` is what DuckDB returns over the frames pesql
loads, and every gold plan is run by pesql too, with every disagreement printed.

    python examples/datasets/build_eval_set.py            # rebuild examples.jsonl, report
    python examples/datasets/build_eval_set.py --prepare /tmp/dl   # (re)write tables/*.csv

`--prepare DIR` copies the shared tables from tables-qa/tables and converts the new ones from
the unpacked vega_datasets 0.9.0 wheel (`DIR/vd/vega_datasets/_data/`). The build stops when a
question repeats a tables-qa question (normalized as `pesql finetune validate` does) or is a
near-duplicate of one (token Jaccard >= 0.9, as `pesql dataset validate` measures).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from functools import partial
from pathlib import Path

from build_tables_qa import TABLES as QA_TABLES
from build_tables_qa import Book, build, duckdb_with, load_frames, write
from build_tables_qa import _json_to_csv as json_to_csv
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.evals.datasets.validate import normalize_question, similar_pairs

HERE = Path(__file__).resolve().parent
DATASET = HERE / "eval-set"
TABLES = DATASET / "tables"
OUT = DATASET / "examples.jsonl"
QA = HERE / "tables-qa"

SHARED = (
    "penguins",
    "cars",
    "seattle_weather",
    "stocks",
    "iris",
    "barley",
    "us_employment",
    "iowa_electricity",
)
NEW = {
    "ohlc": "ohlc.json",
    "wheat": "wheat.json",
    "crimea": "crimea.json",
    "driving": "driving.json",
}
NEW_TAG = ("new_table",)


def prepare_tables(root: Path) -> dict[str, int]:
    """Copy the shared tables and convert the new ones; rows per table."""
    vega = root / "vd" / "vega_datasets" / "_data"
    TABLES.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name in SHARED:
        shutil.copyfile(QA_TABLES / f"{name}.csv", TABLES / f"{name}.csv")
        rows[name] = sum(1 for _ in (TABLES / f"{name}.csv").open(encoding="utf-8")) - 1
    for name, source in NEW.items():
        rows[name] = json_to_csv(vega / source, TABLES / f"{name}.csv")
    return rows


# --- the shared tables -----------------------------------------------------------------------
def penguins(b: Book) -> None:
    add = partial(b.add, "penguins")
    add(
        "How many penguins were measured on each island?",
        "GROUP_BY island COMPUTE n = COUNT(*)",
        "SELECT island, count(*) AS n FROM penguins GROUP BY island",
        order="bag",
    )
    add(
        "What is the longest bill among Chinstrap penguins?",
        "FILTER species = 'Chinstrap'\nAGGREGATE longest = MAX(bill_length_mm)",
        "SELECT max(bill_length_mm) AS longest FROM penguins WHERE species = 'Chinstrap'",
    )
    add(
        "How many female Gentoo penguins were measured in 2008?",
        "FILTER species = 'Gentoo' AND sex = 'female' AND year = 2008\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE species = 'Gentoo' AND sex = 'female' "
        "AND year = 2008",
    )
    add(
        "What is the average flipper length of male and of female penguins? Leave out penguins "
        "of unknown sex.",
        "FILTER sex IS NOT NULL\nGROUP_BY sex COMPUTE avg_flipper = AVG(flipper_length_mm)",
        "SELECT sex, avg(flipper_length_mm) AS avg_flipper FROM penguins WHERE sex IS NOT NULL "
        "GROUP BY sex",
        order="bag",
    )
    add(
        "Which 4 penguins have the deepest bills? Show species, island and bill depth.",
        "SORT bill_depth_mm DESC\nLIMIT 4\nSELECT species, island, bill_depth_mm",
        "SELECT species, island, bill_depth_mm FROM penguins "
        "ORDER BY bill_depth_mm DESC NULLS LAST, rowid LIMIT 4",
    )
    add(
        "Which Gentoo penguin's flipper length is furthest from the Gentoo average flipper length?",
        "FILTER species = 'Gentoo'\nWINDOW avg_flipper = AVG(flipper_length_mm)\n"
        "DERIVE off = SUB_ABS(flipper_length_mm, avg_flipper)\nSORT off DESC\nLIMIT 1\n"
        "SELECT island, sex, flipper_length_mm, off",
        "SELECT island, sex, flipper_length_mm, abs(flipper_length_mm - avg(flipper_length_mm) "
        "OVER ()) AS off FROM penguins WHERE species = 'Gentoo' "
        "ORDER BY off DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "How many penguins have a bill depth within 0.5 mm of 18 mm?",
        "FILTER SUB_ABS(bill_depth_mm, 18) <= 0.5\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM penguins WHERE abs(bill_depth_mm - 18) <= 0.5",
    )
    add(
        "On each island, what is the absolute difference between the average bill length of "
        "males and that of females?",
        "GROUP_BY island COMPUTE gap = SUB_ABS(AVG(bill_length_mm, where => sex = 'male'), "
        "AVG(bill_length_mm, where => sex = 'female'))",
        "SELECT island, abs(avg(bill_length_mm) FILTER (WHERE sex = 'male') - "
        "avg(bill_length_mm) FILTER (WHERE sex = 'female')) AS gap FROM penguins GROUP BY island",
        order="bag",
    )
    add(
        "What share of the penguins on Dream island are Chinstrap penguins?",
        "FILTER island = 'Dream'\nAGGREGATE share = COUNT_IF(species = 'Chinstrap') / COUNT(*)",
        "SELECT count(*) FILTER (WHERE species = 'Chinstrap') / count(*) AS share "
        "FROM penguins WHERE island = 'Dream'",
    )
    add(
        "In which year were the most penguins measured?",
        "GROUP_BY year COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 1",
        "SELECT year, count(*) AS n FROM penguins GROUP BY year ORDER BY n DESC, min(rowid) "
        "LIMIT 1",
    )
    add(
        "What is the average body mass of penguins whose flippers are at least 210 mm long, "
        "rounded to whole grams?",
        "FILTER flipper_length_mm >= 210\nAGGREGATE avg_mass = ROUND(AVG(body_mass_g), 0)",
        "SELECT round(avg(body_mass_g), 0) AS avg_mass FROM penguins "
        "WHERE flipper_length_mm >= 210",
    )
    add(
        "List the Adelie penguins from Biscoe that weigh under 3200 g, with their sex, mass "
        "and year.",
        "FILTER species = 'Adelie' AND island = 'Biscoe' AND body_mass_g < 3200\n"
        "SELECT sex, body_mass_g, year",
        "SELECT sex, body_mass_g, year FROM penguins WHERE species = 'Adelie' "
        "AND island = 'Biscoe' AND body_mass_g < 3200 ORDER BY rowid",
    )


def cars(b: Book) -> None:
    add = partial(b.add, "cars")
    add(
        "How many cars have 8 cylinders?",
        "FILTER Cylinders = 8\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE Cylinders = 8",
    )
    add(
        "What is the average horsepower of the cars from each origin?",
        "GROUP_BY Origin COMPUTE avg_hp = AVG(Horsepower)",
        "SELECT Origin, avg(Horsepower) AS avg_hp FROM cars GROUP BY Origin",
        order="bag",
    )
    add(
        "Which is the lightest car in the data, and what does it weigh?",
        "SORT Weight_in_lbs\nLIMIT 1\nSELECT Name, Weight_in_lbs",
        "SELECT Name, Weight_in_lbs FROM cars ORDER BY Weight_in_lbs NULLS LAST, rowid LIMIT 1",
    )
    add(
        "How many Japanese cars do better than 30 miles per gallon?",
        "FILTER Origin = 'Japan' AND Miles_per_Gallon > 30\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE Origin = 'Japan' AND Miles_per_Gallon > 30",
    )
    add(
        "What is the largest engine displacement for each number of cylinders, fewest "
        "cylinders first?",
        "GROUP_BY Cylinders COMPUTE biggest = MAX(Displacement)\nSORT Cylinders",
        "SELECT Cylinders, max(Displacement) AS biggest FROM cars GROUP BY Cylinders "
        "ORDER BY Cylinders",
    )
    add(
        "Which 3 cars have the biggest absolute difference between their mpg and the average "
        "mpg of cars from the same origin?",
        "WINDOW origin_avg = AVG(Miles_per_Gallon) PARTITION BY Origin\n"
        "DERIVE off = SUB_ABS(Miles_per_Gallon, origin_avg)\nSORT off DESC\nLIMIT 3\n"
        "SELECT Name, Origin, Miles_per_Gallon, off",
        "SELECT Name, Origin, Miles_per_Gallon, abs(Miles_per_Gallon - avg(Miles_per_Gallon) "
        "OVER (PARTITION BY Origin)) AS off FROM cars ORDER BY off DESC NULLS LAST, rowid "
        "LIMIT 3",
    )
    add(
        "How many cars weigh within 100 lbs of 3000 lbs?",
        "FILTER SUB_ABS(Weight_in_lbs, 3000) <= 100\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM cars WHERE abs(Weight_in_lbs - 3000) <= 100",
    )
    add(
        "For each model year, how large is the gap between the average mpg of American and of "
        "Japanese cars, whichever is higher?",
        "DERIVE y = YEAR(Year)\nGROUP_BY y COMPUTE gap = SUB_ABS(AVG(Miles_per_Gallon, where "
        "=> Origin = 'USA'), AVG(Miles_per_Gallon, where => Origin = 'Japan'))\nSORT y",
        "SELECT year(Year) AS y, abs(avg(Miles_per_Gallon) FILTER (WHERE Origin = 'USA') - "
        "avg(Miles_per_Gallon) FILTER (WHERE Origin = 'Japan')) AS gap FROM cars GROUP BY y "
        "ORDER BY y",
    )
    add(
        "What are the 5 most powerful European cars?",
        "FILTER Origin = 'Europe'\nSORT Horsepower DESC\nLIMIT 5\nSELECT Name, Horsepower",
        "SELECT Name, Horsepower FROM cars WHERE Origin = 'Europe' "
        "ORDER BY Horsepower DESC NULLS LAST, rowid LIMIT 5",
    )
    add(
        "What is the average acceleration time of the cars of model year 1975?",
        "FILTER YEAR(Year) = 1975\nAGGREGATE avg_acceleration = AVG(Acceleration)",
        "SELECT avg(Acceleration) AS avg_acceleration FROM cars WHERE year(Year) = 1975",
    )


def seattle_weather(b: Book) -> None:
    add = partial(b.add, "seattle_weather")
    add(
        "How many sunny days were there in 2013?",
        "FILTER weather = 'sun' AND YEAR(date) = 2013\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_weather WHERE weather = 'sun' AND year(date) = 2013",
    )
    add(
        "What was the coldest minimum temperature recorded, and on which days? Include ties.",
        "SORT temp_min\nLIMIT 1 WITH TIES\nSELECT date, temp_min",
        "SELECT date, temp_min FROM seattle_weather WHERE temp_min = (SELECT min(temp_min) "
        "FROM seattle_weather) ORDER BY rowid",
    )
    add(
        "What was the average wind speed in each month of 2012?",
        "FILTER YEAR(date) = 2012\nDERIVE m = MONTH(date)\nGROUP_BY m COMPUTE avg_wind = "
        "AVG(wind)\nSORT m",
        "SELECT month(date) AS m, avg(wind) AS avg_wind FROM seattle_weather "
        "WHERE year(date) = 2012 GROUP BY m ORDER BY m",
    )
    add(
        "Which day of 2015 had the most precipitation?",
        "FILTER YEAR(date) = 2015\nSORT precipitation DESC\nLIMIT 1\nSELECT date, precipitation",
        "SELECT date, precipitation FROM seattle_weather WHERE year(date) = 2015 "
        "ORDER BY precipitation DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "On how many days were the minimum and maximum temperatures more than 10 degrees apart?",
        "FILTER SUB_ABS(temp_max, temp_min) > 10\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_weather WHERE abs(temp_max - temp_min) > 10",
    )
    add(
        "Which 3 days had a maximum temperature furthest from the average maximum of their year?",
        "DERIVE y = YEAR(date)\nWINDOW year_avg = AVG(temp_max) PARTITION BY y\n"
        "DERIVE off = SUB_ABS(temp_max, year_avg)\nSORT off DESC\nLIMIT 3\n"
        "SELECT date, temp_max, off",
        "SELECT date, temp_max, abs(temp_max - avg(temp_max) OVER (PARTITION BY year(date))) "
        "AS off FROM seattle_weather ORDER BY off DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "In which year was the average daily maximum temperature closest to 17 degrees?",
        "DERIVE y = YEAR(date)\nGROUP_BY y COMPUTE off = SUB_ABS(AVG(temp_max), 17)\nSORT off\n"
        "LIMIT 1",
        "SELECT year(date) AS y, abs(avg(temp_max) - 17) AS off FROM seattle_weather "
        "GROUP BY y ORDER BY off, min(rowid) LIMIT 1",
    )
    add(
        "How many rainy days had a wind speed below 2?",
        "FILTER weather = 'rain' AND wind < 2\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM seattle_weather WHERE weather = 'rain' AND wind < 2",
    )
    add(
        "What was the total precipitation in each quarter of 2014?",
        "FILTER YEAR(date) = 2014\nDERIVE q = QUARTER(date)\n"
        "GROUP_BY q COMPUTE total = SUM(precipitation)\nSORT q",
        "SELECT quarter(date) AS q, sum(precipitation) AS total FROM seattle_weather "
        "WHERE year(date) = 2014 GROUP BY q ORDER BY q",
    )


def stocks(b: Book) -> None:
    add = partial(b.add, "stocks")
    add(
        "What was the lowest price of Amazon stock in the data?",
        "FILTER symbol = 'AMZN'\nAGGREGATE lowest = MIN(price)",
        "SELECT min(price) AS lowest FROM stocks WHERE symbol = 'AMZN'",
    )
    add(
        "What was Apple's average price in 2007?",
        "FILTER symbol = 'AAPL' AND YEAR(date) = 2007\nAGGREGATE avg_price = AVG(price)",
        "SELECT avg(price) AS avg_price FROM stocks WHERE symbol = 'AAPL' AND year(date) = 2007",
    )
    add(
        "Which stock had the highest price on 1 June 2006?",
        "FILTER date = DATE '2006-06-01'\nSORT price DESC\nLIMIT 1\nSELECT symbol, price",
        "SELECT symbol, price FROM stocks WHERE date = DATE '2006-06-01' "
        "ORDER BY price DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "How far apart were Microsoft's highest and lowest prices in 2008?",
        "FILTER symbol = 'MSFT' AND YEAR(date) = 2008\n"
        "AGGREGATE spread = SUB_ABS(MAX(price), MIN(price))",
        "SELECT abs(max(price) - min(price)) AS spread FROM stocks WHERE symbol = 'MSFT' "
        "AND year(date) = 2008",
    )
    add(
        "In how many months did Amazon's price move by more than 10 dollars from the month "
        "before, up or down?",
        "FILTER symbol = 'AMZN'\nWINDOW previous = LAG(price) ORDER BY date\n"
        "FILTER SUB_ABS(price, previous) > 10\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM (SELECT price, lag(price) OVER (ORDER BY date) AS "
        "previous FROM stocks WHERE symbol = 'AMZN') WHERE abs(price - previous) > 10",
    )
    add(
        "By how much did each stock's price of January 2010 differ from its price of January "
        "2000, regardless of direction?",
        "GROUP_BY symbol COMPUTE change = SUB_ABS(MAX(price, where => date = DATE "
        "'2010-01-01'), MAX(price, where => date = DATE '2000-01-01'))",
        "SELECT symbol, abs(max(price) FILTER (WHERE date = DATE '2010-01-01') - max(price) "
        "FILTER (WHERE date = DATE '2000-01-01')) AS change FROM stocks GROUP BY symbol",
        order="bag",
    )
    add(
        "What was IBM's highest price in each year from 2005 to 2007?",
        "FILTER symbol = 'IBM' AND YEAR(date) >= 2005 AND YEAR(date) <= 2007\n"
        "DERIVE y = YEAR(date)\nGROUP_BY y COMPUTE highest = MAX(price)\nSORT y",
        "SELECT year(date) AS y, max(price) AS highest FROM stocks WHERE symbol = 'IBM' "
        "AND year(date) BETWEEN 2005 AND 2007 GROUP BY y ORDER BY y",
    )


def iris(b: Book) -> None:
    add = partial(b.add, "iris")
    add(
        "How many flowers of each species have a petal wider than 1.5 cm?",
        "FILTER petalWidth > 1.5\nGROUP_BY species COMPUTE n = COUNT(*)",
        "SELECT species, count(*) AS n FROM iris WHERE petalWidth > 1.5 GROUP BY species",
        order="bag",
    )
    add(
        "What is the shortest sepal in each species?",
        "GROUP_BY species COMPUTE shortest = MIN(sepalLength)",
        "SELECT species, min(sepalLength) AS shortest FROM iris GROUP BY species",
        order="bag",
    )
    add(
        "Which 3 versicolor flowers have petal lengths furthest from 4.3 cm?",
        "FILTER species = 'versicolor'\nDERIVE off = SUB_ABS(petalLength, 4.3)\nSORT off DESC\n"
        "LIMIT 3\nSELECT sepalLength, petalLength, off",
        "SELECT sepalLength, petalLength, abs(petalLength - 4.3) AS off FROM iris "
        "WHERE species = 'versicolor' ORDER BY off DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "For each species, how far apart are the average sepal length and the average petal "
        "length?",
        "GROUP_BY species COMPUTE gap = SUB_ABS(AVG(sepalLength), AVG(petalLength))",
        "SELECT species, abs(avg(sepalLength) - avg(petalLength)) AS gap FROM iris "
        "GROUP BY species",
        order="bag",
    )
    add(
        "What is the average ratio of petal length to petal width for each species, to two "
        "decimals?",
        "GROUP_BY species COMPUTE ratio = ROUND(AVG(petalLength / petalWidth), 2)",
        "SELECT species, round(avg(petalLength / petalWidth), 2) AS ratio FROM iris "
        "GROUP BY species",
        order="bag",
    )
    add(
        "How many flowers have a sepal longer than 7 cm?",
        "FILTER sepalLength > 7\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM iris WHERE sepalLength > 7",
    )


def barley(b: Book) -> None:
    add = partial(b.add, "barley")
    add(
        "What was the total barley yield at each site in 1931?",
        "FILTER year = 1931\nGROUP_BY site COMPUTE total = SUM(yield)",
        "SELECT site, sum(yield) AS total FROM barley WHERE year = 1931 GROUP BY site",
        order="bag",
    )
    add(
        "Which single planting gave the highest yield? Show variety, site, year and yield.",
        "SORT yield DESC\nLIMIT 1\nSELECT variety, site, year, yield",
        "SELECT variety, site, year, yield FROM barley ORDER BY yield DESC NULLS LAST, rowid "
        "LIMIT 1",
    )
    add(
        "How many plantings yielded less than 20 bushels?",
        "FILTER yield < 20\nAGGREGATE n = COUNT(*)",
        "SELECT count(*) AS n FROM barley WHERE yield < 20",
    )
    add(
        "At each site, how much did the 1932 yields of Trebi and Svansota differ, in absolute "
        "terms?",
        "FILTER year = 1932\nGROUP_BY site COMPUTE gap = SUB_ABS(SUM(yield, where => variety = "
        "'Trebi'), SUM(yield, where => variety = 'Svansota'))",
        "SELECT site, abs(sum(yield) FILTER (WHERE variety = 'Trebi') - sum(yield) FILTER "
        "(WHERE variety = 'Svansota')) AS gap FROM barley WHERE year = 1932 GROUP BY site",
        order="bag",
    )
    add(
        "Which variety's average yield is closest to the mean of all the varieties' averages?",
        "GROUP_BY variety COMPUTE avg_yield = AVG(yield)\nWINDOW overall = AVG(avg_yield)\n"
        "DERIVE off = SUB_ABS(avg_yield, overall)\nSORT off\nLIMIT 1\nSELECT variety, off",
        "SELECT variety, abs(a - avg(a) OVER ()) AS off FROM (SELECT variety, avg(yield) AS a, "
        "min(rowid) AS first_row FROM barley GROUP BY variety) ORDER BY off, first_row LIMIT 1",
    )
    add(
        "What was the average yield per year at Morris?",
        "FILTER site = 'Morris'\nGROUP_BY year COMPUTE avg_yield = AVG(yield)\nSORT year",
        "SELECT year, avg(yield) AS avg_yield FROM barley WHERE site = 'Morris' GROUP BY year "
        "ORDER BY year",
    )


def us_employment(b: Book) -> None:
    add = partial(b.add, "us_employment")
    add(
        "What was total nonfarm employment in December 2015?",
        "FILTER month = DATE '2015-12-01'\nSELECT nonfarm",
        "SELECT nonfarm FROM us_employment WHERE month = DATE '2015-12-01'",
    )
    add(
        "In which month was construction employment at its lowest?",
        "SORT construction\nLIMIT 1\nSELECT month, construction",
        "SELECT month, construction FROM us_employment ORDER BY construction, rowid LIMIT 1",
    )
    add(
        "What was the average number of government jobs in each year?",
        "DERIVE y = YEAR(month)\nGROUP_BY y COMPUTE avg_government = AVG(government)\nSORT y",
        "SELECT year(month) AS y, avg(government) AS avg_government FROM us_employment "
        "GROUP BY y ORDER BY y",
    )
    add(
        "In which month were education and health services and professional and business "
        "services closest in size?",
        "DERIVE gap = SUB_ABS(education_and_health_services, "
        "professional_and_business_services)\nSORT gap\nLIMIT 1\nSELECT month, gap",
        "SELECT month, abs(education_and_health_services - professional_and_business_services) "
        "AS gap FROM us_employment ORDER BY gap, rowid LIMIT 1",
    )
    add(
        "In how many months was the change in nonfarm jobs within 50 thousand of the previous "
        "month's change?",
        "WINDOW previous = LAG(nonfarm_change) ORDER BY month\n"
        "FILTER SUB_ABS(nonfarm_change, previous) <= 50\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM (SELECT nonfarm_change, lag(nonfarm_change) OVER "
        "(ORDER BY month) AS previous FROM us_employment) "
        "WHERE abs(nonfarm_change - previous) <= 50",
    )
    add(
        "In how many months of 2009 was manufacturing employment below 12 million (12,000 "
        "thousand)?",
        "FILTER YEAR(month) = 2009 AND manufacturing < 12000\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM us_employment WHERE year(month) = 2009 "
        "AND manufacturing < 12000",
    )


def iowa_electricity(b: Book) -> None:
    add = partial(b.add, "iowa_electricity")
    add(
        "How much electricity did Iowa generate from renewables in 2017?",
        "FILTER source = 'Renewables' AND YEAR(year) = 2017\nSELECT net_generation",
        "SELECT net_generation FROM iowa_electricity WHERE source = 'Renewables' "
        "AND year(year) = 2017",
    )
    add(
        "What was the highest annual nuclear generation?",
        "FILTER source = 'Nuclear Energy'\nAGGREGATE highest = MAX(net_generation)",
        "SELECT max(net_generation) AS highest FROM iowa_electricity "
        "WHERE source = 'Nuclear Energy'",
    )
    add(
        "In which year was fossil-fuel generation furthest from its average over all years?",
        "FILTER source = 'Fossil Fuels'\nWINDOW avg_generation = AVG(net_generation)\n"
        "DERIVE off = SUB_ABS(net_generation, avg_generation)\nSORT off DESC\nLIMIT 1\n"
        "SELECT year, off",
        "SELECT year, abs(net_generation - avg(net_generation) OVER ()) AS off "
        "FROM iowa_electricity WHERE source = 'Fossil Fuels' ORDER BY off DESC, rowid LIMIT 1",
    )
    add(
        "For each year, how far apart were fossil-fuel and renewable generation?",
        "GROUP_BY year COMPUTE gap = SUB_ABS(SUM(net_generation, where => source = 'Fossil "
        "Fuels'), SUM(net_generation, where => source = 'Renewables'))\nSORT year",
        "SELECT year, abs(sum(net_generation) FILTER (WHERE source = 'Fossil Fuels') - "
        "sum(net_generation) FILTER (WHERE source = 'Renewables')) AS gap "
        "FROM iowa_electricity GROUP BY year ORDER BY year",
    )
    add(
        "Which source generated the most electricity over all years together?",
        "GROUP_BY source COMPUTE total = SUM(net_generation)\nSORT total DESC\nLIMIT 1",
        "SELECT source, sum(net_generation) AS total FROM iowa_electricity GROUP BY source "
        "ORDER BY total DESC, min(rowid) LIMIT 1",
    )


# --- tables tables-qa does not have -------------------------------------------------------------
def ohlc(b: Book) -> None:
    add = partial(b.add, "ohlc", tags=NEW_TAG)
    add(
        "On how many trading days did the volatility index close higher than it opened?",
        "FILTER close > open\nAGGREGATE days = COUNT(*)",
        "SELECT count(*) AS days FROM ohlc WHERE close > open",
    )
    add(
        "What was the highest intraday high of the volatility index, and on which day?",
        "SORT high DESC\nLIMIT 1\nSELECT date, high",
        "SELECT date, high FROM ohlc ORDER BY high DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "Which trading day had the largest absolute gap between its opening and closing values?",
        "DERIVE gap = SUB_ABS(close, open)\nSORT gap DESC\nLIMIT 1\nSELECT date, open, close, gap",
        "SELECT date, open, close, abs(close - open) AS gap FROM ohlc "
        "ORDER BY gap DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "What was the average absolute difference between the daily high and low in June 2009?",
        "FILTER MONTH(date) = 6\nAGGREGATE avg_range = AVG(SUB_ABS(high, low))",
        "SELECT avg(abs(high - low)) AS avg_range FROM ohlc WHERE month(date) = 6",
    )
    add(
        "On how many days did the index close within 0.2 points of where it opened?",
        "FILTER SUB_ABS(close, open) <= 0.2\nAGGREGATE days = COUNT(*)",
        "SELECT count(*) AS days FROM ohlc WHERE abs(close - open) <= 0.2",
    )
    add(
        "Which 3 days opened furthest away from the previous day's close?",
        "WINDOW previous_close = LAG(close) ORDER BY date\n"
        "DERIVE gap = SUB_ABS(open, previous_close)\nSORT gap DESC\nLIMIT 3\n"
        "SELECT date, open, previous_close, gap",
        "SELECT date, open, lag(close) OVER (ORDER BY date) AS previous_close, "
        "abs(open - lag(close) OVER (ORDER BY date)) AS gap FROM ohlc "
        "ORDER BY gap DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "How many days carried each trading signal?",
        "GROUP_BY signal COMPUTE days = COUNT(*)",
        "SELECT signal, count(*) AS days FROM ohlc GROUP BY signal",
        order="bag",
    )
    add(
        "What was the average return on days with a short signal, rounded to two decimals?",
        "FILTER signal = 'short'\nAGGREGATE avg_return = ROUND(AVG(ret), 2)",
        "SELECT round(avg(ret), 2) AS avg_return FROM ohlc WHERE signal = 'short'",
    )
    add(
        "What was the lowest closing value in July 2009?",
        "FILTER MONTH(date) = 7\nAGGREGATE lowest_close = MIN(close)",
        "SELECT min(close) AS lowest_close FROM ohlc WHERE month(date) = 7",
    )
    add(
        "What was the highest high seen so far on each of the first 5 trading days?",
        "WINDOW top = CUMMAX(high) ORDER BY date\nLIMIT 5\nSELECT date, high, top",
        "SELECT date, high, max(high) OVER (ORDER BY date) AS top FROM ohlc ORDER BY rowid LIMIT 5",
    )


def wheat(b: Book) -> None:
    add = partial(b.add, "wheat", tags=NEW_TAG)
    add(
        "In which year was wheat most expensive?",
        "SORT wheat DESC\nLIMIT 1\nSELECT year, wheat",
        "SELECT year, wheat FROM wheat ORDER BY wheat DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "For how many years is no wage figure recorded?",
        "FILTER wages IS NULL\nAGGREGATE years = COUNT(*)",
        "SELECT count(*) AS years FROM wheat WHERE wages IS NULL",
    )
    add(
        "What was the average price of wheat in the 1600s (1600 to 1699)?",
        "FILTER year >= 1600 AND year < 1700\nAGGREGATE avg_wheat = AVG(wheat)",
        "SELECT avg(wheat) AS avg_wheat FROM wheat WHERE year >= 1600 AND year < 1700",
    )
    add(
        "In which year was the wheat price closest to ten times the weekly wage?",
        "DERIVE gap = SUB_ABS(wheat, wages * 10)\nSORT gap\nLIMIT 1\n"
        "SELECT year, wheat, wages, gap",
        "SELECT year, wheat, wages, abs(wheat - wages * 10) AS gap FROM wheat "
        "ORDER BY gap NULLS LAST, rowid LIMIT 1",
    )
    add(
        "Which 3 steps of the series saw the largest change in the wheat price from the "
        "previous entry, up or down?",
        "WINDOW previous = LAG(wheat) ORDER BY year\nDERIVE change = SUB_ABS(wheat, previous)\n"
        "SORT change DESC\nLIMIT 3\nSELECT year, wheat, change",
        "SELECT year, wheat, abs(wheat - lag(wheat) OVER (ORDER BY year)) AS change FROM wheat "
        "ORDER BY change DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "In 1800, how many weekly wages did the wheat price amount to, to two decimals?",
        "FILTER year = 1800\nDERIVE weeks = ROUND(wheat / wages, 2)\nSELECT year, weeks",
        "SELECT year, round(wheat / wages, 2) AS weeks FROM wheat WHERE year = 1800",
    )
    add(
        "What was the highest weekly wage recorded, and in which year?",
        "SORT wages DESC\nLIMIT 1\nSELECT year, wages",
        "SELECT year, wages FROM wheat ORDER BY wages DESC NULLS LAST, rowid LIMIT 1",
    )


def crimea(b: Book) -> None:
    add = partial(b.add, "crimea", tags=NEW_TAG)
    add(
        "How many soldiers died of disease over the whole war?",
        "AGGREGATE disease_deaths = SUM(disease)",
        "SELECT sum(disease) AS disease_deaths FROM crimea",
    )
    add(
        "In which month did deaths from wounds peak?",
        "SORT wounds DESC\nLIMIT 1\nSELECT date, wounds",
        "SELECT date, wounds FROM crimea ORDER BY wounds DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "How many deaths from all three causes together were recorded in each year?",
        "DERIVE y = YEAR(date), total = wounds + other + disease\n"
        "GROUP_BY y COMPUTE deaths = SUM(total)\nSORT y",
        "SELECT year(date) AS y, sum(wounds + other + disease) AS deaths FROM crimea "
        "GROUP BY y ORDER BY y",
    )
    add(
        "In which month were the deaths from wounds and the deaths from other causes closest "
        "to each other?",
        "DERIVE gap = SUB_ABS(wounds, other)\nSORT gap\nLIMIT 1\nSELECT date, wounds, other",
        "SELECT date, wounds, other FROM crimea ORDER BY abs(wounds - other), rowid LIMIT 1",
    )
    add(
        "Which months had a number of disease deaths more than 500 away from the monthly "
        "average of the war?",
        "WINDOW avg_disease = AVG(disease)\nFILTER SUB_ABS(disease, avg_disease) > 500\n"
        "SELECT date, disease",
        "SELECT date, disease FROM crimea WHERE abs(disease - (SELECT avg(disease) FROM "
        "crimea)) > 500 ORDER BY rowid",
    )
    add(
        "What was the biggest change in disease deaths from one month to the next, up or "
        "down, and when?",
        "WINDOW previous = LAG(disease) ORDER BY date\nDERIVE change = SUB_ABS(disease, "
        "previous)\nSORT change DESC\nLIMIT 1\nSELECT date, change",
        "SELECT date, abs(disease - lag(disease) OVER (ORDER BY date)) AS change FROM crimea "
        "ORDER BY change DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "In how many months did disease kill more soldiers than wounds and other causes together?",
        "FILTER disease > wounds + other\nAGGREGATE months = COUNT(*)",
        "SELECT count(*) AS months FROM crimea WHERE disease > wounds + other",
    )


def driving(b: Book) -> None:
    add = partial(b.add, "driving", tags=NEW_TAG)
    add(
        "In which year did Americans drive the most miles per person?",
        "SORT miles DESC\nLIMIT 1\nSELECT year, miles",
        "SELECT year, miles FROM driving ORDER BY miles DESC NULLS LAST, rowid LIMIT 1",
    )
    add(
        "What was the average gas price in the 1990s?",
        "FILTER year >= 1990 AND year <= 1999\nAGGREGATE avg_gas = AVG(gas)",
        "SELECT avg(gas) AS avg_gas FROM driving WHERE year BETWEEN 1990 AND 1999",
    )
    add(
        "In which years did gas cost more than 3 dollars a gallon?",
        "FILTER gas > 3\nSELECT year, gas",
        "SELECT year, gas FROM driving WHERE gas > 3 ORDER BY rowid",
    )
    add(
        "Which year's gas price was closest to the average gas price over all the years?",
        "WINDOW avg_gas = AVG(gas)\nDERIVE off = SUB_ABS(gas, avg_gas)\nSORT off\nLIMIT 1\n"
        "SELECT year, gas, off",
        "SELECT year, gas, abs(gas - avg(gas) OVER ()) AS off FROM driving "
        "ORDER BY off NULLS LAST, rowid LIMIT 1",
    )
    add(
        "In which 3 years did the gas price change the most from the year before, in either "
        "direction?",
        "WINDOW previous = LAG(gas) ORDER BY year\nDERIVE change = SUB_ABS(gas, previous)\n"
        "SORT change DESC\nLIMIT 3\nSELECT year, gas, change",
        "SELECT year, gas, abs(gas - lag(gas) OVER (ORDER BY year)) AS change FROM driving "
        "ORDER BY change DESC NULLS LAST, rowid LIMIT 3",
    )
    add(
        "How many miles per person were driven on average in each decade?",
        "DERIVE decade = FLOOR(year / 10) * 10\nGROUP_BY decade COMPUTE avg_miles = AVG(miles)\n"
        "SORT decade",
        "SELECT floor(year / 10) * 10 AS decade, avg(miles) AS avg_miles FROM driving "
        "GROUP BY decade ORDER BY decade",
    )
    add(
        "By how many miles per person did yearly driving grow from 1956 to 2010?",
        "AGGREGATE growth = MAX(miles, where => year = 2010) - MAX(miles, where => year = 1956)",
        "SELECT max(miles) FILTER (WHERE year = 2010) - max(miles) FILTER (WHERE year = 1956) "
        "AS growth FROM driving",
    )


SECTIONS = (
    penguins,
    cars,
    seattle_weather,
    stocks,
    iris,
    barley,
    us_employment,
    iowa_electricity,
    ohlc,
    wheat,
    crimea,
    driving,
)


def all_examples() -> Book:
    book = Book(column_names="ignored")
    for section in SECTIONS:
        section(book)
    return book


def check_held_out(book: Book) -> list[str]:
    """Questions that repeat or nearly repeat a tables-qa question (must be none)."""
    training = [e.question for e in load_dataset(QA).examples]
    held_out = [e.question for e in book.examples]
    problems = []
    seen = {normalize_question(q) for q in training}
    problems += [f"repeats tables-qa: {q}" for q in held_out if normalize_question(q) in seen]
    texts = [normalize_question(q) for q in training + held_out]
    for i, j, score in similar_pairs(texts):
        if (i < len(training)) != (j < len(training)):
            problems.append(f"near-duplicate ({score}): {texts[i]!r} ~ {texts[j]!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", type=Path, help="rewrite tables/*.csv (see the docstring)")
    args = parser.parse_args(argv)
    if args.prepare:
        for name, n in prepare_tables(args.prepare).items():
            print(f"{name}: {n} rows")
    book = all_examples()
    problems = check_held_out(book)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    frames = load_frames(TABLES)
    duckdb_with(frames).close()  # every table loads into DuckDB
    records, failures = build(book, frames, prefix="eval-")
    write(records, OUT)
    print(f"{len(records)} examples written to {OUT}; {failures} disagree with pesql")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
