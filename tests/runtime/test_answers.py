"""Comparison modes (ordered, bag, set; names; tolerance; NaN/null) and the WTQ evaluator."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest
from pesql.runtime.evals.answers import (
    Answer,
    FrameCompare,
    answer_of,
    cells_equal,
    json_cell,
    result_strings,
    same_result,
    wtq_match,
    wtq_normalize,
)
from pesql.runtime.evals.importers.wtq import read_questions

NAN = math.nan


def _a(columns: str, *rows: tuple[object, ...]) -> Answer:
    return Answer(tuple(columns.split(",")), tuple(rows))


@pytest.mark.parametrize(
    ("actual", "expected", "mode", "same"),
    [
        (_a("x", (1,), (2,)), _a("x", (2,), (1,)), FrameCompare(order="ordered"), False),
        (_a("x", (1,), (2,)), _a("x", (2,), (1,)), FrameCompare(order="bag"), True),
        (_a("x", (1,), (1,), (2,)), _a("x", (1,), (2,), (2,)), FrameCompare(order="bag"), False),
        (_a("x", (1,), (1,), (2,)), _a("x", (2,), (1,)), FrameCompare(order="set"), True),
        (_a("x", (1,), (1,), (2,)), _a("x", (2,), (1,)), FrameCompare(order="bag"), False),
        (_a("x", (1,)), _a("y", (1,)), FrameCompare(column_names="required"), False),
        (_a("x", (1,)), _a("y", (1,)), FrameCompare(column_names="ignored"), True),
        (_a("x,y", (1, 2)), _a("x", (1,)), FrameCompare(), False),
        (_a("x,y", (1, 2)), _a("y,x", (2, 1)), FrameCompare(column_names="required"), False),
        (_a("x", (3,)), _a("x", (3.0,)), FrameCompare(), True),
        (_a("x", (True,)), _a("x", (1,)), FrameCompare(), False),
        (_a("x", (1.0,)), _a("x", (1.0 + 1e-9,)), FrameCompare(float_tol=1e-6), True),
        (_a("x", (1.0,)), _a("x", (1.001,)), FrameCompare(float_tol=1e-6), False),
        (_a("x", (1.0,)), _a("x", (1.001,)), FrameCompare(float_tol=1e-2), True),
        (_a("x", (0.0,)), _a("x", (1e-9,)), FrameCompare(float_tol=1e-6), True),
        (_a("x", (1e12,)), _a("x", (1e12 + 1,)), FrameCompare(float_tol=1e-9), True),
        (_a("x", (1.0,)), _a("x", (1.0 + 1e-9,)), FrameCompare(float_tol=0.0), False),
        (_a("x", (NAN,)), _a("x", (NAN,)), FrameCompare(), True),
        (_a("x", (NAN,)), _a("x", (None,)), FrameCompare(), False),
        (_a("x", (NAN,)), _a("x", (None,)), FrameCompare(nan_equals_null=True), True),
        (_a("x", (None,)), _a("x", (None,)), FrameCompare(order="ordered"), True),
        (_a("x", (None,)), _a("x", (0,)), FrameCompare(), False),
        (_a("x", (math.inf,)), _a("x", (math.inf,)), FrameCompare(), True),
        (_a("x", (math.inf,)), _a("x", (-math.inf,)), FrameCompare(), False),
        (_a("x", (12,)), _a("x", ("12",)), FrameCompare(), True),  # CSV text vs number
        (_a("x", ("12",)), _a("x", ("12.0",)), FrameCompare(), False),  # text stays text
        (_a("x", ("a",)), _a("x", ("A",)), FrameCompare(), False),
        (
            _a("x,y", ("a", 1.0), ("b", 2.0)),
            _a("x,y", ("b", 2.0000001), ("a", 1.0)),
            FrameCompare(order="bag"),
            True,
        ),
        (
            _a("x", (NAN,), (None,)),
            _a("x", (None,)),
            FrameCompare(order="set", nan_equals_null=True),
            True,
        ),
        (_a("x"), _a("x"), FrameCompare(order="ordered"), True),
    ],
)
def test_same_result(actual: Answer, expected: Answer, mode: FrameCompare, same: bool) -> None:
    good, why = same_result(actual, expected, mode)
    assert good is same
    assert bool(why) is not same


def test_ordered_difference_names_row_and_column() -> None:
    good, why = same_result(_a("x,y", (1, 2)), _a("x,y", (1, 3)), FrameCompare(order="ordered"))
    assert not good
    assert why == "row 0, column 1 (y): 2 vs 3"


def test_cells_equal_is_symmetric_for_numbers_and_text() -> None:
    mode = FrameCompare()
    assert cells_equal(2, "2", mode) and cells_equal("2", 2, mode)
    assert not cells_equal("two", 2, mode)


def test_json_cell_and_answer_of() -> None:
    assert json_cell(dt.date(2010, 3, 2)) == "2010-03-02"
    assert json_cell(dt.datetime(2010, 3, 2, 10, 30)) == "2010-03-02 10:30:00"
    assert json_cell(dt.timedelta(minutes=2)) == 120.0
    frame = pl.DataFrame({"d": [dt.date(2020, 1, 5)], "n": [1.5], "s": [None]})
    assert answer_of(frame) == Answer(("d", "n", "s"), (("2020-01-05", 1.5, None),))


def test_result_strings() -> None:
    answer = _a("a,b", (3.0, "x"), (True, None), (2.5, dt.date(2001, 2, 3).isoformat()))
    assert result_strings(answer) == ["3", "x", "true", "", "2.5", "2001-02-03"]


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Café", "cafe"),
        ("“Hello”", "hello"),
        ('"Why Oh Why"', "why oh why"),
        ("1990–91", "1990-91"),
        ("Italy[1]", "italy"),
        ("Paris (France)", "paris"),
        ("U.S.", "u.s"),
        ("  The   Beatles ", "the beatles"),  # articles are kept, as in evaluator.py
        ("Smith†", "smith"),
    ],
)
def test_wtq_normalize(text: str, normalized: str) -> None:
    assert wtq_normalize(text) == normalized


@pytest.mark.parametrize(
    ("predicted", "answers", "canon", "match"),
    [
        (["1000"], ["1,000"], ["1000.0"], True),  # canonical number: compared as numbers
        (["1000"], ["1,000"], None, False),  # strings only: "1,000" is not parsed
        (["1,000"], ["1,000"], None, True),
        (["2010-03-02"], ["2 March 2010"], ["2010-03-02"], True),  # canonical date
        (["2010-03-02"], ["2 March 2010"], None, False),
        (["2 March 2010"], ["2 March 2010"], ["2010-03-02"], True),
        (["3"], ["3.0"], None, True),
        (["3.0000001"], ["3"], None, True),  # numbers within 1e-6
        (["1990"], ["1990-xx-xx"], None, True),  # a bare year is a number
        (["italy"], ["Italy"], None, True),
        (["Italy", "France"], ["France", "Italy"], None, True),  # a set
        (["Italy"], ["France", "Italy"], None, False),
        (["Italy", "Italy"], ["Italy"], None, True),  # duplicates collapse
        (["Italy", "Spain"], ["Italy"], None, False),
        (["The Beatles"], ["Beatles"], None, False),
        (["1_000"], ["1000"], None, False),  # Python 2 int() rejects underscores
    ],
)
def test_wtq_match(
    predicted: list[str], answers: list[str], canon: list[str] | None, match: bool
) -> None:
    assert wtq_match(predicted, answers, canon) is match


def test_wtq_canon_length_must_match() -> None:
    with pytest.raises(ValueError, match="one entry per answer"):
        wtq_match(["a"], ["a", "b"], ["a"])


@pytest.mark.corpora
@pytest.mark.parametrize("split", ["dev", "test"])
def test_wtq_gold_answers_match_themselves(corpora: Path, split: str) -> None:
    questions = list(read_questions(corpora / "wtq", split))  # type: ignore[arg-type]
    assert len(questions) == {"dev": 2831, "test": 4344}[split]
    failures = [
        q["id"] for q in questions if not wtq_match(q["answers"], q["answers"], q["answers_canon"])
    ]
    assert failures == []
    if split == "test":  # the CoreNLP canonical strings are right predictions too
        canon = [q for q in questions if q["answers_canon"] is not None]
        assert len(canon) == len(questions)
        wrong = [
            q["id"]
            for q in canon
            if not wtq_match(q["answers_canon"], q["answers"], q["answers_canon"])
        ]
        assert wrong == []


@pytest.mark.corpora
def test_wtq_known_pairs_from_the_test_split(corpora: Path) -> None:
    by_id = {q["id"]: q for q in read_questions(corpora / "wtq", "test")}
    murdered = by_id["nu-1"]  # "100,000", canonical 100000.0
    assert murdered["answers"] == ["100,000"]
    assert wtq_match(["100000"], murdered["answers"], murdered["answers_canon"])
    assert not wtq_match(["100000"], murdered["answers"], None)
    assert not wtq_match(["10000"], murdered["answers"], murdered["answers_canon"])
