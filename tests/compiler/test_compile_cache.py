"""compiler/pipeline: the compile cache keyed on the raw text, before any parsing."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler import pipeline
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.compiler.check.size import SizeLimits
from pesql.compiler.pipeline import CompileCache, Compiled, compile
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.grammar.registry import Naming
from pesql.runtime.testing.strategies import typed as strategies

SCHEMA = Schema.of({"price": "float", "region": "string"})
TEXT = "FILTER price > 2 * 5\nSORT price DESC"
JSON_TEXT = dumps(to_json(parse(TEXT)))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of the pipeline's plan reader (text -> Plan)."""
    seen: list[object] = []
    real = pipeline.as_plan

    def counted(source: Any, **kwargs: Any) -> A.Plan:
        seen.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(pipeline, "as_plan", counted)
    return seen


@pytest.mark.parametrize("text", [TEXT, JSON_TEXT], ids=["p-SQL text", "JSON text"])
def test_a_text_seen_before_is_a_hit_without_reading_it(reads: list[object], text: str) -> None:
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(text, SCHEMA, cache=cache)
    assert len(reads) == 1
    again = compile("".join(list(text)), SCHEMA, cache=cache)  # an equal, other str object
    assert again is first and len(reads) == 1  # not parsed again
    assert cache.info() == (1, 1, 256, 1)


def test_other_spellings_of_one_plan_share_the_entry_and_each_text_is_remembered(
    reads: list[object],
) -> None:
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(TEXT, SCHEMA, cache=cache)
    spaced = "FILTER price>2*5\n\nSORT price DESC\n"
    assert compile(spaced, SCHEMA, cache=cache) is first  # read, then a hit by plan
    assert compile(spaced, SCHEMA, cache=cache) is first  # now a hit by text
    assert reads == [TEXT, spaced]
    assert cache.info() == (2, 1, 256, 1)


TEXT_MISSES: list[tuple[str, dict[str, Any]]] = [
    ("an equal-named column of another type", {"schema": Schema.of({"price": "integer",
                                                                    "region": "string"})}),
    ("a non-nullable column", {"schema": Schema.of({"price": ColumnType("float", False),
                                                    "region": "string"})}),
    ("a catalog", {"schema": {"sales": SCHEMA}}),
    ("optimize=False", {"optimize": False}),
    ("other size limits", {"size": SizeLimits(max_depth=9)}),
]  # fmt: skip


@pytest.mark.parametrize("change", [m[1] for m in TEXT_MISSES], ids=[m[0] for m in TEXT_MISSES])
def test_the_same_text_with_another_schema_or_option_misses(
    reads: list[object], change: dict[str, Any]
) -> None:
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(TEXT, SCHEMA, cache=cache)
    arguments: dict[str, Any] = {"schema": SCHEMA, **change}
    other = compile(TEXT, arguments.pop("schema"), cache=cache, **arguments)
    assert other is not first and len(reads) == 2
    assert cache.info().misses == 2


def test_the_naming_is_part_of_the_text_key() -> None:
    naming = Naming(renames={"SUB_ABS": "GAP"})
    renamed = dumps(to_json(parse("DERIVE gap = SUB_ABS(price, price)"), naming))
    cache: CompileCache[Compiled] = CompileCache()
    compiled = compile(renamed, SCHEMA, naming=naming, cache=cache)
    assert to_text(compiled.checked.plan) == "DERIVE gap = SUB_ABS(price, price)"
    with pytest.raises(PesqlError):  # GAP is no operation without the renaming
        compile(renamed, SCHEMA, cache=cache)
    assert compile(renamed, SCHEMA, naming=Naming(renames={"SUB_ABS": "GAP"}),
                   cache=cache) is compiled  # fmt: skip


def test_a_text_that_fails_is_not_remembered() -> None:
    cache: CompileCache[Compiled] = CompileCache()
    for _ in range(2):
        with pytest.raises(PesqlError):
            compile("FILTER nope > 1", SCHEMA, cache=cache)
    assert cache.info() == (0, 2, 256, 0)


def test_a_text_alias_goes_with_its_evicted_entry(reads: list[object]) -> None:
    cache: CompileCache[Compiled] = CompileCache(maxsize=1)
    first = compile("LIMIT 1", SCHEMA, cache=cache)
    compile("LIMIT 2", SCHEMA, cache=cache)  # evicts LIMIT 1
    again = compile("LIMIT 1", SCHEMA, cache=cache)
    assert again is not first and again == first and len(reads) == 3
    assert len(cache) == 1


def test_a_cache_of_size_zero_remembers_no_text(reads: list[object]) -> None:
    cache: CompileCache[Compiled] = CompileCache(maxsize=0)
    assert compile(TEXT, SCHEMA, cache=cache) is not compile(TEXT, SCHEMA, cache=cache)
    assert len(reads) == 2


def test_schema_and_plan_hashes_are_computed_once_and_agree_with_equality() -> None:
    grown = SCHEMA.with_column("gap", ColumnType("float"))
    assert hash(grown) == hash(Schema((*SCHEMA.columns, ("gap", ColumnType("float")))))
    assert hash(grown) != hash(SCHEMA) or grown == SCHEMA  # a stale hash would be shared
    plan = parse(TEXT)
    assert hash(plan) == hash(parse("FILTER price>2*5 SORT price DESC"))
    assert plan._hash is not None and SCHEMA._hash is not None


@given(strategies.schemas_and_tables(), st.data(), st.booleans())
def test_a_hit_by_text_equals_a_fresh_compile_and_a_changed_schema_misses(
    case: tuple[Schema, pl.DataFrame], data: st.DataObject, as_json: bool
) -> None:
    schema, _frame = case
    plan = data.draw(strategies.well_typed_plans(schema))
    text = json.dumps(to_json(plan)) if as_json else to_text(plan)
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(text, schema, cache=cache)
    hit = compile(text, schema, cache=cache)
    assert hit is first and cache.info().hits == 1
    fresh = compile(text, schema)  # no cache: built again
    assert fresh is not first
    assert fresh.checked.plan == hit.checked.plan and fresh.plan == hit.plan
    assert fresh.optimized.output_schema == hit.optimized.output_schema
    # One more column (a schema the plan still checks against) is another key.
    wider = schema.with_column("zz_extra_column", ColumnType("integer"))
    assert compile(text, wider, cache=cache) is not first
    assert cache.info().misses == 2


def test_a_pickled_plan_or_schema_leaves_its_cached_hash_behind() -> None:
    # str hashes are salted per process: a hash carried by pickle would be wrong elsewhere.
    import pickle

    plan, schema = parse(TEXT), Schema.of({"price": "float"})
    hash(plan), hash(schema)
    plan_again, schema_again = pickle.loads(pickle.dumps((plan, schema)))
    assert plan_again == plan and schema_again == schema
    assert plan_again._hash is None and schema_again._hash is None
    assert hash(plan_again) == hash(plan) and hash(schema_again) == hash(schema)
    assert plan_again.steps[0].origin == plan.steps[0].origin  # everything else travels
