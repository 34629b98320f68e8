"""Step aliases agree between text and JSON, and SQL habits get hints naming the p-SQL form
(grammar/habits.py, issue 15)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import from_json, to_json
from pesql.grammar.parse import parse
from pesql.grammar.printer import quote_name, to_text
from pesql.grammar.registry import all_ops, lookup

STEP_TEXT = {
    "FILTER": "{kw} a > 1",
    "DERIVE": "{kw} b = a + 1",
    "SORT": "{kw} a DESC",
    "GROUP_BY": "{kw} a COMPUTE n = COUNT(*)",
}
STEP_ALIASES = [(s.name, a) for s in all_ops("step") for a in s.aliases]


def test_every_step_alias_is_covered_here() -> None:
    assert {name for name, _ in STEP_ALIASES} <= set(STEP_TEXT)


@pytest.mark.parametrize(("canonical", "alias"), [*STEP_ALIASES, ("SORT", "ORDER BY")])
def test_step_aliases_parse_alike_in_text_and_json(canonical: str, alias: str) -> None:
    text = STEP_TEXT[canonical]
    want = parse(text.format(kw=canonical))
    assert parse(text.format(kw=alias)) == want
    assert parse(text.format(kw=alias.lower())) == want
    raw = to_json(want)
    raw["steps"][0]["op"] = alias
    assert from_json(raw) == want


@pytest.mark.parametrize(
    ("op", "canonical"),
    [("GROUP BY", "GROUP_BY"), ("group by", "GROUP_BY"), ("ORDER BY", "SORT"), ("where", "FILTER")],
)
def test_json_accepts_the_spellings_text_accepts(op: str, canonical: str) -> None:
    spec = lookup(op)
    assert spec is not None and spec.name == canonical
    steps = {
        "SORT": {"op": op, "keys": [{"column": "a", "descending": True}]},
        "GROUP_BY": {"op": op, "keys": ["a"]},
        "FILTER": {"op": op, "where": True},
    }
    plan = from_json({"table": None, "steps": [steps[canonical]]})
    assert type(plan.steps[0]).__name__ == spec.cls.__name__


def test_order_by_after_window_items_is_the_windows_order() -> None:
    # SQL's reading: `... ORDER BY x` right after the items orders the window; a later one sorts.
    plan = parse("WINDOW r = RANK() ORDER BY a DESC\nORDER BY r")
    assert to_text(plan) == "WINDOW r = RANK() ORDER BY a DESC\nSORT r"


@given(
    word=st.sampled_from(["where", "MUTATE", "Order_By", "filter"]), other=st.text("ab", min_size=1)
)
def test_columns_named_like_aliases_round_trip(word: str, other: str) -> None:
    text = f"DISTINCT {quote_name(other)}, {quote_name(word)}\nSELECT {quote_name(word)}"
    plan = parse(text)
    assert parse(to_text(plan)) == plan
    assert plan.steps[0].columns == (other, word)  # type: ignore[attr-defined]


HABITS = [
    ("FILTER a == 1", "equality is one `=`"),
    ("AGGREGATE n = COUNT(DISTINCT species)", "COUNT_DISTINCT(species)"),
    ("AGGREGATE n = COUNT(DISTINCT(species))", "COUNT_DISTINCT(x)"),
    ("DERIVE y = EXTRACT(YEAR FROM day)", "write YEAR(day)"),
    ("DERIVE y = EXTRACT(dow FROM day)", "write WEEKDAY(day)"),
    ("DERIVE y = CAST(x AS INT)", "CAST(x, 'integer')"),
    ("DERIVE y = TRY_CAST(x AS varchar)", "TRY_CAST(x, 'string')"),
    ("GROUP_BY a COMPUTE n = COUNT(*)\nHAVING n > 5", "FILTER after the GROUP_BY"),
    ("DERIVE AVG(x) AS m", "`name = expression`"),
    ("GROUP_BY a COMPUTE COUNT(*) AS n", "`name = expression`"),
    ("DERIVE m = x * 2 AS z", "`name = expression`"),
    ("SELECT AVG(x) AS m", "SELECT only keeps and renames columns"),
    ("SELECT a, b FROM t", "FROM table, then the steps"),
    ("SORT BY x DESC", "SORT x DESC"),
    ("AGGREGATE p = PERCENTILE_CONT(x, 0.5)", "QUANTILE(value, q)"),
    ("FILTER a = 1\nUNION b", "no UNION"),
    ("SELECT DISTINCT species", "DISTINCT species"),
    ("SORT x DESC\nTOP 3", "LIMIT n"),
    ("FILTER a > 1\nRENAME a b", "SELECT old AS new"),
    ("SELECT *", "leave the step out"),
    ("FILTER a > 1 && b < 2", "p-SQL writes AND"),
    ("DERIVE s = a || b", "CONCAT(a, b)"),
    # SQL's ORDER BY / GROUP BY an expression (the 1.5B model's plans): the call named first.
    ("SORT SUB_ABS(a, 4.3) DESC\nLIMIT 3", "DERIVE k = SUB_ABS(a, 4.3), then SORT k DESC"),
    ("sort abs(a - b), c", "DERIVE k = abs(a - b), then SORT k, c"),
    ("GROUP_BY YEAR(d) COMPUTE n = COUNT(*)", "DERIVE year = YEAR(d), then GROUP_BY year COMPUTE"),
]


@pytest.mark.parametrize(("text", "hint"), HABITS)
def test_sql_habits_get_a_hint_naming_the_psql_form(text: str, hint: str) -> None:
    with pytest.raises(PesqlError) as info:
        parse(text)
    hints = [h for d in info.value.diagnostics for h in d.hints]
    assert any(hint in h for h in hints), hints
    # The generic chaining hint is for real chains only.
    assert not any("do not chain" in h for h in hints)


def test_sql_spellings_with_the_same_meaning_are_aliases() -> None:
    plan = parse("AGGREGATE s = STDDEV_SAMP(x), v = VAR_SAMP(x)")
    assert to_text(plan) == "AGGREGATE s = STD(x), v = VAR(x)"


def test_json_unknown_function_gets_the_habit_hint() -> None:
    raw = {
        "steps": [
            {
                "op": "AGGREGATE",
                "aggregates": [{"name": "p", "expr": {"op": "PERCENTILE_CONT", "value": "x"}}],
            }
        ]
    }
    with pytest.raises(PesqlError) as info:
        from_json(raw)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E151"
    assert "QUANTILE(value, q)" in diagnostic.hints[0]


@pytest.mark.parametrize(
    ("op", "hint"),
    [("HAVING", "FILTER after the GROUP_BY"), ("union", "no UNION"), ("TOP", "LIMIT n")],
)
def test_json_sql_clause_as_a_step_gets_the_step_to_use(op: str, hint: str) -> None:
    with pytest.raises(PesqlError) as info:
        from_json({"steps": [{"op": op}]})
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E151"
    assert hint in diagnostic.hints[0]


@given(
    spec=st.sampled_from([s for s in all_ops() if "_" in s.name]),
    spaces=st.lists(st.sampled_from([" ", "  ", "\t", "_"]), min_size=4, max_size=4),
    upper=st.booleans(),
)
def test_an_op_name_with_spaces_for_underscores_is_the_same_op(
    spec: object, spaces: list[str], upper: bool
) -> None:
    # JSON's "GROUP BY" / "order by" and text's GROUP BY / ORDER BY: a space is an underscore.
    name = spec.name  # type: ignore[attr-defined]
    parts = name.split("_")
    spelled = parts[0] + "".join(sep + part for sep, part in zip(spaces, parts[1:], strict=False))
    spelled = spelled.upper() if upper else spelled.lower()
    assert lookup(spelled) is lookup(name)
