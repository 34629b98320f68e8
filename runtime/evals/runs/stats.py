"""Statistics for comparing two runs on the same examples: exact McNemar, paired bootstrap.

    >>> round(mcnemar_exact(10, 2), 4)    # 10 examples only A got right, 2 only B
    0.0386
    >>> from dataclasses import replace
    >>> from pathlib import Path
    >>> from pesql.runtime.evals.runs.records import ExampleResult, RunSettings
    >>> settings = RunSettings("qa", "1306ba0139c05029", "default", "0bae9215891a4af8",
    ...                        "gpt-4o-mini")
    >>> record = ExampleResult(id="q01", question="How many penguins are there?",
    ...     tags=("count",), ops=("COUNT",), status="correct", why="", plan=None, plan_text=None,
    ...     plan_match=True, first_try_valid_json=True, repaired=False, attempts=1,
    ...     transport_retries=0, ttfb_s=0.2, latency_s=1.0, tokens_in=2000, tokens_out=50,
    ...     tokens_estimated=False)
    >>> def run(name, right, latency_s):  # 20 examples, the first `right` of them correct
    ...     results = {f"q{i:02}": replace(record, id=f"q{i:02}", latency_s=latency_s,
    ...                                    status="correct" if i < right else "incorrect")
    ...                for i in range(20)}
    ...     return Run(Path(name), settings, results)
    >>> a, b = run("abs_diff", right=10, latency_s=1.5), run("sub_abs", right=17, latency_s=1.0)
    >>> comparison = compare_runs(a, b)  # B against A, paired by example id
    >>> comparison.accuracy_diff, comparison.accuracy_ci, comparison.p_value
    (0.35, (0.15, 0.55), 0.015625)
    >>> comparison.b_to_right, comparison.latency_ratio
    (('q10', 'q11', 'q12', 'q13', 'q14', 'q15', 'q16'), 0.666...)

Everything is computed exactly or with a seeded pure-Python bootstrap: the same runs give the
same numbers on every machine, with or without numpy (numpy's generator would draw other
resamples), and at a few hundred examples x 2,000 resamples pure Python takes well under a second.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pesql.runtime.evals.runs.records import Run

__all__ = [
    "Comparison",
    "bootstrap_ci",
    "compare_runs",
    "mcnemar_exact",
    "median",
    "percentile",
]

RESAMPLES = 2000
SEED = 0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for b and c discordant pairs.

    Under "no difference" each discordant pair is A-only or B-only with probability 1/2, so
    min(b, c) is the tail of Binomial(b + c, 1/2); the two-sided p doubles it (capped at 1).
    Exact integer sums: no normal approximation, right even for a handful of pairs.
    """
    if b < 0 or c < 0:
        raise ValueError("discordant counts cannot be negative")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1))
    return min(1.0, 2 * tail / (1 << n))  # big-int true division: exact, then rounded once


def bootstrap_ci(
    n: int,
    statistic: Callable[[Sequence[int]], float],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic(indices)` over `n` paired items.

    The statistic gets resampled indices, so paired data stay paired (one index picks both
    runs' values of the same example). Resamples where the statistic is undefined (NaN) are
    dropped."""
    if n == 0:
        return (math.nan, math.nan)
    rng = random.Random(seed)
    draws = []
    for _ in range(resamples):
        value = statistic([rng.randrange(n) for _ in range(n)])
        if not math.isnan(value):
            draws.append(value)
    alpha = (1 - level) / 2 * 100
    return (percentile(draws, alpha), percentile(draws, 100 - alpha))


@dataclass(frozen=True)
class Comparison:
    """Run B against run A on the examples both answered."""

    a: str
    b: str
    common: int
    only_a: int
    only_b: int
    accuracy_a: float
    accuracy_b: float
    accuracy_diff: float  # B - A
    accuracy_ci: tuple[float, float]
    both_right: int
    both_wrong: int
    a_only_right: int  # McNemar's b: A right, B wrong
    b_only_right: int  # McNemar's c: A wrong, B right
    p_value: float
    latency_ratio: float  # median B / median A (total latency)
    latency_ci: tuple[float, float]
    a_to_wrong: tuple[str, ...]  # ids A got right and B wrong
    b_to_right: tuple[str, ...]  # ids A got wrong and B right
    warnings: tuple[str, ...] = ()
    resamples: int = RESAMPLES
    seed: int = SEED

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def compare_runs(a: Run, b: Run, *, resamples: int = RESAMPLES, seed: int = SEED) -> Comparison:
    """Paired comparison on the intersection of the runs' examples."""
    # Sorted ids, not file order: results are written as they finish, and the bootstrap's
    # resamples must not depend on which question happened to finish first.
    ids = sorted(i for i in a.results if i in b.results)
    right_a = [a.results[i].correct for i in ids]
    right_b = [b.results[i].correct for i in ids]
    lat_a = [a.results[i].latency_s for i in ids]
    lat_b = [b.results[i].latency_s for i in ids]
    n = len(ids)
    pairs = list(zip(right_a, right_b, strict=True))
    only_a = [i for i, (x, y) in zip(ids, pairs, strict=True) if x and not y]
    only_b = [i for i, (x, y) in zip(ids, pairs, strict=True) if y and not x]

    def diff(idx: Sequence[int]) -> float:
        return sum(int(right_b[i]) - int(right_a[i]) for i in idx) / len(idx)

    def ratio(idx: Sequence[int]) -> float:
        denominator = median([lat_a[i] for i in idx])
        return median([lat_b[i] for i in idx]) / denominator if denominator > 0 else math.nan

    warnings = []
    if a.settings.dataset_hash != b.settings.dataset_hash:
        warnings.append("the runs used different dataset versions (dataset_hash differs)")
    if n == 0:
        warnings.append("the runs have no example in common")
    acc_a = sum(right_a) / n if n else math.nan
    acc_b = sum(right_b) / n if n else math.nan
    return Comparison(
        a=a.label,
        b=b.label,
        common=n,
        only_a=len(a.results) - n,
        only_b=len(b.results) - n,
        accuracy_a=acc_a,
        accuracy_b=acc_b,
        accuracy_diff=acc_b - acc_a,
        accuracy_ci=bootstrap_ci(n, diff, resamples=resamples, seed=seed),
        both_right=sum(1 for x, y in pairs if x and y),
        both_wrong=sum(1 for x, y in pairs if not x and not y),
        a_only_right=len(only_a),
        b_only_right=len(only_b),
        p_value=mcnemar_exact(len(only_a), len(only_b)),
        latency_ratio=ratio(range(n)) if n else math.nan,
        latency_ci=bootstrap_ci(n, ratio, resamples=resamples, seed=seed),
        a_to_wrong=tuple(only_a),
        b_to_right=tuple(only_b),
        warnings=tuple(warnings),
        resamples=resamples,
        seed=seed,
    )
