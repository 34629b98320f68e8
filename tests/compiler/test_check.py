"""The type checker, rule by rule, on small schemas."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import dtype_of_polars, polars_dtype, schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check, infer_expr
from pesql.compiler.check.resolve import MAX_HINTED
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import numeric, rows, text, window
from pesql.grammar.parse import parse, parse_expr
from pesql.grammar.printer import to_text
from pesql.grammar.registry import all_ops, fields_of
from pesql.grammar.types import DTYPES
from pesql.runtime.testing.strategies import syntax as ast_strategies
from pesql.runtime.testing.strategies import typed as strategies

PENGUINS = Schema.of(
    {
        "species": "string",
        "island": "string",
        "bill_depth_mm": "float",
        "body_mass_g": ColumnType("integer", nullable=False),
        "sex": "string",
        "year": ColumnType("integer", nullable=False),
        "day": "date",
        "ts": "datetime",
        "flag": "boolean",
        "price": "decimal",
    }
)


def codes(text: str, schema: Schema = PENGUINS) -> list[str]:
    with pytest.raises(PesqlError) as info:
        check(parse(text), schema)
    return [d.code for d in info.value.diagnostics if d.severity == "error"]


def out(text: str, schema: Schema = PENGUINS) -> Schema:
    return check(parse(text), schema).output_schema


# --- every registered operation type-checks on its own example ---------------------------------
EXAMPLE_COLUMNS = dict(
    species="string", island="string", body_mass_g="integer", bill_length_mm="float",
    bill_depth_mm="float", year="integer", sex="string", price="float", cost="float",
    tax="float", region="string", is_member="boolean", change="float", area="float",
    side="float", population="integer", rate="float", q1="integer", q2="integer", q3="float",
    nickname="string", name="string", code="string", first_name="string", last_name="string",
    email="string", title="string", phone="string", time="string", day="date", close="float",
    sales="decimal", ts="datetime", ordered="date", shipped="date",
)  # fmt: skip
# The tables the JOIN and LOOKUP examples read (their keys are added to EXAMPLE_COLUMNS).
EXAMPLE_TABLES = {
    "planes": Schema.of({"tailnum": "string", "seats": "integer", "year": "integer"}),
    "airlines": Schema.of({"carrier": "string", "name": "string"}),
}
EXAMPLE_COLUMNS |= {"tailnum": "string", "carrier": "string"}
# Examples that name a column with another type than elsewhere.
EXAMPLE_OVERRIDES = {"PARSE_DATE": {"day": "string"}, "PARSE_NUMBER": {"population": "string"}}


@pytest.mark.parametrize("spec", list(all_ops()), ids=lambda s: s.name)
def test_every_operation_checks_on_its_example(spec: object) -> None:
    from pesql.grammar.registry import OpSpec

    assert isinstance(spec, OpSpec)
    schema = Schema.of({**EXAMPLE_COLUMNS, **EXAMPLE_OVERRIDES.get(spec.name, {})})  # type: ignore[dict-item]
    if spec.category == "step":
        prefix = "SORT price\n" if spec.name == "LIMIT" else ""
        checked = check(parse(prefix + spec.example), schema, tables=EXAMPLE_TABLES)
        assert len(checked.step_schemas) == len(checked.plan.steps)
    else:
        assert infer_expr(parse_expr(spec.example), schema).dtype in DTYPES


# --- expression types and nullability --------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "dtype", "nullable"),
    [
        ("body_mass_g + 1", "integer", False),
        ("body_mass_g + 1.5", "float", False),
        ("body_mass_g + price", "decimal", True),
        ("body_mass_g / 2", "float", True),  # division by zero gives null
        ("body_mass_g > 10", "boolean", False),
        ("bill_depth_mm > 10", "boolean", True),
        ("COALESCE(sex, species)", "string", True),
        ("COALESCE(sex, 'unknown')", "string", False),
        ("IF(flag, year, body_mass_g)", "integer", False),  # a null condition picks ELSE
        ("IF(flag, year, NULL)", "integer", True),
        ("CASE WHEN flag THEN 1 ELSE 2 END", "integer", False),
        ("CASE WHEN flag THEN 1 END", "integer", True),
        ("CASE WHEN flag THEN 1 ELSE 2.5 END", "float", False),
        ("CAST(year, 'string')", "string", False),
        ("TRY_CAST(species, 'integer')", "integer", True),
        ("sex IS NULL", "boolean", False),
        ("CONCAT(sex, species)", "string", False),
        ("YEAR(day)", "integer", True),
        ("DATE_TRUNC('month', ts)", "datetime", True),
        ("GREATEST(year, body_mass_g)", "integer", False),
        ("ROUND(bill_depth_mm, 1)", "float", True),
        ("-year", "integer", False),
        ("ts > day", "boolean", True),
    ],
)
def test_expression_types(expr: str, dtype: str, nullable: bool) -> None:
    assert infer_expr(parse_expr(expr), PENGUINS) == ColumnType(dtype, nullable)  # type: ignore[arg-type]


def test_aggregates_and_window_functions_follow_their_declarations() -> None:
    schema = out(
        "GROUP_BY species COMPUTE n = COUNT(*), s = SUM(year), a = AVG(year), "
        "m = MIN(day), r = SUM(year) / COUNT(*)"
    )
    assert schema.items() == [
        ("species", ColumnType("string", True)),
        ("n", ColumnType("integer", False)),
        ("s", ColumnType("integer", True)),
        ("a", ColumnType("float", True)),
        ("m", ColumnType("date", True)),
        ("r", ColumnType("float", True)),
    ]
    window = out("WINDOW r = ROW_NUMBER(), prev = LAG(year), share = year / SUM(year) ORDER BY day")
    assert window.get("r") == ColumnType("integer", False)
    assert window.get("prev") == ColumnType("integer", True)
    assert window.get("share") == ColumnType("float", True)


# --- step semantics --------------------------------------------------------------------------
def test_select_keeps_renames_and_reorders() -> None:
    assert out("SELECT year AS y, species").names() == ["y", "species"]
    assert out("DROP year, sex").names()[:3] == ["species", "island", "bill_depth_mm"]


def test_derive_adds_replaces_and_sees_earlier_items() -> None:
    schema = out("DERIVE year = year * 1.5, twice = year * 2")
    assert schema.names() == [*PENGUINS.names(), "twice"]
    assert schema.get("year") == ColumnType("float", False)
    assert schema.get("twice") == ColumnType("float", False)


def test_group_by_output_is_keys_then_aggregates() -> None:
    assert out("GROUP_BY island, species COMPUTE n = COUNT(*)").names() == [
        "island",
        "species",
        "n",
    ]
    assert out("AGGREGATE n = COUNT(*), x = MAX(year) - MIN(year)").names() == ["n", "x"]
    assert out("DISTINCT species, island").names() == ["species", "island"]


def test_an_aggregate_list_reads_its_earlier_items_as_derive_does() -> None:
    def checked(text: str) -> str:
        return to_text(check(parse(text), PENGUINS).plan)

    # A name of an earlier item, outside any aggregate, is that item's expression.
    assert checked("GROUP_BY species COMPUTE a = AVG(year), b = MAX(year), gap = b - a") == (
        "GROUP_BY species COMPUTE a = AVG(year), b = MAX(year), gap = MAX(year) - AVG(year)"
    )
    assert checked("AGGREGATE s = SUM(year), r = ROUND(s / 2, 1), t = r * 2") == (
        "AGGREGATE s = SUM(year), r = ROUND(SUM(year) / 2, digits => 1), "
        "t = ROUND(SUM(year) / 2, digits => 1) * 2"
    )
    # It shadows an input column that could not stand there anyway (neither key nor
    # aggregated), as a DERIVE item does; a key stays the key.
    assert checked("GROUP_BY species COMPUTE year = MAX(year), y = year") == (
        "GROUP_BY species COMPUTE year = MAX(year), y = MAX(year)"
    )
    assert checked("GROUP_BY species COMPUTE n = COUNT(*), k = species") == (
        "GROUP_BY species COMPUTE n = COUNT(*), k = species"
    )
    # Inside an aggregate a name is the input's column: an aggregate of an item is unknown.
    assert codes("AGGREGATE s = SUM(year), t = SUM(s)") == ["E201"]
    assert codes("AGGREGATE s = SUM(year), t = SUM(year, where => s > 1)") == ["E201"]
    # Only earlier items: a later one is not seen.
    assert codes("AGGREGATE t = s * 2, s = SUM(year)") == ["E201"]


def test_items_read_by_name_stay_within_the_size_bounds() -> None:
    # Each reading may double an item (`b = a + a`): 40 of them would be 2**40 nodes, so the
    # items past the bounds are refused (E315), as a plan written out that large would be.
    doubling = ", ".join(f"a{i} = a{i - 1} + a{i - 1}" for i in range(1, 41))
    found = codes(f"AGGREGATE a0 = SUM(year), {doubling}")
    assert "E315" in found and set(found) <= {"E315", "E201"}
    # A chain nests one level per item: past the depth bound it is E302.
    chain = ", ".join(f"a{i} = a{i - 1} + 1" for i in range(1, 41))
    found = codes(f"AGGREGATE a0 = SUM(year), {chain}")
    assert "E302" in found and set(found) <= {"E302", "E201"}
    # Within the bounds both read.
    assert out("AGGREGATE a0 = SUM(year), a1 = a0 + a0, a2 = a1 + a1").names() == [
        "a0", "a1", "a2",
    ]  # fmt: skip


@given(
    first=st.sampled_from(["SUM", "MIN", "MAX", "AVG", "COUNT", "MEDIAN"]),
    second=st.sampled_from(["SUM", "MIN", "MAX", "AVG", "COUNT_DISTINCT"]),
    op=st.sampled_from(["+", "-", "*", "/"]),
    keyed=st.booleans(),
)
def test_an_item_read_by_name_equals_the_item_written_out(
    first: str, second: str, op: str, keyed: bool
) -> None:
    frame = pl.DataFrame(
        {"k": ["a", "b", "a", "c", "b"], "x": [1, 5, 2, 8, 3], "y": [2.5, 1.0, 4.0, 3.0, 0.5]}
    )
    schema = schema_from_polars(frame.schema)
    head = "GROUP_BY k COMPUTE" if keyed else "AGGREGATE"
    items = f"p = {first}(x), q = {second}(y)"
    named = parse(f"{head} {items}, r = p {op} q")
    written = parse(f"{head} {items}, r = {first}(x) {op} {second}(y)")
    got = to_polars(check(named, schema), frame.lazy()).collect()
    expected = to_polars(check(written, schema), frame.lazy()).collect()
    assert got.equals(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FILTER year", ["E202"]),
        ("FILTER nope > 1", ["E201"]),
        ("FILTER species > 1", ["E202"]),
        ("FILTER SUM(year) > 1", ["E203"]),
        ("GROUP_BY species COMPUTE x = year", ["E204"]),
        ("GROUP_BY species COMPUTE x = SUM(year) + year", ["E204"]),
        ("SELECT year, species AS year", ["E205"]),
        ("DERIVE a = 1, a = 2", ["E205"]),
        ("GROUP_BY species COMPUTE species = COUNT(*)", ["E205"]),
        ("DERIVE r = year / 0", ["E206"]),
        ("DERIVE r = year % 0.0", ["E206"]),
        ("WINDOW r = RANK()", ["E207"]),
        ("WINDOW r = DENSE_RANK() PARTITION BY species", ["E207"]),
        ("FILTER day > '31/01/2024'", ["E211"]),
        ("DERIVE r = ROW_NUMBER()", ["E212"]),
        ("AGGREGATE x = SUM(MAX(year))", ["E213"]),
        ("WINDOW x = LAG(SUM(year)) ORDER BY year", ["E214"]),
        ("LIMIT 3 WITH TIES", ["E216"]),
        ("SORT year\nGROUP_BY species COMPUTE n = COUNT(*)\nLIMIT 3 WITH TIES", ["E216"]),
        ("AGGREGATE n = COUNT(*, where => year)", ["E202"]),
        ("DERIVE x = CAST(day, 'integer')", ["E202"]),
        ("DERIVE x = IF(flag, 1, 'a')", ["E202"]),
        ("FILTER species IN ('a', 1)", ["E202"]),
        ("SORT missing", ["E201"]),
        ("WINDOW r = ROW_NUMBER() PARTITION BY missing", ["E201"]),
    ],
)
def test_rule_violations(text: str, expected: list[str]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "node",
    [
        agg.Quantile(value=A.Col(name="year"), q=1.5),
        text.Substring(value=A.Col(name="species"), start=0),
        window.Lag(value=A.Col(name="year"), offset=0),
        numeric.Log(value=A.Col(name="year"), base=1.0),
    ],
    ids=lambda n: type(n).__name__,
)
def test_option_values_out_of_bounds_in_hand_built_trees(node: A.Expr) -> None:
    plan = A.Plan(steps=(rows.Window(columns=(A.Assign(name="x", expr=node),)),))
    with pytest.raises(PesqlError) as info:
        check(plan, PENGUINS)
    assert info.value.codes == ("E215",)
    limit = A.Plan(steps=(rows.Limit(count=-1),))
    with pytest.raises(PesqlError, match="E215"):
        check(limit, PENGUINS)


def test_round_to_tens_and_thousands_is_allowed() -> None:
    out("DERIVE r = ROUND(body_mass_g, -3)")


def test_allowed_window_forms() -> None:
    out("WINDOW n = ROW_NUMBER(), prev = LAG(year), c = CUMSUM(year)")  # current row order
    out("SORT year\nFILTER flag\nLIMIT 2 WITH TIES")
    out("SORT year\nDERIVE z = 1\nLIMIT 2 WITH TIES")


def test_all_errors_of_a_plan_are_reported_together() -> None:
    text = "FILTER nope > 1\nDERIVE x = species + 1\nGROUP_BY island COMPUTE y = year"
    assert codes(text) == ["E201", "E202", "E204"]


# --- name resolution -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "column"),
    [
        ("Species", "species"),
        ("`SPECIES`", "species"),
        ("`unit\u00a0price`", "unit price"),
        ("`unit\u2009 price`", "Unit Price"),
        ("`\ufb01sh`", "fish"),  # the ligature "fi" is NFKC-equal to "fi"
    ],
)
def test_loose_names_resolve_with_a_note(written: str, column: str) -> None:
    checked = check(parse(f"FILTER {written} = 'a'"), Schema.of({column: "string"}))
    assert [d.code for d in checked.notes] == ["E209"]
    assert checked.plan == parse(f"FILTER `{column}` = 'a'")


def test_loose_resolution_rewrites_the_plan() -> None:
    schema = Schema.of({"Unit\u00a0Price": "float"})
    checked = check(parse("FILTER `unit  price` > 1"), schema)
    assert checked.plan == parse("FILTER `Unit\u00a0Price` > 1")
    assert checked.notes[0].severity == "warning"


def test_ambiguous_loose_name() -> None:
    schema = Schema.of({"Price": "float", "PRICE": "float"})
    assert codes("FILTER price > 1", schema) == ["E208"]


@pytest.mark.parametrize(
    ("written", "columns", "resolved"),
    [
        ("petal_length", ("petalLength", "petalWidth"), "petalLength"),
        ("`Petal Length`", ("petalLength", "petalWidth"), "petalLength"),
        ("petalLength", ("petal_length",), "petal_length"),
        ("bill_depth", ("bill_depth_mm", "bill_length_mm"), "bill_depth_mm"),
        ("body_mass", ("body_mass_g",), "body_mass_g"),
        ("price", ("price_usd",), "price_usd"),
    ],
)
def test_respelled_names_resolve_with_a_note(
    written: str, columns: tuple[str, ...], resolved: str
) -> None:
    """Other separators, or the unit left off: the 1.5B model's commonest unknown columns."""
    checked = check(parse(f"FILTER {written} > 1"), Schema.of(dict.fromkeys(columns, "float")))
    assert [(d.code, d.severity) for d in checked.notes] == [("E209", "warning")]
    assert checked.plan == parse(f"FILTER `{resolved}` > 1")


@pytest.mark.parametrize(
    ("written", "columns", "code"),
    [
        ("price", ("price_usd", "price_eur"), "E208"),  # two units: which one is not guessed
        ("year", ("year_built",), "E201"),  # `built` is a word, not a unit
        ("x", ("x_1",), "E201"),  # a number is not a unit
        ("bill", ("bill_depth_mm",), "E201"),  # a part of the name, not the name
    ],
)
def test_respelling_guesses_nothing_else(written: str, columns: tuple[str, ...], code: str) -> None:
    assert codes(f"FILTER {written} > 1", Schema.of(dict.fromkeys(columns, "float"))) == [code]


def test_respelling_stops_where_the_hints_do() -> None:
    # Each reading compares with every column: a flood of unknown names must not cost more.
    unknown = ", ".join(f"x{i} = nope_{i}" for i in range(MAX_HINTED))
    schema = Schema.of({"bill_depth_mm": "float"})
    assert codes(f"DERIVE {unknown}, y = bill_depth", schema) == ["E201"] * (MAX_HINTED + 1)
    assert [d.code for d in check(parse("DERIVE y = bill_depth"), schema).notes] == ["E209"]


def test_a_removed_column_is_not_respelled() -> None:
    schema = Schema.of({"price": "float", "price_usd": "float"})
    text = "GROUP_BY price_usd COMPUTE n = COUNT(*)\nFILTER price > 1"
    assert codes(text, schema) == ["E201"]


@given(st.lists(st.from_regex(r"[a-z]{2,6}", fullmatch=True), min_size=2, max_size=3, unique=True))
def test_a_snake_case_name_reads_its_camel_case_column(words: list[str]) -> None:
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    checked = check(parse(f"FILTER {'_'.join(words)} > 1"), Schema.of({camel: "float"}))
    assert checked.plan == parse(f"FILTER {camel} > 1")


def test_removed_column_hint() -> None:
    with pytest.raises(PesqlError) as info:
        check(parse("GROUP_BY species COMPUTE n = COUNT(*)\nFILTER bill_depth_mm > 1"), PENGUINS)
    (diag,) = info.value.diagnostics
    assert diag.hints[0].startswith("`bill_depth_mm` was removed by the GROUP_BY in step 1")
    # A GROUP_BY without COMPUTE (grouping written as a heading) says what it keeps.
    with pytest.raises(PesqlError) as info:
        check(parse("GROUP_BY species, island\nDERIVE r = bill_depth_mm * 2"), PENGUINS)
    (diag,) = info.value.diagnostics
    assert diag.hints[0] == (
        "`bill_depth_mm` was removed by the GROUP_BY in step 1; without COMPUTE it keeps only "
        "`species`, `island`, one row each (DISTINCT): drop it to keep every row, or aggregate "
        "in its COMPUTE"
    )


def test_date_text_is_rewritten_to_a_date_literal() -> None:
    checked = check(parse("FILTER day BETWEEN '2024-01-01' AND 'Mar 5, 2024'"), PENGUINS)
    assert checked.plan == parse("FILTER day BETWEEN DATE '2024-01-01' AND DATE '2024-03-05'")
    ts = check(parse("FILTER ts >= '2024-01-01'"), PENGUINS).plan.steps[0]
    assert ts == parse("FILTER ts >= TIMESTAMP '2024-01-01 00:00:00'").steps[0]
    inn = check(parse("FILTER day IN ('2024-01-01')"), PENGUINS).plan
    assert inn.steps[0] == parse("FILTER day IN (DATE '2024-01-01')").steps[0]
    assert isinstance(dt.date(2024, 1, 1), dt.date)


# --- catalogs and schemas ---------------------------------------------------------------------
def test_catalog_picks_the_table() -> None:
    catalog = {"a": Schema.of({"x": "integer"}), "b": Schema.of({"y": "string"})}
    assert check(parse("FROM b\nFILTER y = 'q'"), catalog).table == "b"
    assert check(parse("FILTER x = 1"), {"a": catalog["a"]}).table == "a"
    assert codes("FILTER x = 1", catalog) == ["E210"]  # type: ignore[arg-type]
    with pytest.raises(PesqlError, match="E210"):
        check(parse("FROM c\nFILTER x = 1"), catalog)


def test_polars_type_mapping_round_trips() -> None:
    for dtype in DTYPES:
        assert dtype_of_polars(polars_dtype(dtype)) == dtype
    assert dtype_of_polars(pl.UInt8()) == "integer"
    assert dtype_of_polars(pl.Categorical()) == "string"
    assert dtype_of_polars(pl.Datetime("ns", "UTC")) == "datetime"


def test_unsupported_columns_are_reported_only_when_used() -> None:
    schema = schema_from_polars(pl.Schema({"tags": pl.List(pl.String), "n": pl.Int32}))
    assert schema.get("tags") == ColumnType("null", True, "List(String)")
    assert check(parse("FILTER n > 1\nSELECT tags"), schema).output_schema.names() == ["tags"]
    assert codes("FILTER tags IS NULL", schema) == ["E217"]
    assert codes("SORT tags", schema) == ["E217"]


# --- robustness on generated trees ------------------------------------------------------------
def _column_names(node: object, out: list[str]) -> None:
    """Every column name a tree mentions (so a schema can make most of them resolve)."""
    if isinstance(node, tuple):
        for item in node:
            _column_names(item, out)
    elif isinstance(node, A.Plan):
        _column_names(node.steps, out)
    elif isinstance(node, A.Col):
        out.append(node.name)
    elif isinstance(node, A.Node) and not isinstance(node, A.Lit):
        for f in fields_of(type(node)):
            value = getattr(node, f.name)
            if f.kind == "column" and value:
                out.append(value)
            elif f.kind == "columns":
                out.extend(value)
            else:
                _column_names(value, out)


ANY_TYPE = st.sampled_from([t for t in DTYPES if t != "null"])


@given(ast_strategies.plans(), st.data())
def test_check_raises_only_pesql_errors_on_arbitrary_trees(
    plan: A.Plan, data: st.DataObject
) -> None:
    names: list[str] = []
    _column_names(plan, names)
    schema = Schema(
        tuple(
            (n, ColumnType(data.draw(ANY_TYPE), data.draw(st.booleans())))
            for n in dict.fromkeys(names)
        )
    )
    try:
        checked = check(plan, schema)
    except PesqlError as exc:
        assert exc.diagnostics
        assert all(d.code.startswith("E2") for d in exc.diagnostics)
    else:
        assert len(checked.step_schemas) == len(plan.steps)


@given(strategies.schemas_and_tables(), st.data())
def test_well_typed_plans_check_and_checking_is_idempotent(
    case: tuple[Schema, pl.DataFrame], data: st.DataObject
) -> None:
    schema, _frame = case
    checked = check(data.draw(strategies.well_typed_plans(schema)), schema)
    again = check(checked.plan, schema)
    assert again.plan == checked.plan
    assert again.output_schema == checked.output_schema


def test_a_text_value_written_as_a_column_gets_the_literal_shape() -> None:
    from pesql.grammar.jsonform import from_json

    schema = Schema.of({"island": "string", "n": "integer"})
    as_json = {
        "steps": [{"op": "FILTER", "where": {"op": "EQ", "left": "island", "right": "Dream"}}]
    }
    with pytest.raises(PesqlError) as info:
        check(from_json(as_json), schema)
    (found,) = info.value.diagnostics
    assert (
        found.hints[0]
        == 'if `Dream` is a text value, write it as {"value": "Dream", "type": "string"}'
    )
    with pytest.raises(PesqlError) as info:
        check(parse("FILTER island = Dream"), schema)
    assert (
        info.value.diagnostics[0].hints[0]
        == "if `Dream` is a text value, write it in single quotes: 'Dream'"
    )
    # Not where only a column can stand, and not for a near miss of a real column.
    for plan in (
        "GROUP_BY Dream COMPUTE k = COUNT(*)",
        "FILTER islnd = 'Dream'",
        "FILTER wings > 3",
    ):
        with pytest.raises(PesqlError) as info:
            check(parse(plan), schema)
        assert not any("text value" in h for h in info.value.diagnostics[0].hints)


def test_numbers_written_as_text_next_to_a_numeric_column_are_numbers() -> None:
    schema = Schema.of({"year": "integer", "x": "float", "name": "string"})
    checked = check(parse("FILTER year = '2008' AND x IN ('1.5', '-3') AND name = '7'"), schema)
    from pesql.grammar.printer import to_text

    assert to_text(checked.plan) == "FILTER year = 2008 AND x IN (1.5, -3) AND name = '7'"
    for guessed in ("'1,000'", "'1e3'", "' 7'"):
        with pytest.raises(PesqlError) as info:
            check(parse(f"FILTER year = {guessed}"), schema)
        assert info.value.codes == ("E202",)


def test_a_scope_within_a_call_or_comparing_keeps_every_other_field() -> None:
    # Scope.within / Scope.comparing build the scope positionally (dataclasses.replace costs
    # ~3x as much): each must equal what replace gives, whatever fields Scope gains.
    import dataclasses

    from pesql.compiler.check.expr import Scope
    from pesql.compiler.check.resolve import Resolver
    from pesql.grammar.parse import parse_expr

    call, outer = parse_expr("SUM(x)"), parse_expr("COUNT(*)")
    assert isinstance(call, A.Call) and isinstance(outer, A.Call)
    schema, resolver = Schema.of({"x": "float"}), Resolver()
    scope = Scope(schema, resolver, "group", frozenset({"k"}), True, outer, frozenset({7}))
    assert all(getattr(scope, f.name) != f.default for f in dataclasses.fields(Scope)[2:])
    assert scope.within(call) == dataclasses.replace(scope, inside=call)
    assert scope.comparing(frozenset({8})) == dataclasses.replace(scope, value_cols=frozenset({8}))
