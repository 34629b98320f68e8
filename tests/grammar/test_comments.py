"""The formatter keeps comments: `pesql fmt --write` must never delete what a person wrote."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.ast import Plan
from pesql.grammar.comments import comments_of, format_text
from pesql.grammar.parse import parse
from pesql.grammar.printer import quote_name, step_text, to_text
from pesql.runtime.testing.strategies.syntax import plans

SOURCE = """-- top of file
from penguins -- the table
-- keep only known lengths
filter bill_length_mm is not null -- no nulls
derive gap = sub_abs(bill_length_mm,
   bill_depth_mm) -- inside a two-line step
sort gap desc
-- trailing remark
"""


def test_every_comment_survives_in_order() -> None:
    out = format_text(parse(SOURCE), SOURCE)
    kept = [c.text for c in comments_of(out)]
    assert kept == [c.text for c in comments_of(SOURCE)]
    assert parse(out) == parse(SOURCE)  # the plan is unchanged
    assert out.splitlines()[1] == "FROM penguins -- the table"
    assert out.splitlines()[3] == "FILTER bill_length_mm IS NOT NULL -- no nulls"


def test_formatting_is_idempotent() -> None:
    once = format_text(parse(SOURCE), SOURCE)
    assert format_text(parse(once), once) == once


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("FILTER name = 'a -- not a comment'", []),
        ("FILTER `odd -- name` = 1 -- real", ["-- real"]),
        ("FILTER name = 'it''s -- still a string' -- real", ["-- real"]),
        ('FILTER name = "x -- y"', []),
    ],
)
def test_comment_markers_inside_quotes_are_not_comments(source: str, found: list[str]) -> None:
    assert [c.text for c in comments_of(source)] == found


def test_without_comments_it_is_the_canonical_text() -> None:
    source = "filter a>1\nsort a"
    assert format_text(parse(source), source) == to_text(parse(source))


@given(plans(), st.lists(st.sampled_from(["-- a", "-- b c", "-- 'q'"]), min_size=1, max_size=3))
def test_comments_on_their_own_lines_are_kept(plan: Plan, notes: list[str]) -> None:
    # Whole units (FROM, then each step): a string literal may hold a newline.
    units = ([f"FROM {quote_name(plan.table)}"] if plan.table is not None else []) + [
        step_text(step) for step in plan.steps
    ]
    source = "\n".join([notes[0], *units[:1], *notes[1:], *units[1:]])
    out = format_text(parse(source), source)
    assert [c.text for c in comments_of(out)] == notes
    assert parse(out) == plan
