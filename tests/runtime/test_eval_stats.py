"""Statistics of run comparisons: exact McNemar, percentiles, the paired bootstrap, compare_runs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.runtime.evals.runs.metrics import by_op, estimate_cost, price_of, summarize
from pesql.runtime.evals.runs.records import ExampleResult, Run, RunSettings
from pesql.runtime.evals.runs.stats import bootstrap_ci, compare_runs, mcnemar_exact, percentile

SETTINGS = RunSettings("ds", "hash1", "default", "p1", "gpt-4o-mini")


def record(
    ident: str, correct: bool, latency: float = 1.0, ops: tuple[str, ...] = ()
) -> ExampleResult:
    return ExampleResult(
        id=ident, question=f"question {ident}", tags=("t",), ops=ops,
        status="correct" if correct else "incorrect", why="", plan=None, plan_text=None,
        plan_match=correct, first_try_valid_json=True, repaired=False, attempts=1,
        transport_retries=0, ttfb_s=latency / 2, latency_s=latency, tokens_in=1000,
        tokens_out=100, tokens_estimated=False,
    )  # fmt: skip


def run(name: str, results: list[ExampleResult], settings: RunSettings = SETTINGS) -> Run:
    return Run(Path(name), settings, {r.id: r for r in results})


@pytest.mark.parametrize(
    ("b", "c", "p"),
    [
        (10, 2, 0.0386),  # 2 * (1 + 12 + 66) / 4096 = 0.03857
        (2, 10, 0.0386),
        (5, 5, 1.0),
        (0, 0, 1.0),
        (1, 0, 1.0),
        (0, 5, 0.0625),  # 2 / 32
        (0, 10, 0.002),  # 2 / 1024
        (7, 3, 0.3438),  # 2 * (1 + 10 + 45 + 120) / 1024
    ],
)
def test_mcnemar_exact_known_values(b: int, c: int, p: float) -> None:
    assert round(mcnemar_exact(b, c), 4) == p


@given(st.integers(0, 60), st.integers(0, 60))
def test_mcnemar_equals_summing_outcomes_no_likelier_than_observed(b: int, c: int) -> None:
    # The definition of the two-sided exact binomial test (as in scipy's binomtest): the
    # probability of every outcome at most as likely as the one observed.
    n = b + c
    probability = [math.comb(n, k) / 2**n for k in range(n + 1)]
    observed = probability[b]
    expected = sum(q for q in probability if q <= observed * (1 + 1e-12))
    assert mcnemar_exact(b, c) == pytest.approx(min(1.0, expected))


def test_mcnemar_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([1, 2, 3, 4], 50, 2.5), ([1, 2, 3, 4], 0, 1), ([1, 2, 3, 4], 100, 4),
     ([10, 20], 95, 19.5), ([3], 95, 3)],
)  # fmt: skip
def test_percentile_interpolates_like_numpy(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)
    assert math.isnan(percentile([], 50))


def synthetic(n: int = 400) -> tuple[list[bool], list[bool]]:
    """A right on 60% of examples, B on 70%: B fixes 60 of A's misses and breaks 20."""
    a = [i % 10 < 6 for i in range(n)]
    b = list(a)
    misses = [i for i in range(n) if not a[i]]
    hits = [i for i in range(n) if a[i]]
    for i in misses[:60]:
        b[i] = True
    for i in hits[:20]:
        b[i] = False
    return a, b


def test_bootstrap_ci_contains_the_true_difference_and_is_seeded() -> None:
    a, b = synthetic()
    truth = (sum(b) - sum(a)) / len(a)
    assert truth == pytest.approx(0.10)

    def diff(idx: list[int] | range) -> float:
        return sum(int(b[i]) - int(a[i]) for i in idx) / len(idx)

    low, high = bootstrap_ci(len(a), diff, resamples=2000, seed=7)
    assert low < truth < high and low > 0 and high - low < 0.12
    assert bootstrap_ci(len(a), diff, resamples=2000, seed=7) == (low, high)
    assert bootstrap_ci(len(a), diff, resamples=2000, seed=8) != (low, high)
    assert all(math.isnan(x) for x in bootstrap_ci(0, diff))


def test_compare_runs_pairs_the_common_examples() -> None:
    a_right, b_right = synthetic(100)
    a = run("sub_abs", [record(f"e{i:03d}", x, 1.0 + i % 5) for i, x in enumerate(a_right)])
    b_results = [record(f"e{i:03d}", x, 2 * (1.0 + i % 5)) for i, x in enumerate(b_right)]
    b = run("abs_diff", [*b_results[:90], record("extra", True)])  # 10 of A's missing
    c = compare_runs(a, b, resamples=500, seed=1)
    assert (c.common, c.only_a, c.only_b) == (90, 10, 1)
    pairs = list(zip(a_right[:90], b_right[:90], strict=True))
    b_count = sum(1 for x, y in pairs if x and not y)
    c_count = sum(1 for x, y in pairs if y and not x)
    assert (c.a_only_right, c.b_only_right) == (b_count, c_count)
    assert c.p_value == mcnemar_exact(b_count, c_count)
    assert c.accuracy_diff == pytest.approx((sum(b_right[:90]) - sum(a_right[:90])) / 90)
    assert c.accuracy_ci[0] <= c.accuracy_diff <= c.accuracy_ci[1]
    assert c.latency_ratio == pytest.approx(2.0) and c.latency_ci == pytest.approx((2.0, 2.0))
    assert len(c.a_to_wrong) == b_count and all(a.results[i].correct for i in c.a_to_wrong)
    assert not c.warnings
    assert compare_runs(a, b, resamples=500, seed=1) == c  # deterministic


def test_compare_runs_warns_about_other_dataset_versions() -> None:
    other = RunSettings("ds", "hash2", "default", "p1", "gpt-4o-mini")
    c = compare_runs(run("a", [record("x", True)]), run("b", [record("y", True)], other))
    assert c.common == 0 and len(c.warnings) == 2 and c.p_value == 1.0


def test_metrics_by_op_and_cost_estimates() -> None:
    results = [record("1", True, ops=("FILTER",)), record("2", False, ops=("FILTER", "SORT"))]
    m = summarize(results, "gpt-4o-mini")
    assert (m.n, m.correct, m.accuracy, m.plan_match_rate) == (2, 1, 0.5, 0.5)
    assert m.latency_p50_s == 1.0 and m.tokens_in == 2000
    assert m.cost_usd == pytest.approx((2000 * 0.15 + 200 * 0.60) / 1e6)
    groups = by_op(results, "gpt-4o-mini")
    assert groups["FILTER"].accuracy == 0.5 and groups["SORT"].accuracy == 0.0
    assert price_of("gpt-4o-mini-2024-07-18") == price_of("gpt-4o-mini") != price_of("gpt-4o")
    assert price_of("ft:gpt-4o-mini:org:pesql:ftjob-1") == (0.30, 1.20)
    assert estimate_cost("my-local-llama", 10, 10) is None
