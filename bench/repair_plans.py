"""Recovery per corruption class and time per repair: pesql's plan-aware repair vs json_repair.

    python -m bench.repair_plans            # 5 corruptions per plan and class
    python -m bench.repair_plans --smoke    # 1 per plan and class, well under 10 s

Plans: every registered operation's example (expressions inside DERIVE/AGGREGATE/WINDOW) and
multi-step plans built from them; each is corrupted by every class of the catalog
(`pesql.runtime.testing.corrupt.catalog`) with a fixed seed. Recovered = the exact original
plan: for pesql, `repair` returned it *trusted*; for json_repair, its value lowers
(`from_json`) to it.
Wrong = a different plan accepted (trusted, for pesql). Both run in this process on the same
inputs; speed is a ratio, never an absolute claim.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable

from pesql.compiler.repair.repair import repair
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import from_json
from pesql.grammar.parse import parse
from pesql.grammar.registry import all_ops
from pesql.runtime.testing.corrupt.catalog import CORRUPTIONS, canonical_text

Outcome = str  # "recovered", "wrong", "untrusted", "refused"
_HOST = {"scalar": "DERIVE x = {}", "aggregate": "AGGREGATE x = {}", "window": "WINDOW x = {}"}


def example_plans(combined: int = 30, seed: int = 7) -> list[A.Plan]:
    """One plan per operation example, plus `combined` plans of three of them."""
    singles = []
    for spec in all_ops():
        text = (
            spec.example if spec.category == "step" else _HOST[spec.category].format(spec.example)
        )
        singles.append(parse(text))
    rng = random.Random(seed)
    combos = [
        A.Plan(table="penguins", steps=tuple(s for p in rng.sample(singles, 3) for s in p.steps))
        for _ in range(combined)
    ]
    return singles + combos


def ours(text: str, original: A.Plan) -> Outcome:
    result = repair(text)
    if result.plan is None:
        return "refused"
    if not result.trusted:
        return "untrusted"
    return "recovered" if result.plan == original else "wrong"


def theirs_or_none() -> Callable[[str, A.Plan], Outcome] | None:
    try:
        import json_repair  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None

    def run(text: str, original: A.Plan) -> Outcome:
        try:
            value = json_repair.repair_json(text, return_objects=True)
            plan = from_json(value)
        except PesqlError:
            return "refused"
        except Exception:  # a comparison baseline: its failures are not ours to type
            return "refused"
        return "recovered" if plan == original else "wrong"

    return run


def corpus(repeat: int) -> list[tuple[str, str, A.Plan]]:
    """(class, corrupted text, original) for every plan, class and seed; n/a cases left out."""
    out = []
    for i, plan in enumerate(example_plans()):
        text = canonical_text(plan)
        for name, corrupt in CORRUPTIONS.items():
            for r in range(repeat):
                bad = corrupt(text, random.Random(i * 1000 + r))
                if bad != text:
                    out.append((name, bad, plan))
    return out


def measure(
    fn: Callable[[str, A.Plan], Outcome], cases: list[tuple[str, str, A.Plan]]
) -> tuple[dict[str, Counter[Outcome]], float]:
    counts: dict[str, Counter[Outcome]] = {name: Counter() for name in CORRUPTIONS}
    start = time.perf_counter()
    for name, text, plan in cases:
        counts[name][fn(text, plan)] += 1
    return counts, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one corruption per plan and class")
    args = parser.parse_args(argv)
    cases = corpus(1 if args.smoke else 5)
    mine, my_time = measure(ours, cases)
    theirs = theirs_or_none()
    other, other_time = measure(theirs, cases) if theirs else ({}, 0.0)
    if theirs is None:
        print("json_repair is not installed: only pesql is measured (pip install json-repair)")
    print(
        f"{len(cases)} corrupted plans ({len(example_plans())} plans x {len(CORRUPTIONS)} classes)"
    )
    print(
        f"{'class':<24} {'n':>5} {'pesql':>7} {'untr.':>6} {'refus.':>6} {'wrong':>5} "
        f"{'json_repair':>11} {'wrong':>5}"
    )
    for name in CORRUPTIONS:
        c, o = mine[name], other.get(name, Counter())
        n = sum(c.values())
        if not n:
            continue
        print(
            f"{name:<24} {n:>5} {c['recovered'] / n:>7.0%} {c['untrusted'] / n:>6.0%} "
            f"{c['refused'] / n:>6.0%} {c['wrong']:>5} "
            f"{o['recovered'] / n if theirs else 0:>11.0%} {o['wrong']:>5}"
        )
    total = Counter[Outcome]()
    for c in mine.values():
        total.update(c)
    print(f"pesql: {total['recovered']}/{len(cases)} recovered, {total['wrong']} wrongly accepted")
    if theirs:
        other_total = sum(o["recovered"] for o in other.values())
        other_wrong = sum(o["wrong"] for o in other.values())
        print(f"json_repair: {other_total}/{len(cases)} recovered, {other_wrong} wrong plans")
        print(
            f"time per repair: pesql {my_time / len(cases) * 1e6:.0f} us, json_repair "
            f"{other_time / len(cases) * 1e6:.0f} us (ratio {my_time / other_time:.2f}x; "
            "both include lowering with from_json)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
