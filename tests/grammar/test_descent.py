"""The hand-written reader (grammar/descent.py) against lark's: same nodes, same spans.

The descent reader answers only when sure and otherwise hands the text to lark. So the
property is one-sided and strict: whenever it answers, lark answers too, with equal nodes
and equal origins (which node equality ignores, so they are compared here field by field).
It is checked on printed plans (where it must always answer), on those plans re-spaced,
re-cased, commented and mutated token by token (near-valid text, where the two lexers are
most likely to part), and on hand-picked cases of lark's contextual keywords.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar import ast as A
from pesql.grammar import descent
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.forms import from_form, to_form
from pesql.grammar.lark_reader import _parser
from pesql.grammar.parse import parse, parse_expr, parse_step, read_with_lark
from pesql.grammar.printer import expr_text, to_text
from pesql.grammar.registry import Naming
from pesql.grammar.scan import keywords
from pesql.runtime.testing.strategies.syntax import exprs, plans


def _shape(value: Any) -> Any:
    """Every field of every node, origins included."""
    if isinstance(value, A.Node):
        fields = [(f.name, _shape(getattr(value, f.name))) for f in dataclasses.fields(value)]
        return (type(value).__name__, fields)
    if isinstance(value, tuple):
        return tuple(_shape(v) for v in value)
    return value


def _lark(text: str, start: str, naming: Naming | None = None) -> Any:
    try:
        return read_with_lark(text, start, naming)
    except PesqlError as exc:
        return exc


def _agree(text: str, start: str = "start", naming: Naming | None = None) -> bool:
    """True if the descent reader answered (and then it agrees with lark). When it leaves
    the text to lark, lark must refuse it: valid text never misses the fast path."""
    slow = _lark(text, start, naming)
    try:
        fast = descent.read(text, start, naming)[0]
    except descent.Unsure:
        assert isinstance(slow, PesqlError), f"descent gave up on valid text {text!r}"
        return False
    assert not isinstance(slow, PesqlError), f"descent read {text!r}; lark: {slow}"
    assert _shape(fast) == _shape(slow), text
    return True


@given(plans())
def test_printed_plans_are_read_alike(plan: A.Plan) -> None:
    text = to_text(plan)
    assert _agree(text), f"descent gave up on printed text {text!r}"


@given(exprs())
def test_printed_expressions_are_read_alike(expr: A.Expr) -> None:
    text = expr_text(expr)
    assert _agree(text, "one_expr"), f"descent gave up on {text!r}"


# Words the contextual lexer reads as keywords in some places and names in others.
_WORDS = (
    "not", "NOT", "and", "or", "case", "when", "then", "else", "end", "null", "true", "in",
    "between", "like", "is", "order", "ORDER", "by", "group", "group by", "group_by", "partition",
    "distinct", "filter", "where", "sort", "order_by", "asc", "desc", "nulls", "first", "last",
    "left", "semi", "join", "on", "as", "with", "ties", "offset", "limit", "from", "date",
    "timestamp", "count", "x", "ſort", "Kelvin", "ﬁlter", "año", "²x",
)  # fmt: skip
_PUNCT = ("(", ")", ",", "=", "=>", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%")
_OTHER = ("5", "-5", "- 5", "1.5", ".5", "1e3", "1e", "'a'", "'it''s'", "'two\nlines'", "`q`",
          "``", "`a``b`", "-- note\n", "\n", "\t", "  ")  # fmt: skip
_TOKEN = re.compile(r"\w+|'(?:[^']|'')*'|`(?:[^`]|``)*`|<>|<=|>=|!=|=>|\S")


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    """A printed plan, then a few token-level edits: insert, delete, swap, re-case, re-space."""
    tokens = _TOKEN.findall(to_text(draw(plans(max_steps=4))))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(tokens)))
        edit = draw(st.sampled_from(["insert", "delete", "swap", "case", "space"]))
        if edit == "insert":
            tokens.insert(at, draw(st.sampled_from(_WORDS + _PUNCT + _OTHER)))
        elif tokens and edit == "delete":
            tokens.pop(min(at, len(tokens) - 1))
        elif len(tokens) > 1 and edit == "swap":
            at = min(at, len(tokens) - 2)
            tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
        elif tokens and edit == "case":
            at = min(at, len(tokens) - 1)
            tokens[at] = draw(st.sampled_from([str.upper, str.lower, str.title]))(tokens[at])
        elif tokens:
            at = min(at, len(tokens) - 1)
            tokens[at] += draw(st.sampled_from(["\n", " -- c\n", "\t"]))
    spaces = draw(st.lists(st.sampled_from([" ", "", "\n", "  "]), min_size=len(tokens)))
    return "".join(t + s for t, s in zip(tokens, spaces, strict=False))


@given(_mutated())
def test_mutated_text_is_read_alike_or_left_to_lark(text: str) -> None:
    _agree(text)
    _agree(text, "one_step")


@given(st.lists(st.sampled_from(_WORDS + _PUNCT + _OTHER), max_size=12).map(" ".join))
def test_token_soup_is_read_alike_or_left_to_lark(text: str) -> None:
    for start in ("start", "one_expr", "one_step"):
        _agree(text, start)


# (text, entry rule): each is read by the descent reader and agrees with lark.
READ = [
    ("FILTER and", "start"),  # AND cannot start an expression: a column
    ("FILTER x = not", "start"),  # NOT after `=` is a column
    ("FILTER FILTER", "start"),  # a step keyword where an expression starts: a column
    ("FILTER a + and * or", "start"),
    ("DERIVE y = CASE WHEN end THEN 1 ELSE else END", "start"),
    ("DERIVE y = CASE WHEN a THEN 1 ELSE NULL END", "start"),  # ELSE NULL is no ELSE
    ("DISTINCT group by x", "start"),  # a step keyword ends DISTINCT's columns
    ("DISTINCT from, year", "start"),
    ("DISTINCT", "one_step"),
    ("WINDOW r = RANK() ORDER BY x", "start"),  # ORDER BY belongs to the window
    ("WINDOW r = RANK() ORDER_BY x", "start"),  # ORDER_BY is a SORT step
    ("WINDOW r = RANK() PARTITION BY a, b ORDER BY x DESC NULLS FIRST ORDER BY y", "start"),
    ("FILTER x > -5 AND y = a -5 AND z = a--5\n", "start"),  # NEG_NUMBER, minus, comment
    ("DERIVE a = - 5, b = -.5, c = -x, d = - -1e3", "start"),
    ("FILTER x > 1group by a", "start"),
    ("ſort x", "start"),  # lark's case-insensitive regex: ſ is s
    ("FROM t\nFILTER año > 1 AND `a``b` IS NOT NULL\n  AND ²x NOT IN (1, 2)", "start"),
    ("FILTER s NOT ILIKE 'a%' OR s LIKE 'b''c' OR n NOT BETWEEN 1 AND 2 AND TRUE", "start"),
    ("DERIVE d = date '2024-01-31', t = TIMESTAMP '2024-01-31 12:00:00'", "start"),
    ("DERIVE s = 'two\nlines', n = 1 -- a comment\nSORT n", "start"),
    ("GROUP BY a COMPUTE n = COUNT(*), m = COUNT(*, where => a > 1)", "start"),
    ("AGGREGATE n = COUNT(x, where => (a > 1))", "start"),
    ("SELECT a AS filter, b\nDROP c, `d`\nLIMIT 3 OFFSET 2 WITH TIES", "start"),
    ("JOIN LEFT planes ON tailnum = tailnum, year = year\nLOOKUP t ON a = b", "start"),
    ("JOIN t ON a = b", "one_step"),
    ("FROM penguins", "one_step"),
    ("((a + b)) * (c)", "one_expr"),
    ("NOT (a AND b) OR c AND d AND e", "one_expr"),
    ("ROUND(price, 2)", "one_expr"),
    ("where x > 1 mutate y = 2 order by y", "start"),
    ("", "start"),
    ("-- only a comment", "start"),
]


@pytest.mark.parametrize(("text", "start"), READ)
def test_hand_picked_text_is_read_by_descent(text: str, start: str) -> None:
    assert _agree(text, start), f"descent gave up on {text!r}"


# (text, entry rule) the descent reader must leave to lark, whose errors users see.
LEFT = [
    ("FILTER x >", "start"),
    ("FILTER a < b < c", "start"),
    ("DERIVE y = NOSUCH(x)", "start"),
    ("DERIVE y = ROUND(x, 2, 3)", "start"),
    ("DERIVE y = SUM(*)", "start"),
    ("LIMIT 99999999999999999999999", "start"),
    ("LIMIT 5.5", "start"),
    ("DERIVE y = 99999999999999999999999", "start"),
    ("DERIVE y = 1e999", "start"),
    ("DERIVE y = year 'x'", "start"),
    ("DERIVE y = date '2024-13-01'", "start"),
    ("SELECT ``", "start"),
    ("FILTER x = 1; DROP y", "start"),
    ("DISTINCT filter", "one_step"),  # in one_step: FILTER after DISTINCT (lark reads a keyword)
    ("FROM a FROM b", "start"),
    ("SORT x first", "start"),
    ("FILTER NOT not", "start"),  # NOT where an expression starts is the keyword
]


@pytest.mark.parametrize(("text", "start"), LEFT)
def test_text_with_a_problem_is_left_to_lark(text: str, start: str) -> None:
    with pytest.raises(descent.Unsure):
        descent.read(text, start, None)
    assert isinstance(_lark(text, start), PesqlError)


def test_a_problem_reads_the_same_through_parse() -> None:
    """Errors come from lark's path: parse() raises what read_with_lark raises."""
    for text, start in LEFT:
        if start != "start":
            continue
        with pytest.raises(PesqlError) as caught:
            parse(text)
        expected = _lark(text, start)
        assert [d.code for d in caught.value.diagnostics] == [d.code for d in expected.diagnostics]


def test_a_profiles_names_are_read_alike() -> None:
    """Function names go through the profile's naming in both readers."""
    naming = Naming(renames={"SUB_ABS": "GAP_OF"}, aliases={"MEANOF": "AVG"})
    assert _agree("DERIVE g = GAP_OF(a, b)\nGROUP_BY k COMPUTE m = meanof(g)", naming=naming)
    assert _agree("DERIVE g = SUB_ABS(a, b)", naming=naming)  # the canonical name stays
    assert not _agree("DERIVE g = GAP_OF(a, b)")  # without the profile: E104, from lark


def test_keyword_table_covers_every_keyword_terminal_of_the_grammar() -> None:
    """The table is read from psql.lark; every keyword lark knows is in it."""
    plain, patterns = keywords()
    lark_keywords = {t.name for t in _parser().terminals if t.priority == 2 and t.name != "INT"}
    assert {kind for kind, _ in patterns} == lark_keywords
    assert set(plain.values()) == lark_keywords
    assert plain["WHERE"] == "FILTER" and plain["ORDER_BY"] == "SORT"
    assert plain["MUTATE"] == "DERIVE"


def test_parse_entry_points_use_the_descent_reader() -> None:
    """parse, parse_expr and parse_step answer without lark for valid text."""
    assert parse("FILTER a > 1") == descent.read("FILTER a > 1", "start", None)[0]
    assert parse_expr("a + 1") == descent.read("a + 1", "one_expr", None)[0]
    assert parse_step("LIMIT 1") == descent.read("LIMIT 1", "one_step", None)[0]


def _lark_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsure(*_: object, **__: object) -> None:
        raise descent.Unsure

    monkeypatch.setattr(descent, "read", unsure)


@pytest.mark.parametrize("form", ["compact", "steps", "text"])
@given(plan=plans(max_steps=4))
def test_wire_forms_place_origins_as_lark_path_does(form: str, plan: A.Plan) -> None:
    """The forms read p-SQL inside JSON strings: the descent reader places each origin as it
    builds the node (`place`); lark's result is moved afterwards. Both give the same tree."""
    document = json.dumps(to_form(plan, form))  # type: ignore[arg-type]
    fast = from_form(document, form)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        _lark_only(patch)
        slow = from_form(document, form)  # type: ignore[arg-type]
    assert _shape(fast) == _shape(slow)
    assert all(isinstance(n.origin, A.InString | A.Pointer) for n in fast.walk())
