"""Every W-code is listed in docs/checking.md with an example that triggers it and one that
must not (the examples run in tests/test_docs.py); the bundled datasets' gold plans run with
no warning, except those listed here with the reason the warning is right (issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

from pesql.grammar.diagnostics import CODES
from pesql.runtime.engine.execute import compile
from pesql.runtime.evals.datasets.load import load_dataset

ROOT = Path(__file__).resolve().parents[2]
CHECKING = (ROOT / "docs" / "checking.md").read_text("utf-8")

# Gold plans whose warning is right: the answer depends on the data order among tied rows
# (W305), the question's answer is empty (W302), or the value asked about is absent (W301).
# The question says so, or the dataset's expected answer was computed the same way.
JUSTIFIED: dict[str, tuple[str, str]] = {
    "penguins-0007": ("W305", "the question says: keep the data order among equal masses"),
    "seattle-weather-0021": ("W305", "the question says: ties in data order"),
    "cars-0019": ("W305", "two names hold 5000; the expected answer is the first in data order"),
    "seattle-weather-0032": ("W305", "two equal drops; the expected answer is the first in order"),
    "iris-0013": ("W305", "equal |z| within a species; the expected answer keeps the first"),
    "seattle-temps-0006": ("W305", "three coldest readings tie; the first in data order"),
    "penguins-0061": ("W305", "penguins of equal mass are equally close to the average"),
    "eval-penguins-0005": ("W305", "three bills of 21.1 mm; graded on the first four in order"),
    "eval-cars-0009": ("W305", "three cars of 115 hp; graded on the first five in order"),
    "eval-driving-0004": ("W305", "years with equal gas prices are equally close"),
    "seattle-temps-0008": ("W302", "no reading was below freezing: the answer is empty"),
    "seattle-temps-0011": ("W302", "no such reading: the expected answer is empty"),
    "seattle-temps-0014": ("W302", "no July reading above 75 °F: the answer is empty"),
    "seattle-temps-0017": ("W302", "no reading above 80 °F: the answer is empty"),
    "penguins-0048": ("W301", "there are no Emperor penguins: the question tests that"),
    "penguins-0054": ("W307", "the question ranks by year so that all are tied: one group"),
}


def test_every_warning_code_is_listed_with_examples() -> None:
    listed = set(re.findall(r"^\| (W\d{3}) \|", CHECKING, re.MULTILINE))
    examples = set(re.findall(r'^    "(W\d{3})": \(', CHECKING, re.MULTILINE))
    assert examples, "the WARNINGS blocks of docs/checking.md"
    registered = {code for code in CODES if code.startswith("W")}
    assert registered == listed, "docs/checking.md's warning table"
    assert registered == examples, "docs/checking.md's WARNINGS examples"


def _gold_warnings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name in ("tables-qa", "eval-set"):
        dataset = load_dataset(ROOT / "examples" / "datasets" / name)
        for example in dataset.examples:
            assert example.plan is not None
            # The dataset's tables as an evaluation run reads them (small files: every
            # data-aware warning is computed, W305 included).
            catalog = dataset.tables(example.tables)
            notes = compile(example.plan, catalog.schemas()).collect(catalog).notes
            codes = [n.code for n in notes if n.severity == "warning"]
            if codes:
                found[example.id] = codes
    return found


def test_gold_plans_run_without_unjustified_warnings() -> None:
    found = _gold_warnings()
    assert {i: codes for i, codes in found.items()} == {
        i: [code] for i, (code, _why) in JUSTIFIED.items()
    }
