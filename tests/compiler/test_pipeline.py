"""compiler/pipeline: the one plan reader, the one compile cache, and each check run once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pesql.compiler import pipeline
from pesql.compiler.check.check import CheckedPlan, check
from pesql.compiler.check.schema import Schema
from pesql.compiler.check.size import SizeLimits
from pesql.compiler.pipeline import CompileCache, Compiled, as_plan, compile, plan_kind
from pesql.compiler.repair.repair import repair
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.grammar.registry import Naming

SCHEMA = Schema.of({"price": "float", "region": "string"})
TEXT = "FILTER price > 2 * 5\nSORT price DESC"
PLAN = parse(TEXT)
DOCUMENT = to_json(PLAN)

# --- the reader: (input, filename hint, expected kind) -----------------------------------
KINDS = [
    ("LIMIT 1", None, "text"),
    ("  \n\tLIMIT 1", None, "text"),
    ('{"steps": []}', None, "json"),
    (' \n {"steps": []}', None, "json"),
    ("[]", None, "json"),
    ("LIMIT 1", "plan.json", "json"),  # the CLI's rule: a .json file is JSON, whatever it holds
    ('{"steps": []}', "plan.psql", "json"),  # a name only ever says JSON, never text
    ("LIMIT 1", "<stdin>", "text"),
    ("", None, "text"),
]


@pytest.mark.parametrize(("text", "filename", "kind"), KINDS)
def test_plan_kind(text: str, filename: str | None, kind: str) -> None:
    assert plan_kind(text, filename=filename) == kind


CHECKED = check(PLAN, SCHEMA)
READS: list[tuple[str, object, str | None]] = [
    ("a Plan passes through", PLAN, None),
    ("a CheckedPlan gives its plan", CHECKED, None),
    ("a mapping is the JSON form", DOCUMENT, None),
    ("JSON text", json.dumps(DOCUMENT), None),
    ("JSON text after whitespace", "\n  " + json.dumps(DOCUMENT), None),
    ("p-SQL text", TEXT, None),
    ("p-SQL text, other spacing", "FILTER price>2*5\n\nSORT price DESC\n", None),
]


@pytest.mark.parametrize(("source", "filename"), [r[1:] for r in READS], ids=[r[0] for r in READS])
def test_as_plan_reads_every_accepted_form(source: Any, filename: str | None) -> None:
    assert as_plan(source, filename=filename) == PLAN


def test_as_plan_takes_the_kind_from_the_hint_and_the_first_character() -> None:
    with pytest.raises(PesqlError) as as_json:
        as_plan("LIMIT 1", filename="plan.json")
    assert as_json.value.codes == ("E150",)  # read as JSON: invalid JSON, not a p-SQL plan
    with pytest.raises(PesqlError) as array:
        as_plan("[1]")
    assert array.value.codes[0].startswith("E15")  # a JSON error, not a p-SQL syntax error
    with pytest.raises(PesqlError) as text:
        as_plan("LIMT 1")
    assert text.value.codes[0].startswith("E1") and not text.value.codes[0].startswith("E15")


def test_as_plan_reads_json_op_names_with_the_naming() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_DIFF"})
    plan = parse("DERIVE gap = SUB_ABS(price, price)")
    renamed = dumps(to_json(plan, naming))
    assert "ABS_DIFF" in renamed
    assert as_plan(renamed, naming=naming) == plan
    assert as_plan(json.loads(renamed), naming=naming) == plan


def test_as_plan_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="not bytes"):
        as_plan(b"LIMIT 1")  # type: ignore[arg-type]


# --- compile and the cache ----------------------------------------------------------------
def test_compile_checks_and_optimizes() -> None:
    compiled = compile(TEXT, SCHEMA)
    assert isinstance(compiled.checked, CheckedPlan) and isinstance(compiled.optimized, CheckedPlan)
    assert to_text(compiled.checked.plan) == "FILTER price > 2 * 5\nSORT price DESC"
    assert to_text(compiled.plan) == "FILTER price > 10\nSORT price DESC"
    as_written = compile(TEXT, SCHEMA, optimize=False)
    assert as_written.optimized is as_written.checked


def test_a_cache_hit_returns_the_same_object() -> None:
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(TEXT, SCHEMA, cache=cache)
    for same in (PLAN, DOCUMENT, json.dumps(DOCUMENT), "FILTER price>2*5\nSORT price DESC"):
        assert compile(same, SCHEMA, cache=cache) is first
    assert cache.info() == (4, 1, 256, 1)


MISSES: list[tuple[str, dict[str, Any]]] = [
    ("another schema", {"schema": Schema.of({"price": "integer", "region": "string"})}),
    ("a catalog", {"schema": {"sales": SCHEMA}}),
    ("optimize=False", {"optimize": False}),
    ("other size limits", {"size": SizeLimits(max_steps=10)}),
    ("another plan", {"source": "FILTER price > 10"}),
]


@pytest.mark.parametrize("change", [m[1] for m in MISSES], ids=[m[0] for m in MISSES])
def test_a_different_key_misses(change: dict[str, Any]) -> None:
    cache: CompileCache[Compiled] = CompileCache()
    first = compile(TEXT, SCHEMA, cache=cache)
    arguments: dict[str, Any] = {"source": TEXT, "schema": SCHEMA, **change}
    other = compile(arguments.pop("source"), arguments.pop("schema"), cache=cache, **arguments)
    assert other is not first
    assert cache.info().misses == 2 and len(cache) == 2


def test_the_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    cache: CompileCache[Compiled] = CompileCache(maxsize=2)
    a, b = (compile(f"LIMIT {n}", SCHEMA, cache=cache) for n in (1, 2))
    assert compile("LIMIT 1", SCHEMA, cache=cache) is a  # now the most recently used
    compile("LIMIT 3", SCHEMA, cache=cache)  # evicts LIMIT 2
    assert len(cache) == 2
    assert compile("LIMIT 1", SCHEMA, cache=cache) is a
    assert compile("LIMIT 2", SCHEMA, cache=cache) is not b
    cache.clear()
    assert cache.info() == (0, 0, 2, 0)


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache: CompileCache[Compiled] = CompileCache(maxsize=0)
    assert compile(TEXT, SCHEMA, cache=cache) is not compile(TEXT, SCHEMA, cache=cache)
    assert len(cache) == 0
    with pytest.raises(ValueError, match="maxsize"):
        CompileCache(maxsize=-1)


def test_threads_compiling_one_plan_share_one_result() -> None:
    cache: CompileCache[Compiled] = CompileCache()
    barrier = threading.Barrier(8)

    def compile_at_once(_: int) -> Compiled:
        barrier.wait()
        return compile(TEXT, SCHEMA, cache=cache)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(compile_at_once, range(8)))
    assert all(r is results[0] for r in results)
    assert len(cache) == 1 and sum(cache.info()[:2]) == 8


def test_make_builds_the_result_type() -> None:
    built: list[tuple[CheckedPlan, CheckedPlan]] = []

    def make(checked: CheckedPlan, optimized: CheckedPlan) -> Compiled:
        built.append((checked, optimized))
        return Compiled(checked, optimized)

    compiled = compile(TEXT, SCHEMA, make=make)
    assert built == [(compiled.checked, compiled.optimized)]


# --- each check once ----------------------------------------------------------------------
Counter = dict[str, int]


def count_calls(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, counts: Counter
) -> None:
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[name] = counts.get(name, 0) + 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Calls of the checker and of the size check by the pipeline and by repair."""
    import pesql.compiler.repair.repair as repair_module

    found: Counter = {}
    count_calls(monkeypatch, pipeline, "check", found)
    count_calls(monkeypatch, pipeline, "check_size", found)
    count_calls(monkeypatch, repair_module, "check", found)
    return found


def test_one_compile_checks_once_and_sizes_once(counts: Counter) -> None:
    cache: CompileCache[Compiled] = CompileCache()
    compile(TEXT, SCHEMA, cache=cache)
    assert counts == {"check": 1, "check_size": 1}
    compile(TEXT + "\n", SCHEMA, cache=cache)  # a hit: nothing runs again
    assert counts == {"check": 1, "check_size": 1}


@pytest.mark.parametrize(
    "schema", [SCHEMA, {"sales": SCHEMA}, {"sales": SCHEMA, "other": SCHEMA}], ids=str
)
def test_a_plan_checked_against_the_schema_is_not_checked_again(
    counts: Counter, schema: Schema | dict[str, Schema]
) -> None:
    checked = check(parse("FROM sales\n" + TEXT), schema)
    compiled = compile(checked, schema)
    assert compiled.checked is checked
    assert counts == {"check_size": 1}


def test_a_plan_checked_against_another_schema_is_checked_again(counts: Counter) -> None:
    checked = check(parse("DERIVE t = price + 1"), SCHEMA)
    integers = Schema.of({"price": "integer", "region": "string"})
    compiled = compile(checked, integers)
    assert counts == {"check": 1, "check_size": 1}
    output = compiled.checked.output_schema.get("t")
    assert output is not None and output.dtype == "integer"
    # A plan without FROM, checked with one table, is ambiguous in a catalog of two.
    with pytest.raises(PesqlError) as err:
        compile(checked, {"a": SCHEMA, "b": SCHEMA})
    assert err.value.codes == ("E210",)


@pytest.mark.parametrize(
    "text",
    [dumps(DOCUMENT), dumps(DOCUMENT)[:-1] + ",}"],
    ids=["canonical JSON (fast path)", "a trailing comma (repaired)"],
)
def test_repair_then_compile_checks_once(counts: Counter, text: str) -> None:
    repaired = repair(text, schema=SCHEMA)
    assert repaired.plan is not None and repaired.checked is not None and repaired.trusted
    assert repaired.checked == check(repaired.plan, SCHEMA)
    checks_in_repair = counts["check"]
    compile(repaired.checked, SCHEMA)
    assert counts["check"] == checks_in_repair  # compile did not check again
    assert counts["check_size"] == 1


def test_repair_without_a_schema_checks_nothing(counts: Counter) -> None:
    repaired = repair(dumps(DOCUMENT))
    assert repaired.plan == PLAN and repaired.checked is None
    assert counts == {}


def test_the_size_check_runs_on_the_plan_before_the_checker(counts: Counter) -> None:
    with pytest.raises(PesqlError) as err:
        compile("DERIVE x = ABS(ABS(nope))", SCHEMA, size=SizeLimits(max_depth=2))
    assert err.value.codes == ("E302",)  # not E201 unknown column: the checker never ran
    assert counts == {"check_size": 1}


def test_the_size_codes_are_known_to_the_compiler_alone() -> None:
    # E301 and E302 are raised by compiler/check/size.py: importing the compiler is enough to
    # report them (a fresh interpreter, so no runtime module has registered anything).
    program = (
        "from pesql.compiler.check.size import SizeLimits, check_size\n"
        "from pesql.grammar.diagnostics import PesqlError\n"
        "from pesql.grammar.parse import parse\n"
        "try:\n"
        "    check_size(parse('DERIVE x = ABS(a)\\nLIMIT 1'), SizeLimits(1, 1))\n"
        "except PesqlError as exc:\n"
        "    print(exc.codes)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "('E301', 'E302')", done.stderr
