"""compile / CompiledPlan / execute: input forms, the compile cache, explain, and every limit."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pesql.compiler import pipeline
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.size import SizeLimits, check_size
from pesql.compiler.pipeline import CompileCache
from pesql.compiler.repair.repair import repair
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import to_json
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine import execute as execute_module
from pesql.runtime.engine import limits as limits_module
from pesql.runtime.engine.execute import (
    COMPILE_CACHE,
    CompiledPlan,
    Limits,
    clear_compile_cache,
    compile,
    compile_cache_info,
    execute,
)
from pesql.runtime.engine.limits import expr_depth
from pesql.runtime.llm.profile import Profile
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import load_table

import pesql

FRAME = pl.DataFrame({"price": [3.0, 12.5, 40.0, None], "name": ["a", "b", "c", "d"]})
SCHEMA = schema_from_polars(FRAME.schema)
TEXT = "FILTER price > 10\nSORT price DESC"


def prices(result_frame: pl.DataFrame) -> list[float]:
    return list(result_frame["price"])


def test_text_json_text_dict_and_plan_compile_alike() -> None:
    plan = parse(TEXT)
    as_dict = to_json(plan)
    forms = [TEXT, json.dumps(as_dict), "  " + json.dumps(as_dict), as_dict, plan]
    for form in forms:
        assert prices(compile(form, SCHEMA).collect(FRAME).frame) == [40.0, 12.5]


def test_compile_cache_reuses_the_compiled_plan() -> None:
    clear_compile_cache()
    first = compile(TEXT, SCHEMA)
    second = compile(TEXT + "\n", SCHEMA)  # other text, same plan
    assert first is second
    assert compile_cache_info().hits == 1
    assert compile(TEXT, SCHEMA, optimize=False) is not first
    assert compile(TEXT, {"t": SCHEMA}) is not first


def test_compiled_plan_is_reusable_on_other_frames() -> None:
    compiled = compile("AGGREGATE n = COUNT(*)", SCHEMA)
    assert compiled.collect(FRAME).frame["n"].to_list() == [4]
    assert compiled.collect(FRAME.head(1)).frame["n"].to_list() == [1]


def test_tables_argument_forms(tmp_path: Path) -> None:
    compiled = compile("FROM shop\n" + TEXT, {"shop": SCHEMA, "other": SCHEMA})
    path = tmp_path / "shop.parquet"
    FRAME.write_parquet(path)
    table = load_table(path)
    forms: list[object] = [
        {"shop": FRAME, "other": FRAME.head(0)},
        {"shop": FRAME.lazy()},
        {"shop": table},
        Catalog([table]),
    ]
    for tables in forms:
        assert prices(compiled.collect(tables).frame) == [40.0, 12.5]  # type: ignore[arg-type]
    single = compile(TEXT, SCHEMA)
    for one in (FRAME, FRAME.lazy(), table):
        assert prices(single.collect(one).frame) == [40.0, 12.5]


def test_missing_table_is_e210_with_a_hint() -> None:
    compiled = compile("FROM shop\n" + TEXT, {"shop": SCHEMA})
    with pytest.raises(PesqlError) as err:
        compiled.collect({"shops": FRAME})
    assert err.value.codes == ("E210",)
    assert "did you mean `shops`?" in err.value.diagnostics[0].hints


def test_table_that_does_not_fit_the_compiled_schema_is_e305() -> None:
    compiled = compile(TEXT, SCHEMA)
    with pytest.raises(PesqlError) as err:
        compiled.collect(FRAME.with_columns(pl.col("price").cast(pl.String)))
    assert err.value.codes == ("E305",)
    assert "price" in err.value.diagnostics[0].message


def test_explain_shows_text_schema_and_polars_plan() -> None:
    compiled = compile("FILTER price > 10\nDERIVE half = price / 2", SCHEMA)
    text = compiled.explain()
    assert "FILTER price > 10" in text
    assert "half: float" in text
    assert "-- polars plan" in text and "FILTER" in text.split("-- polars plan")[1]
    assert "DF" in compiled.explain(FRAME)


def test_execute_one_liner_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    FRAME.write_csv(path)
    result = execute("AGGREGATE n = COUNT(*), s = SUM(price)", path)
    assert result.frame.rows() == [(4, 55.5)]
    assert result.truncated is False and result.elapsed_s >= 0


def test_too_many_steps_is_e301() -> None:
    with pytest.raises(PesqlError) as err:
        compile("SORT price\n" * 3, SCHEMA, limits=Limits(max_steps=2))
    assert err.value.codes == ("E301",)


def test_too_deep_is_e302() -> None:
    deep = "DERIVE x = " + "(" * 5 + "price" + " + 1)" * 5
    assert expr_depth(parse(deep).steps[0]) == 6
    with pytest.raises(PesqlError) as err:
        compile(deep, SCHEMA, limits=Limits(max_depth=5))
    assert err.value.codes == ("E302",)
    assert compile(deep, SCHEMA, limits=Limits(max_depth=6)).collect(FRAME).frame.height == 4


def test_row_limit_truncates_with_an_e304_warning() -> None:
    result = execute("SORT price DESC", FRAME, limits=Limits(max_rows=2))
    assert result.truncated is True
    assert prices(result.frame) == [40.0, 12.5]
    assert [(n.code, n.severity) for n in result.notes] == [("E304", "warning")]
    exact = execute("SORT price DESC", FRAME, limits=Limits(max_rows=4))
    assert exact.truncated is False and exact.notes == ()


def test_collect_limits_override_the_compiled_ones() -> None:
    compiled = compile("SORT price", SCHEMA, limits=Limits(max_rows=1))
    assert compiled.collect(FRAME).frame.height == 1
    assert compiled.collect(FRAME, Limits(max_rows=None)).frame.height == 4


def test_time_budget_is_e303_and_releases_the_caller() -> None:
    n = 3_000  # a lazy 9-million-row cross join of text: seconds of work, budget 0.2 s
    slow = pl.LazyFrame({"a": range(n)}).join(pl.LazyFrame({"b": range(n)}), how="cross")
    plan = "DERIVE c = CONCAT(a, '-', b)\nAGGREGATE s = COUNT_DISTINCT(c)"
    compiled = compile(plan, schema_from_polars(slow.collect_schema()))
    started = time.monotonic()
    with pytest.raises(PesqlError) as err:
        compiled.collect(slow, Limits(timeout_s=0.2, max_result_bytes=None))
    assert err.value.codes == ("E303",)
    assert "running the query" in err.value.diagnostics[0].message
    assert time.monotonic() - started < 3.0


def test_time_budget_releases_the_caller_on_the_fast_path() -> None:
    n = 1_000  # a million-row cross join of text: about a second of work, budget 0.05 s
    slow = pl.LazyFrame({"a": range(n)}).join(pl.LazyFrame({"b": range(n)}), how="cross")
    plan = "DERIVE c = CONCAT(a, '-', b)\nAGGREGATE s = COUNT_DISTINCT(c)"
    compiled = compile(plan, schema_from_polars(slow.collect_schema()))
    with pytest.raises(PesqlError) as err:
        compiled.collect(slow, Limits(timeout_s=0.05))
    assert err.value.codes == ("E303",)
    # Without a budget the same plan finishes and answers.
    result = compiled.collect(slow, Limits(timeout_s=None, engine="streaming"))
    assert result.frame["s"].to_list() == [n * n]


def test_polars_errors_become_e305() -> None:
    frame = pl.DataFrame({"s": ["1", "x"]})
    with pytest.raises(PesqlError) as err:
        execute("DERIVE n = CAST(s, 'integer')", frame)
    assert err.value.codes == ("E305",)
    assert '"x"' in err.value.diagnostics[0].message
    assert any("TRY_CAST" in h for h in err.value.diagnostics[0].hints)
    with pytest.raises(PesqlError) as err:
        execute("DERIVE m = REGEXP_MATCH(s, '(')", frame)
    assert err.value.codes == ("E305",)
    assert "unclosed group" in err.value.diagnostics[0].message


def test_check_errors_surface_from_compile() -> None:
    with pytest.raises(PesqlError) as err:
        compile("FILTER prize > 10", SCHEMA)
    assert "E201" in err.value.codes


def test_compiled_plan_is_immutable() -> None:
    compiled = compile(TEXT, SCHEMA)
    assert isinstance(compiled, CompiledPlan)
    with pytest.raises(AttributeError):
        compiled.plan = parse("SORT price")  # type: ignore[misc]


def test_limits_keep_their_fields_and_extend_the_compilers_size_limits() -> None:
    names = [f.name for f in dataclasses.fields(Limits)]
    assert names == [
        "max_steps",
        "max_depth",
        "max_nodes",
        "max_rows",
        "timeout_s",
        "engine",
        "max_result_bytes",
        "data_warnings",
        "max_join_rows",
    ]
    assert issubclass(Limits, SizeLimits)
    assert Limits(max_steps=3, max_rows=1).size == SizeLimits(max_steps=3)
    assert limits_module.check_size is check_size and limits_module.expr_depth is expr_depth


def test_the_size_check_runs_once_per_compile_not_per_collect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_compile_cache()
    calls: list[object] = []
    real = pipeline.check_size
    monkeypatch.setattr(pipeline, "check_size", lambda *a: calls.append(a) or real(*a))
    monkeypatch.setattr(execute_module, "check_size", lambda *a: calls.append(a) or real(*a))
    compiled = compile("FILTER price > 1\nSORT price", SCHEMA)
    assert len(compiled.plan.steps) == 2
    compiled.collect(FRAME)
    compiled.collect(FRAME, Limits(max_rows=2))  # other limits, same size limits
    assert len(calls) == 1
    with pytest.raises(PesqlError) as err:  # stricter size limits at collect are still kept
        compiled.collect(FRAME, Limits(max_steps=1))
    assert err.value.codes == ("E301",) and len(calls) == 2


def test_runtime_and_module_compile_share_one_cache_class_never_stacked() -> None:
    clear_compile_cache()
    runtime = Runtime(tables={"shop": FRAME}, cache_size=2)
    assert type(runtime._cache) is type(COMPILE_CACHE) is CompileCache
    first = runtime.compile(TEXT)
    assert runtime.compile(TEXT + "\n") is first and runtime.cache_len == 1
    assert compile_cache_info().currsize == 0  # the Runtime's compile is cached once, in its own
    for n in (1, 2, 3):
        runtime.compile(f"LIMIT {n}")
    assert runtime.cache_len == 2


def test_runtime_reads_json_with_its_profile_names() -> None:
    profile = Profile(renames={"SUB_ABS": "ABS_DIFF"})
    runtime = Runtime(tables={"shop": FRAME}, profile=profile)
    naming = profile.naming
    plan = parse("DERIVE d = SUB_ABS(price, 1)\nSORT d")
    document = to_json(plan, naming)
    assert runtime.compile(json.dumps(document)).checked.plan == plan
    assert runtime.compile(document).checked.plan == plan


def test_compile_takes_the_checked_plan_repair_gives() -> None:
    repaired = repair(json.dumps(to_json(parse(TEXT)))[:-1] + ",}", schema=SCHEMA)
    assert repaired.checked is not None
    compiled = compile(repaired.checked, SCHEMA)
    assert compiled.checked is repaired.checked
    assert prices(compiled.collect(FRAME).frame) == [40.0, 12.5]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: pesql.compile("SORT a", {"a": "integer"}), "not a dict of str"),
        (lambda: pesql.compile("SORT a", None), "not NoneType"),
        (lambda: pesql.check(pesql.parse("SORT a"), "a"), "a schema is a pesql.Schema"),
        (lambda: pesql.compile("SORT a", _API_SCHEMA).collect(5), "not int"),
        (lambda: pesql.compile("SORT a", _API_SCHEMA).collect({"t": [1]}), "holds a list"),
        (lambda: pesql.execute("SORT a", [1, 2]), "load_table takes"),
        (lambda: pesql.compile(123, _API_SCHEMA), "a plan is a Plan"),
    ],
)
def test_wrong_python_types_say_what_was_expected(
    call: Callable[[], object], expected: str
) -> None:
    # Issue 15: these were AttributeErrors from deep inside the compiler or the runtime.
    with pytest.raises(TypeError, match=re.escape(expected)):
        call()


_API_SCHEMA = pesql.Schema.of({"a": "integer"})


def test_the_lowering_is_kept_for_a_table_that_lives_and_never_keeps_a_frame_alive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc
    import weakref

    lowerings: list[int] = []  # the sources' ids: a reference here would keep them alive
    real = execute_module.step_frames

    def counted(*args: object, **kwargs: object) -> object:
        lowerings.append(id(args[1]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(execute_module, "step_frames", counted)
    data = pl.DataFrame({"g": ["a", "b", "a", "c"], "n": [1, 2, 3, 4]})
    plan = "FILTER n > 1\nGROUP_BY g COMPUTE total = SUM(n)\nSORT total DESC"
    compiled = execute_module.compile(plan, schema_from_polars(data.schema))
    table = load_table(data, name="t")
    answers = [compiled.collect(table).frame for _ in range(3)]
    # A table's frame is the same object on every request: lowered once, the same answer.
    assert lowerings == [id(table.frame)]
    assert (
        answers[0].rows()
        == answers[1].rows()
        == answers[2].rows()
        == [("c", 4), ("a", 3), ("b", 2)]
    )
    # Another table of the same schema is lowered over itself.
    other = load_table(data.with_columns(pl.col("n") * 10), name="t")
    assert compiled.collect(other).frame.rows() == [("a", 40), ("c", 40), ("b", 20)]
    assert len(lowerings) == 2
    # A DataFrame's .lazy() is new each time: lowered each time, and nothing kept once the
    # frame is gone (the kept lowering must not hold the data alive).
    big = pl.DataFrame({"g": ["x"] * 1000, "n": range(1000)})
    watch = weakref.ref(big)
    assert compiled.collect(big).frame.rows() == [("x", sum(range(2, 1000)))]
    del big, other
    gc.collect()
    assert watch() is None
    assert all(entry[0]() is not None for entry in compiled._lowered_kept.values())
    assert len(compiled._lowered_kept) == 1  # `table`, which still lives


def test_a_kept_lowering_is_of_what_runs_with_these_limits() -> None:
    # With the data warnings a top-n plan runs with one row more (W305 reads the tie from it);
    # without them it runs as written: two lowerings over one table, never one for the other.
    data = pl.DataFrame({"n": [5, 4, 3, 2, 1]})
    compiled = execute_module.compile("SORT n DESC\nLIMIT 2", schema_from_polars(data.schema))
    table = load_table(data, name="t")
    quiet = Limits(data_warnings=False)
    for limits in (None, quiet, None, quiet):
        assert compiled.collect(table, limits).frame["n"].to_list() == [5, 4]
    kept = compiled._lowered_kept[(id(table.frame), id(compiled.optimized), None)]
    assert kept[1] is compiled.optimized  # the last collect's, without the extra row
    assert len(kept[2]) == 2


def test_the_plan_as_written_is_lowered_once_too_for_the_warnings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When the optimizer rewrote the plan, the warnings re-run prefixes of the plan as
    # written (W307/W308 here): that lowering is kept like the one of what runs.
    import pesql.runtime.engine.prefixes as prefixes_module

    lowered: list[str] = []
    for module in (execute_module, prefixes_module):  # what runs; the prefixes' plan

        def counted(plan: Any, *args: Any, _real: Any = module.step_frames, **kw: Any) -> Any:
            lowered.append(to_text(plan.plan))
            return _real(plan, *args, **kw)

        monkeypatch.setattr(module, "step_frames", counted)
    data = pl.DataFrame({"g": ["a", "b", "a", "c"], "n": [1, 2, 3, 4]})
    plan = "FILTER n > 1\nFILTER g != 'z'\nGROUP_BY g COMPUTE total = SUM(n)"
    compiled = execute_module.compile(plan, schema_from_polars(data.schema))
    assert compiled.optimized is not compiled.checked  # the two FILTERs are merged
    table = load_table(data, name="t")
    for _ in range(3):
        assert sorted(compiled.collect(table).frame.rows()) == [("a", 3), ("b", 2), ("c", 4)]
    assert len(lowered) == 2 and lowered[1] == to_text(compiled.checked.plan)


def test_a_kept_lowering_starts_from_the_source_as_the_steps_read_it() -> None:
    # An Int32 column is read as Int64 (dtypes.widened): the warnings' input of step 0 is that
    # frame whether the lowering was kept or made afresh.
    data = pl.DataFrame({"n": [3, 1, 2]}, schema={"n": pl.Int32})
    compiled = execute_module.compile("SORT n DESC\nLIMIT 2", schema_from_polars(data.schema))
    table = load_table(data, name="t")
    fresh = compiled._lowered(compiled.optimized, table.frame, {})
    kept = compiled._lowered(compiled.optimized, table.frame, {})
    assert fresh[0].collect_schema()["n"] == kept[0].collect_schema()["n"] == pl.Int64
    assert [f.collect().to_dicts() for f in kept] == [f.collect().to_dicts() for f in fresh]
    assert compiled.collect(table).frame["n"].to_list() == [3, 2]
