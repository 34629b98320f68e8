"""Hostile input on every entry point: no traceback, no call over its time limit, bounded RSS.

Each entry point of `pesql.runtime.testing.fuzz` (the public API and every CLI subcommand:
plans, profiles, tables, datasets, fine-tuning files, evaluation runs, `ask` against a local
scripted model, `model` argument parsing, and `serve` over HTTP in its own process) gets
generated hostile inputs (`pesql.runtime.testing.strategies.hostile`, `.hostile_files`). The
CI profile runs `PESQL_HOSTILE_EXAMPLES` (default 100) inputs per entry point in process and
`PESQL_HOSTILE_SUBPROCESS` (default 1) through the real `python -m pesql`; `make fuzz-hostile`
runs 5,000 and 5 (a process takes 2-40 s to start on a loaded machine). Inputs that once
found a bug are kept in fixtures/regressions.jsonl and run first, always. docs/fuzzing.md
records the counts of the last full run.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pesql.grammar.parse import prepare_error_reader
from pesql.runtime.testing.fuzz import ENTRY_POINTS, Outcome, call, rss_mb
from pesql.runtime.testing.fuzz.cli import in_subprocess
from pesql.runtime.testing.fuzz.judge import Refused
from pesql.runtime.testing.fuzz.remote import served
from pesql.runtime.testing.strategies.hostile import json_values

EXAMPLES = int(os.environ.get("PESQL_HOSTILE_EXAMPLES", "100"))
# A time box per entry point in seconds (0: none), for a run in chunks on a busy machine: the
# report then says how many inputs each entry point got.
SECONDS = float(os.environ.get("PESQL_HOSTILE_SECONDS", "0"))
SUBPROCESS_EXAMPLES = int(os.environ.get("PESQL_HOSTILE_SUBPROCESS", "1"))
# Growth of the peak RSS over one entry point's run: a leak or an unbounded intermediate
# shows here (the table and the lark parser are loaded before the first measurement).
RSS_GROWTH_MB = 400.0
FIXTURES = Path(__file__).parent / "fixtures" / "regressions.jsonl"
# `make fuzz-hostile` sets this: one JSON line per entry point with what the run saw, and
# every failing input in REPORT.findings.
REPORT = os.environ.get("PESQL_HOSTILE_REPORT")
SUBPROCESS_ENTRIES = [name for name, e in ENTRY_POINTS.items() if e.argv_of is not None]


def _regressions() -> list[tuple[str, Any, str]]:
    """(entry point, input, expected outcome: "refused" unless the record says otherwise)."""
    cases = []
    for line in FIXTURES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            cases.append((record["entry"], record["input"], record.get("expect", "refused")))
    return cases


def _report(entry: str, outcomes: list[Outcome], rss_growth: float) -> None:
    """One line per entry point (REPORT), and every input that failed (FINDINGS): the counts
    docs/fuzzing.md records and the inputs that become regression fixtures."""
    if not REPORT:
        return
    kinds = {k: sum(o.kind == k for o in outcomes) for k in ("ok", "refused", "bug", "slow")}
    slowest = max((o.seconds for o in outcomes), default=0.0)
    line = {"entry": entry, "inputs": len(outcomes), **kinds, "slowest_s": round(slowest, 3),
            "rss_growth_mb": round(rss_growth, 1)}  # fmt: skip
    with open(REPORT, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    with open(REPORT + ".findings", "a", encoding="utf-8") as out:
        for o in outcomes:
            if o.kind in ("bug", "slow"):
                record = {"entry": entry, "kind": o.kind, "detail": o.detail, "input": o.value}
                out.write(json.dumps(record, default=repr) + "\n")


def _progress(entry: str, outcomes: list[Outcome], rss_growth: float) -> None:
    """The counts so far (REPORT.progress, one line per 100 inputs): the last line of an
    entry point is what a run stopped before its end saw."""
    assert REPORT is not None
    kinds = {k: sum(o.kind == k for o in outcomes) for k in ("ok", "refused", "bug", "slow")}
    slowest = max((o.seconds for o in outcomes), default=0.0)
    line = {"entry": entry, "inputs": len(outcomes), **kinds, "slowest_s": round(slowest, 3),
            "rss_growth_mb": round(rss_growth, 1)}  # fmt: skip
    with open(REPORT + ".progress", "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _judge(entry: str, value: Any) -> Outcome:
    outcome = call(entry, value)
    shown = repr(value) if len(repr(value)) < 400 else repr(value)[:400] + "..."
    assert outcome.kind in ("ok", "refused"), f"{entry}: {outcome} on {shown}"
    return outcome


def _failures(entry: str, outcomes: list[Outcome]) -> list[str]:
    failed = [o for o in outcomes if o.kind not in ("ok", "refused")]
    return [f"{entry}: {o.kind} {o.detail} on {repr(o.value)[:300]}" for o in failed[:10]]


@pytest.mark.parametrize(("entry", "value", "expect"), _regressions())
def test_inputs_that_found_bugs_are_handled_cleanly(entry: str, value: Any, expect: str) -> None:
    # The first call of an entry may import what it needs (the fine-tuning CLI: 1.5 s of CPU
    # with no .pyc written, past the 1 s limit under load), which is not the input's cost:
    # warm it (unjudged), then judge the same input again.
    call(entry, value)
    outcome = _judge(entry, value)  # never a bug, never over the time limit
    assert outcome.kind == expect, outcome


class _TimeBoxSpent(Exception):
    """Raised out of the hypothesis run when `SECONDS` are spent."""


def _drive(entry: str, inputs: st.SearchStrategy[Any]) -> list[Outcome]:
    """`EXAMPLES` generated inputs through `entry`; every outcome is kept (a failing input does
    not stop the run, so the report counts them all), then judged: no bug, no slow call, RSS
    growth bounded."""
    before, started = rss_mb(), time.monotonic()
    outcomes: list[Outcome] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],  # no shrinking: failures are counted, not raised
    )
    @given(inputs)
    def run(value: Any) -> None:
        if SECONDS and time.monotonic() - started > SECONDS:
            raise _TimeBoxSpent  # drawing the rest of the examples would cost time too
        outcomes.append(call(entry, value))
        if REPORT and len(outcomes) % 100 == 0:  # a long run stopped early still counts
            _progress(entry, outcomes, rss_mb() - before)

    with contextlib.suppress(_TimeBoxSpent):
        run()
    growth = rss_mb() - before
    _report(entry, outcomes, growth)
    failures = _failures(entry, outcomes)
    assert not failures, "\n".join(failures)
    assert growth < RSS_GROWTH_MB
    return outcomes


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_hostile_inputs(entry: str) -> None:
    point = ENTRY_POINTS[entry]
    for _ in range(2):  # warm up (imports, the table, the parser, the servers: maybe slow)
        assert call(entry, point.sample()).kind in ("ok", "refused", "slow")
    # lark's parser is built on the first text with a problem (~0.3 s, once per process:
    # grammar/lark_reader.py); a sample may be valid, so it is built here, not in a timed call.
    prepare_error_reader()
    assert call(entry, point.sample()).kind in ("ok", "refused")
    server_before = served().rss_mb() if entry == "cli serve" else 0.0
    outcomes = _drive(entry, point.inputs())
    assert len(outcomes) >= min(EXAMPLES, 50)
    if entry == "cli serve":  # the service's own memory, in its own process
        assert served().rss_mb() - server_before < RSS_GROWTH_MB


@pytest.mark.parametrize("entry", SUBPROCESS_ENTRIES)
def test_hostile_inputs_through_the_real_command(entry: str) -> None:
    """A sample of each subcommand's inputs through `python -m pesql`: the real entry point,
    its exit code and stderr (no traceback, no "internal error"); time is judged in process."""
    argv_of = ENTRY_POINTS[entry].argv_of
    assert argv_of is not None
    run = in_subprocess(argv_of)
    outcomes: list[Outcome] = []

    @settings(max_examples=SUBPROCESS_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(ENTRY_POINTS[entry].inputs())
    def sample(value: Any) -> None:
        started = time.perf_counter()
        try:
            run(value)
            kind, detail = "ok", ""
        except Refused as exc:
            kind, detail = "refused", str(exc)
        except subprocess.TimeoutExpired as exc:  # the time limit is judged in process
            kind, detail = "slow", str(exc)
        except Exception as exc:
            kind, detail = "bug", f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        kept = value if kind in ("bug", "slow") else None
        outcomes.append(Outcome(kind, seconds, detail, kept))  # type: ignore[arg-type]

    sample()
    _report(f"{entry} (subprocess)", outcomes, 0.0)
    failures = _failures(entry, outcomes)
    assert not failures, "\n".join(failures)
    assert len(outcomes) >= SUBPROCESS_EXAMPLES


def test_hostile_json_values() -> None:
    before = rss_mb()
    lowered: list[Outcome] = []
    compiled: list[Outcome] = []

    @settings(
        max_examples=EXAMPLES * 2,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(json_values())
    def run(value: Any) -> None:
        lowered.append(call("from_json", value))
        if isinstance(value, dict):
            compiled.append(call("compile", value))

    run()
    growth = rss_mb() - before
    _report("from_json (JSON values)", lowered, growth)
    _report("compile (JSON values)", compiled, growth)
    failures = _failures("from_json", lowered) + _failures("compile", compiled)
    assert not failures, "\n".join(failures)
    assert growth < RSS_GROWTH_MB


@given(st.sampled_from([0, 1.5, [1], None, b"LIMIT 1", object(), {"steps"}]))
def test_wrong_python_types_are_type_errors_that_name_the_type(value: Any) -> None:
    import pesql

    schema = pesql.schema_from_polars({"a": __import__("polars").Int64})
    plan = pesql.parse("LIMIT 1")
    for fn in (pesql.parse, pesql.repair, pesql.to_text, pesql.to_json,
               lambda v: pesql.check(v, schema), lambda v: pesql.compile(v, schema),
               lambda v: pesql.check(plan, v), lambda v: pesql.compile(plan, v)):  # fmt: skip
        with pytest.raises((TypeError, pesql.PesqlError)) as info:
            fn(value)
        if info.type is TypeError:
            message = str(info.value)
            named = type(value).__name__ if value is not None else "None"
            assert named in message and ("not " in message or "no plan" in message), message


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (["run", "--max-rows", "99999999999999999999999"], 2),  # OverflowError in polars' head
        (["run", "--max-rows", "1" + "0" * 5000], 2),  # past Python's digit limit
        (["run", "--output", "/nonexistent-pesql/dir/out.csv"], 1),  # FileNotFoundError: E319
        (["run", "--format", "parquet", "--output", "/nonexistent-pesql/x.parquet"], 1),
        (["sql", "--output", "/nonexistent-pesql/dir/out.sql"], 1),
    ],
)
def test_cli_options_that_found_bugs_are_input_errors(
    options: list[str], code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pesql.runtime.cli.main import run_cli
    from pesql.runtime.testing.fuzz import penguins_path

    plan = tmp_path / "plan.psql"
    plan.write_text("LIMIT 1\n", encoding="utf-8")
    argv = [*options, "--table", f"penguins={penguins_path()}", str(plan)]
    try:
        status = run_cli(argv)
    except SystemExit as exc:  # argparse's usage errors
        status = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert status == code and "internal error" not in err, err
    if code == 1:
        assert "E319" in err


@pytest.mark.parametrize(
    "options",
    [{"max_rows": 2**40}, {"max_rows": -1}, {"timeout_s": 1e300}, {"timeout_s": float("nan")},
     {"timeout_s": 0}],
)  # fmt: skip
def test_limits_polars_cannot_take_are_refused_when_made(options: dict[str, Any]) -> None:
    from pesql.runtime.engine.limits import Limits

    # Before: OverflowError inside the run ("number too large to fit in target type").
    with pytest.raises(ValueError, match=r"max_rows|timeout_s"):
        Limits(**options)
