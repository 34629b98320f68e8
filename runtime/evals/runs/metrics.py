"""Metrics of an evaluation run: over all examples, per tag and per operation of the gold plan.

    >>> from dataclasses import replace
    >>> from pesql.runtime.evals.runs.records import ExampleResult
    >>> record = ExampleResult(id="q01", question="How many penguins are there?",
    ...     tags=("count",), ops=("COUNT",), status="correct", why="", plan=None, plan_text=None,
    ...     plan_match=True, first_try_valid_json=True, repaired=False, attempts=1,
    ...     transport_retries=0, ttfb_s=0.2, latency_s=1.0, tokens_in=2000, tokens_out=50,
    ...     tokens_estimated=False)
    >>> wrong = replace(record, id="q02", ops=("SUB_ABS",), status="incorrect", plan_match=False,
    ...                 attempts=2, latency_s=3.0)
    >>> failed = replace(record, id="q03", ops=("COUNT", "SUB_ABS"), status="error",
    ...                  plan_match=None, latency_s=5.0)
    >>> m = summarize([record, wrong, failed], "gpt-4o-mini")
    >>> m.accuracy, m.plan_match_rate, m.latency_p50_s, m.latency_p95_s
    (0.333..., 0.5, 3.0, 4.8)
    >>> round(m.cost_usd, 6)  # 6000 tokens in, 150 out, at gpt-4o-mini's list prices
    0.00099
    >>> {op: g.accuracy for op, g in by_op([record, wrong, failed], "gpt-4o-mini").items()}
    {'COUNT': 0.5, 'SUB_ABS': 0.0}

Rates are fractions of the examples in the group. Latency percentiles interpolate linearly
between ranks. `plan_match_rate` is over the examples that produced a plan (errors have none).
Costs are **estimates** from the list prices in `PRICES` (USD per million tokens, as of
`PRICES_AS_OF`); a model missing from the table has no cost rather than a wrong one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from pesql.runtime.evals.runs.stats import percentile

if TYPE_CHECKING:
    from pesql.runtime.evals.runs.records import ExampleResult, RunSettings

__all__ = [
    "PRICES",
    "PRICES_AS_OF",
    "Metrics",
    "by_op",
    "by_tag",
    "estimate_cost",
    "price_of",
    "summarize",
    "summary_json",
]

# List prices in USD per 1M tokens (input, output) from the providers' pricing pages. They
# change: treat every cost as an estimate and update the table (and its date) when they do.
PRICES_AS_OF = "2025-06-01"
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    # Inference on fine-tuned models ("ft:gpt-4o-mini:org:suffix:id") costs more than the base.
    "ft:gpt-4o-mini": (0.30, 1.20),
    "ft:gpt-4o": (3.75, 15.00),
    "ft:gpt-4.1-mini": (0.80, 3.20),
}


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens; dated snapshots ("gpt-4o-2024-08-06") use the base."""
    if model.startswith("ft:"):
        base = "ft:" + model.split(":")[1]
        return PRICES.get(base)
    for name in sorted(PRICES, key=len, reverse=True):  # "gpt-4o-mini" before "gpt-4o"
        if model == name or model.startswith(name + "-"):
            return PRICES[name]
    return None


def estimate_cost(model: str, tokens_in: int, tokens_out: int) -> float | None:
    price = price_of(model)
    if price is None:
        return None
    return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000


@dataclass(frozen=True)
class Metrics:
    """Metrics of one group of results."""

    n: int
    correct: int
    incorrect: int
    errors: int
    accuracy: float
    plan_match_rate: float
    first_try_valid_json_rate: float
    repaired_rate: float
    retry_rate: float  # asked again at least once (attempts > 1)
    transport_retry_rate: float  # at least one request retried (429, 5xx, timeout)
    warned_rate: float  # the graded answer carried a warning (W-code): plausibly wrong
    ttfb_p50_s: float
    ttfb_p95_s: float
    latency_p50_s: float
    latency_p95_s: float
    tokens_in: int
    tokens_out: int
    tokens_estimated: bool  # some counts are offline estimates (the server sent no usage)
    cost_usd: float | None  # an estimate (PRICES as of PRICES_AS_OF); None: unknown model

    def to_json(self) -> dict[str, Any]:
        return {k: _finite(v) for k, v in asdict(self).items()}


def _rate(records: Sequence[ExampleResult], test: Callable[[ExampleResult], bool]) -> float:
    return sum(1 for r in records if test(r)) / len(records) if records else math.nan


def summarize(records: Sequence[ExampleResult], model: str) -> Metrics:
    """The metrics of `records` (answers of `model`, for the price)."""
    planned = [r for r in records if r.plan_match is not None]
    ttfb = [r.ttfb_s for r in records if r.ttfb_s is not None]
    latency = [r.latency_s for r in records]
    tokens_in = sum(r.tokens_in for r in records)
    tokens_out = sum(r.tokens_out for r in records)
    return Metrics(
        n=len(records),
        correct=sum(1 for r in records if r.status == "correct"),
        incorrect=sum(1 for r in records if r.status == "incorrect"),
        errors=sum(1 for r in records if r.status == "error"),
        accuracy=_rate(records, lambda r: r.status == "correct"),
        plan_match_rate=_rate(planned, lambda r: bool(r.plan_match)),
        first_try_valid_json_rate=_rate(records, lambda r: r.first_try_valid_json),
        repaired_rate=_rate(records, lambda r: r.repaired),
        retry_rate=_rate(records, lambda r: r.attempts > 1),
        transport_retry_rate=_rate(records, lambda r: r.transport_retries > 0),
        warned_rate=_rate(records, lambda r: bool(r.warnings)),
        ttfb_p50_s=percentile(ttfb, 50),
        ttfb_p95_s=percentile(ttfb, 95),
        latency_p50_s=percentile(latency, 50),
        latency_p95_s=percentile(latency, 95),
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        tokens_estimated=any(r.tokens_estimated for r in records),
        cost_usd=estimate_cost(model, tokens_in, tokens_out),
    )


def _grouped(
    records: Iterable[ExampleResult], keys: Callable[[ExampleResult], Iterable[str]], model: str
) -> dict[str, Metrics]:
    groups: dict[str, list[ExampleResult]] = defaultdict(list)
    for record in records:
        for key in set(keys(record)):
            groups[key].append(record)
    return {key: summarize(groups[key], model) for key in sorted(groups)}


def by_tag(records: Iterable[ExampleResult], model: str) -> dict[str, Metrics]:
    """Metrics per tag (an example counts in each of its tags)."""
    return _grouped(records, lambda r: r.tags, model)


def by_op(records: Iterable[ExampleResult], model: str) -> dict[str, Metrics]:
    """Metrics per operation its gold plan uses (an example counts once per operation)."""
    return _grouped(records, lambda r: r.ops, model)


def summary_json(settings: RunSettings, records: Sequence[ExampleResult]) -> dict[str, Any]:
    """The content of summary.json: settings, the price table's date, metrics by group."""
    model = settings.model
    return {
        "settings": settings.to_json(),
        "prices": {"as_of": PRICES_AS_OF, "usd_per_million": price_of(model), "estimate": True},
        "metrics": summarize(records, model).to_json(),
        "by_tag": {k: m.to_json() for k, m in by_tag(records, model).items()},
        "by_op": {k: m.to_json() for k, m in by_op(records, model).items()},
    }


def _finite(value: Any) -> Any:
    # NaN (a rate over no examples) is not JSON: written as null.
    return None if isinstance(value, float) and math.isnan(value) else value
