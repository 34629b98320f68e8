"""One time budget over compile and run, work that stops after E303, and result-size limits.

Regressions of issue 23: hostile plans that are long to compile (an OR chain of thousands of
terms, a CASE of thousands of WHENs) and tiny plans that grow text exponentially.
"""

from __future__ import annotations

import os
import threading
import time

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine.budget import Deadline, call_within
from pesql.runtime.engine.estimate import step_bytes, table_stats
from pesql.runtime.engine.execute import Limits, compile, execute
from pesql.runtime.engine.limits import collect_within

PENGUINS = pl.DataFrame(
    {"species": ["Adelie", "Gentoo", "Chinstrap"] * 100, "mass": list(range(300))}
)


def or_chain(terms: int) -> str:
    return "FILTER " + " OR ".join(f"mass = {i}.5" for i in range(terms))


def doubling(steps: int) -> str:
    lines = ["DERIVE s0 = species"]
    lines += [f"DERIVE s{i + 1} = CONCAT(s{i}, s{i})" for i in range(steps)]
    return "\n".join(lines)


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _rss_bytes() -> int:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _quiet_within(seconds: float) -> bool:
    """Whether, within `seconds`, the process spends a half second (almost) without CPU."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = _cpu_s()
        time.sleep(0.5)
        if _cpu_s() - before < 0.05:
            return True
    return False


def _workers() -> list[str]:
    """pesql's worker threads; the one long-lived watchdog of the budgets is not one."""
    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith("pesql-") and t.name != "pesql-watchdog"
    ]


def _settled(seconds: float = 5.0) -> bool:
    """Whether every pesql worker thread ends within `seconds`."""
    deadline = time.monotonic() + seconds
    while _workers():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_budget_covers_compiling_and_the_compile_stops() -> None:
    runtime = Runtime(tables={"penguins": PENGUINS})
    started = time.monotonic()
    # 490 OR terms, near the largest plan the input limits accept (max_nodes; issue 21's
    # limits refuse larger chains before compiling): ~50-100 ms to compile, past a 5 ms budget.
    with pytest.raises(PesqlError) as err:
        runtime.execute(or_chain(490), limits=Limits(timeout_s=0.005))
    elapsed = time.monotonic() - started
    assert err.value.codes == ("E303",)
    assert "compiling the plan" in err.value.diagnostics[0].message
    assert elapsed < 1.5, elapsed
    assert _settled(), _workers()  # the compile thread was interrupted, not abandoned
    # A compile that finished just as the budget ran out may be cached: it is complete (the
    # largest plan the input limits accept compiles in ~50-100 ms, the interrupt is re-sent
    # every 50 ms), never a half-built one.
    assert runtime.cache_len <= 1
    # The same runtime keeps serving, and the one-liner has the same budget.
    assert runtime.execute("LIMIT 2").frame.height == 2
    with pytest.raises(PesqlError) as err:
        execute(or_chain(490), PENGUINS, limits=Limits(timeout_s=0.005))
    assert err.value.codes == ("E303",)


def test_after_e303_a_streaming_query_stops() -> None:
    # Text doubled 8 times over 2 million rows: gigabytes if it ran to the end.
    big = pl.DataFrame({"a": range(2_000_000)}).select(species=pl.col("a").cast(pl.String))
    baseline = _rss_bytes()
    compiled = compile(doubling(8), schema_from_polars(big.schema))
    for source in (big, big.lazy()):  # in memory (polars' "auto" would not stream) and lazy
        with pytest.raises(PesqlError) as err:
            compiled.collect(source, Limits(timeout_s=0.5, max_result_bytes=None, max_rows=None))
        assert err.value.codes == ("E303",)
    assert _settled(), _workers()  # the iterator was dropped: polars stops
    # polars' threads finish the morsels in flight (1-2 s on a busy machine), then go quiet
    # and give the memory back; run to the end, the plan takes ~7 s and gigabytes.
    assert _quiet_within(10.0), "polars kept working after E303"
    deadline = time.monotonic() + 10  # jemalloc returns freed memory after a short delay
    while _rss_bytes() > baseline + 400 * 2**20 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _rss_bytes() < baseline + 400 * 2**20, _rss_bytes() - baseline


def test_call_within_returns_values_and_raises_errors_in_the_caller() -> None:
    deadline = Deadline.after(5.0)
    assert call_within(lambda: 42, deadline, "x") == 42
    with pytest.raises(ZeroDivisionError):
        call_within(lambda: 1 // 0, deadline, "x")
    assert call_within(lambda: 7, Deadline.after(None), "x") == 7


def test_exponential_text_is_refused_before_running() -> None:
    with pytest.raises(PesqlError) as err:
        execute(doubling(26), PENGUINS)
    assert err.value.codes == ("E311",)
    diagnostic = err.value.diagnostics[0]
    assert "estimated before running" in diagnostic.message
    assert diagnostic.where().startswith(("2", "1"))  # the step past the budget, a line:col
    nested = "species"
    for _ in range(20):
        nested = f"REPLACE({nested}, 'e', 'eeee')"
    with pytest.raises(PesqlError) as err:
        execute(f"DERIVE r = {nested}", PENGUINS)
    assert err.value.codes == ("E311",)
    regex = "species"
    for _ in range(20):
        regex = f"REGEXP_REPLACE({regex}, '', 'xx')"  # the empty match is everywhere
    with pytest.raises(PesqlError) as err:
        execute(f"DERIVE r = {regex}", PENGUINS)
    assert err.value.codes == ("E311",)
    # Shrinking replacements and ordinary plans pass.
    spaces = "DERIVE r = REGEXP_REPLACE(species, '\\\\s+', ' ')"
    assert execute(spaces, PENGUINS).frame.height == 300
    assert execute(doubling(4), PENGUINS).frame["s4"][0] == "Adelie" * 16


def test_many_wide_columns_are_refused_by_width_times_rows() -> None:
    # issue 21's memory item in small: many derived columns over many rows.
    frame = pl.DataFrame({"x": range(100_000)})
    derive = "DERIVE " + ", ".join(f"c{i} = x * {i}" for i in range(200))
    with pytest.raises(PesqlError) as err:
        execute(derive, frame, limits=Limits(max_result_bytes=100_000_000))
    assert err.value.codes == ("E311",)
    assert execute(derive, frame, limits=Limits(max_result_bytes=None)).frame.width == 201


def test_the_result_is_measured_while_running() -> None:
    frame = pl.LazyFrame({"s": ["x" * 100] * 10_000})
    with pytest.raises(PesqlError) as err:
        collect_within(frame, 5.0, max_result_bytes=100_000)
    assert err.value.codes == ("E311",) and "running" in err.value.diagnostics[0].message
    assert collect_within(frame, 5.0, max_result_bytes=10_000_000).height == 10_000


def test_stats_are_cached_per_source() -> None:
    frame = pl.DataFrame({"s": ["ab", "abcd"], "n": [1, 2]})
    first = table_stats(frame.lazy(), frame)
    assert first.rows == 2 and first.text_bytes == {"s": 3.0}
    assert table_stats(frame.lazy(), frame) is first


TEXTS = st.lists(st.text(alphabet="abcé ", max_size=12), min_size=1, max_size=20)
STEP = st.one_of(
    st.just("CONCAT(s, s)"),
    st.just("CONCAT(s, '-', UPPER(s))"),
    st.tuples(st.sampled_from(["a", "é", "ab", " "]), st.sampled_from(["", "x", "yyy"])).map(
        lambda p: f"REPLACE(s, '{p[0]}', '{p[1]}')"
    ),
    st.sampled_from(["[a-c]", "a+", " ", "é"]).map(lambda p: f"REGEXP_REPLACE(s, '{p}', '<$0>')"),
    st.just("SUBSTRING(s, 2, 3)"),
)


@given(TEXTS, st.lists(STEP, min_size=1, max_size=4))
def test_the_estimate_bounds_the_text_a_plan_makes(texts: list[str], steps: list[str]) -> None:
    frame = pl.DataFrame({"s": texts})
    plan = "\n".join(f"DERIVE s = {step}" for step in steps)
    compiled = compile(plan, schema_from_polars(frame.schema), cache=None)
    estimate = step_bytes(compiled.optimized, table_stats(frame.lazy()))[-1][1]
    made = execute(plan, frame, limits=Limits(max_result_bytes=None)).frame
    assert estimate >= int(made["s"].str.len_bytes().sum() or 0)


# A wide table: 20 text columns of 100 bytes and a number, 1,000 rows (2 MB of text).
WIDE = pl.DataFrame({**{f"t{i}": ["x" * 100] * 1000 for i in range(20)}, "n": range(1000)})


def test_only_the_columns_a_plan_reads_count_in_the_estimate() -> None:
    # polars materializes only what is read downstream: the FILTER's result here is `n` alone.
    small = Limits(max_result_bytes=200_000)
    answer = execute(
        "FILTER n > 10\nAGGREGATE total = SUM(n), longest = MAX(t3)", WIDE, limits=small
    )
    assert answer.frame.rows() == [(sum(range(11, 1000)), "x" * 100)]
    compiled = compile("FILTER n > 10\nAGGREGATE total = SUM(n)", schema_from_polars(WIDE.schema))
    [(_, filtered), _] = step_bytes(compiled.optimized, table_stats(WIDE.lazy()))
    assert filtered == 1000 * 8  # rows x the one live column, not x 20 texts
    # A FILTER whose result is the answer keeps every column: still refused.
    with pytest.raises(PesqlError) as err:
        execute("FILTER n > 10", WIDE, limits=small)
    assert err.value.codes == ("E311",)


def test_live_columns_follow_the_plan_backwards() -> None:
    from pesql.runtime.engine.estimate import live_columns

    plan = "DERIVE u = CONCAT(t1, t2)\nFILTER n > 1\nSORT t0\nGROUP_BY u COMPUTE m = MAX(n)"
    checked = compile(plan, schema_from_polars(WIDE.schema), optimize=False).checked
    live = live_columns(checked)
    assert live[0] == {"t0", "t1", "t2", "n"}  # the input: what any step reads
    assert live[1] == live[2] == {"t0", "u", "n"}  # after DERIVE, after FILTER
    assert live[3] == {"u", "n"}  # after SORT: t0 was read by the SORT, not later
    assert live[4] == {"u", "m"}  # the answer
    # Steps whose needs are not modelled keep every input column: an estimate errs upwards.
    distinct = compile("DISTINCT\nAGGREGATE m = MAX(n)", schema_from_polars(WIDE.schema))
    assert live_columns(distinct.checked)[0] == set(WIDE.columns)


def test_stats_measure_the_text_columns_asked_for_and_add_the_rest_later() -> None:
    frame = pl.DataFrame({"a": ["ab", "abcd"], "b": ["x", "y"], "n": [1, 2]})
    first = table_stats(frame.lazy(), frame, columns=["a", "n"])
    assert first.rows == 2 and first.text_bytes == {"a": 3.0}
    assert table_stats(frame.lazy(), frame, columns=["n"]) is first  # nothing new to measure
    both = table_stats(frame.lazy(), frame)
    assert both.text_bytes == {"a": 3.0, "b": 1.0}
    assert table_stats(frame.lazy(), frame, columns=["b"]) is both


ENDINGS = ["", "SELECT c", "GROUP_BY a COMPUTE m = MAX(c)", "DERIVE d = CONCAT(c, c)", "DROP b"]


@given(TEXTS, st.integers(0, 5), st.booleans(), st.booleans(), st.sampled_from(ENDINGS))
def test_the_estimate_bounds_the_text_of_plans_that_drop_columns(
    texts: list[str], cut: int, filtered: bool, sorted_: bool, ending: str
) -> None:
    # Only the columns read downstream count; the answer's text must still be bounded.
    frame = pl.DataFrame({"a": list(texts), "b": [t[::-1] for t in texts], "n": range(len(texts))})
    steps = ["DERIVE c = CONCAT(a, '-', b)"]
    steps += [f"FILTER n >= {cut}"] if filtered else []
    steps += ["SORT a"] if sorted_ else []
    steps += [ending] if ending else []
    plan = "\n".join(steps)
    compiled = compile(plan, schema_from_polars(frame.schema), cache=None)
    estimate = step_bytes(compiled.optimized, table_stats(frame.lazy()))[-1][1]
    made = execute(plan, frame, limits=Limits(max_result_bytes=None)).frame
    text = [c for c, dtype in made.schema.items() if dtype == pl.String]
    assert estimate >= sum(int(made[c].str.len_bytes().sum() or 0) for c in text)


def test_a_compiled_plan_keeps_its_per_row_estimate_per_table_widths() -> None:
    # The per-row widths are kept per text-width statistics (execute.CompiledPlan._row_widths):
    # each table is still estimated with its own widths and rows, as by step_bytes afresh.
    narrow = pl.DataFrame({"t": ["ab"] * 100, "n": range(100)})
    wide = pl.DataFrame({"t": ["x" * 400] * 100, "n": range(100)})
    compiled = compile("DERIVE u = CONCAT(t, t)\nFILTER n > 1", schema_from_polars(narrow.schema))
    # 100 rows x (t, u, n) of the wide table is ~120 kB; of the narrow one ~2 kB.
    limits = Limits(max_result_bytes=50_000)
    for _ in range(2):  # the second time from what the plan kept
        assert compiled.collect(narrow, limits).frame.height == 98
        with pytest.raises(PesqlError) as err:
            compiled.collect(wide, limits)
        assert err.value.codes == ("E311",)
    assert len(compiled._widths_seen) == 2
    for frame in (narrow, wide, narrow.head(3)):
        stats = table_stats(frame.lazy())
        kept = step_bytes(compiled.optimized, stats, widths=compiled._row_widths(stats))
        assert kept == step_bytes(compiled.optimized, stats)
