"""Evaluation runs end to end against the local fake OpenAI server.

A small dataset of three tables is built per test; a responder answers each question in a
planned way (right plan, wrong plan, broken JSON that needs repair, prose then a plan, a slow
answer, never a plan), so every field of a result line has a known expected value. A short run
over tables-qa checks grading against the curated gold plans, through the command line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import dumps, to_json
from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.datasets.add import add_example
from pesql.runtime.evals.datasets.load import load_dataset
from pesql.runtime.evals.runs.records import ExampleResult, load_run
from pesql.runtime.evals.runs.run import RateLimiter, RunSummary, evaluate_async
from pesql.runtime.llm.profile import Profile
from pesql.runtime.testing.fake_openai.server import Delay, FakeOpenAI, Text, ToolCall, Turn

import pesql

ROOT = Path(__file__).resolve().parents[2]
TABLES_QA = ROOT / "examples" / "datasets" / "tables-qa"
FAST = Profile(backoff_s=0.001, backoff_max_s=0.01, timeout_s=5.0, deadline_s=30.0, max_attempts=2)

# question -> (gold plan, how the fake model answers it)
QUESTIONS: dict[str, tuple[str, str]] = {
    "Which items cost more than 1?": ("FROM shop\nFILTER price > 1\nSELECT item", "right"),
    "How many items are in stock in total?": ("FROM shop\nAGGREGATE n = SUM(qty)", "wrong"),
    "What is the average salary per department?": (
        "FROM staff\nGROUP_BY dept COMPUTE avg_salary = AVG(salary)",
        "broken",
    ),
    "Who earns the most?": ("FROM staff\nSORT salary DESC\nLIMIT 1\nSELECT name", "prose_first"),
    "How long is the longest trip?": ("FROM trips\nAGGREGATE km = MAX(km)", "slow"),
    "How many cities were visited?": ("FROM trips\nAGGREGATE n = COUNT_DISTINCT(city)", "never"),
    "Which trips were longer than 100 km?": (
        "FROM trips\nFILTER km > 100\nSELECT city",
        "respelled",
    ),
}
WRONG = "FROM shop\nAGGREGATE n = SUM(price)"
RESPELLED = "FILTER 100 < km\nSELECT city"


def arguments(text: str) -> str:
    return dumps(to_json(pesql.parse(text)))


def build_dataset(root: Path) -> Path:
    (root / "tables").mkdir(parents=True)
    tables = {
        "shop": "item,price,qty\napple,1.5,3\npear,2.0,0\nplum,0.5,7\n",
        "staff": "name,dept,salary\nAda,eng,120\nBo,eng,100\nCy,ops,90\n",
        "trips": "city,km\nOslo,120\nBergen,80\nOslo,300\n",
    }
    for name, text in tables.items():
        (root / "tables" / f"{name}.csv").write_text(text)
    (root / "tables" / "LICENSES.md").write_text("made up for the tests\n")
    (root / "examples.jsonl").write_text("")
    for question, (plan, how) in QUESTIONS.items():
        add_example(root, question=question, plan=plan, tags=[how, "small"])
    return root


def responder(asked: list[str]) -> Callable[[dict[str, Any]], Turn]:
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Turn:
        question = request["messages"][1]["content"]
        turn = sum(1 for m in request["messages"] if m["role"] == "assistant")
        with lock:
            asked.append(question)
        plan, how = QUESTIONS[question]
        good = arguments(plan)
        if how == "wrong":
            return ToolCall(arguments(WRONG))
        if how == "broken":  # a trailing comma: repaired, and the repair is trusted
            return ToolCall(good[:-2] + ",]}")
        if how == "prose_first" and turn == 0:
            return Text("Ada earns the most.")
        if how == "slow":
            return Delay(0.3, then=ToolCall(good))
        if how == "never":
            return Text("I cannot tell.")
        if how == "respelled":
            return ToolCall(arguments(RESPELLED))
        return ToolCall(good)

    return respond


def evaluate(dataset: Path, out: Path, *, server: FakeOpenAI, **options: Any) -> RunSummary:
    """One run with a client opened and closed inside the run's event loop."""

    async def run() -> RunSummary:
        async with server.async_client() as client:
            return await evaluate_async(dataset, out, client=client, **options)

    return asyncio.run(run())


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    return build_dataset(tmp_path / "small")


def by_how(run_dir: Path) -> dict[str, ExampleResult]:
    run = load_run(run_dir)
    return {QUESTIONS[r.question][1]: r for r in run.results.values()}


def test_every_field_of_a_result_line(server: FakeOpenAI, dataset: Path, tmp_path: Path) -> None:
    asked: list[str] = []
    server.respond_with(responder(asked))
    out = tmp_path / "run"
    summary = evaluate(dataset, out, server=server, profile=FAST, concurrency=3)
    r = by_how(out)
    assert (summary.new, summary.skipped, summary.examples) == (7, 0, 7)
    assert {k: v.status for k, v in r.items()} == {
        "right": "correct", "wrong": "incorrect", "broken": "correct", "prose_first": "correct",
        "slow": "correct", "never": "error", "respelled": "correct",
    }  # fmt: skip
    assert r["right"].plan_match is True and r["right"].first_try_valid_json
    assert r["right"].plan_text == "FROM shop\nFILTER 1 < price\nSELECT item"
    assert json.loads(r["right"].plan or "")["table"] == "shop"
    assert r["wrong"].plan_match is False and r["wrong"].why
    assert r["respelled"].plan_match is True  # equal after canonicalization
    assert r["broken"].repaired and not r["broken"].first_try_valid_json
    assert r["broken"].attempts == 1
    assert r["prose_first"].attempts == 2 and not r["prose_first"].first_try_valid_json
    assert r["slow"].ttfb_s is not None and r["slow"].ttfb_s >= 0.3
    assert r["slow"].latency_s >= r["slow"].ttfb_s
    assert r["never"].errors[0] == "E503" and "E501" in r["never"].errors
    assert r["never"].plan is None and r["never"].plan_match is None
    assert r["never"].attempts == 2 and r["never"].tokens_in > 0
    # What the model wrote, per attempt and before repair: a failure can be read from the run.
    assert r["never"].written == ("I cannot tell.", "I cannot tell.")
    assert r["prose_first"].written[0] == "Ada earns the most."
    most = arguments(QUESTIONS["Who earns the most?"][0])
    assert json.loads(r["prose_first"].written[1]) == json.loads(most)
    assert r["broken"].written[0].endswith(",]}") and len(r["broken"].written) == 1
    assert r["wrong"].ops == ("AGGREGATE", "SUM") and "wrong" in r["wrong"].tags
    assert all(x.run["model"] == "gpt-4o-mini" and x.run["profile_hash"] for x in r.values())
    assert Counter(asked)["Who earns the most?"] == 2
    m = summary.metrics
    assert (m.n, m.correct, m.incorrect, m.errors) == (7, 5, 1, 1)
    assert m.accuracy == pytest.approx(5 / 7) and m.plan_match_rate == pytest.approx(5 / 6)
    assert m.repaired_rate == pytest.approx(1 / 7) and m.retry_rate == pytest.approx(2 / 7)
    assert m.cost_usd is not None and m.cost_usd > 0
    saved = json.loads((out / "summary.json").read_text())
    assert saved["metrics"]["correct"] == 5 and saved["by_op"]["SUM"]["accuracy"] == 0.0
    assert saved["prices"]["estimate"] is True and saved["by_tag"]["small"]["n"] == 7


def test_warnings_on_the_answer_are_counted_per_example(
    server: FakeOpenAI, dataset: Path, tmp_path: Path
) -> None:
    # Issue 15: a plan that runs but plausibly answers another question (W306: GROUP_BY then
    # AGGREGATE) is sent back once, and the warning stays on the record and in the metrics.
    warned = arguments("FROM staff\nGROUP_BY dept\nAGGREGATE n = COUNT(*)")
    server.respond_with(lambda request: ToolCall(warned))
    out = tmp_path / "run"
    summary = evaluate(dataset, out, server=server, profile=FAST, concurrency=3)
    records = list(load_run(out).results.values())
    on_staff = [r for r in records if r.status != "error"]  # the other tables have no `dept`
    assert len(on_staff) == 2
    assert {r.warnings for r in on_staff} == {("W306",)}
    assert {r.attempts for r in on_staff} == {2}  # re-asked once for the warning
    assert all(r.warnings == () for r in records if r.status == "error")
    assert summary.metrics.warned_rate == pytest.approx(2 / 7)
    saved = json.loads((out / "summary.json").read_text())
    assert saved["metrics"]["warned_rate"] == pytest.approx(2 / 7)


class Stop(Exception):
    pass


def test_resume_after_a_crash_asks_nothing_twice(
    server: FakeOpenAI, dataset: Path, tmp_path: Path
) -> None:
    asked: list[str] = []
    server.respond_with(responder(asked))
    out, seen = tmp_path / "run", []

    def crash_after_two(record: ExampleResult) -> None:
        seen.append(record.id)
        if len(seen) == 2:
            raise Stop

    with pytest.raises(Stop):
        evaluate(dataset, out, server=server, profile=FAST, concurrency=1,
                 on_result=crash_after_two)  # fmt: skip
    lines = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == seen
    # A crash in the middle of a write: a torn last line is dropped and asked again.
    with open(out / "results.jsonl", "a") as handle:
        handle.write('{"id": "small-0007", "question": "How')
    first = len(asked)
    summary = evaluate(dataset, out, server=server, profile=FAST, concurrency=4)
    assert (summary.new, summary.skipped) == (5, 2)
    done_questions = {load_run(out).results[i].question for i in seen}
    assert not done_questions & set(asked[first:])
    ids = [json.loads(line)["id"] for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 7
    again = evaluate(dataset, out, server=server, profile=FAST)
    assert (again.new, again.skipped, again.metrics.n) == (0, 7, 7)


def test_a_run_directory_holds_one_experiment(
    server: FakeOpenAI, dataset: Path, tmp_path: Path
) -> None:
    server.respond_with(responder([]))
    out = tmp_path / "run"
    evaluate(dataset, out, server=server, profile=FAST, limit=1)
    with pytest.raises(PesqlError, match="model"):
        evaluate(dataset, out, server=server, profile=FAST, model="gpt-4o")
    renamed = dataclasses.replace(FAST, renames={"SUB_ABS": "ABS_DIFF"})
    with pytest.raises(PesqlError, match="profile_hash"):
        evaluate(dataset, out, server=server, profile=renamed)


def test_rate_limit_spaces_question_starts() -> None:
    async def starts() -> list[float]:
        limiter, loop, times = RateLimiter(20), asyncio.get_running_loop(), []
        times.append(loop.time())

        async def one() -> None:
            await limiter.wait()
            times.append(loop.time())

        await asyncio.gather(*(one() for _ in range(6)))
        return sorted(times)

    before, *times = asyncio.run(starts())
    # 20 per second: the k-th start is due 50 ms x k after the first, and an asyncio sleep
    # never ends early (lateness may vary, so gaps between neighbours are not checked).
    assert all(t - before >= 0.05 * k - 0.001 for k, t in enumerate(times))
    assert times[-1] - before >= 0.25 - 0.001


def test_bad_options_are_refused(dataset: Path, tmp_path: Path) -> None:
    with pytest.raises(PesqlError, match="concurrency"):
        asyncio.run(evaluate_async(dataset, tmp_path / "run", concurrency=0))


def _gold_or_wrong(dataset_path: Path, right: set[str]) -> Callable[[dict[str, Any]], Turn]:
    examples = load_dataset(dataset_path).examples
    gold = {e.question: (e.id, json.dumps(e.raw_plan)) for e in examples}
    wrong = json.dumps(examples[0].raw_plan)  # "how many penguins": wrong for the others

    def respond(request: dict[str, Any]) -> Turn:
        ident, plan = gold[request["messages"][1]["content"]]
        return ToolCall(plan if ident in right else wrong)

    return respond


def test_tables_qa_subset_through_the_cli(
    server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    ids = [e.id for e in load_dataset(TABLES_QA).examples[:20]]
    right_a = set(ids[::2])
    right_b = set(ids[::2]) - {ids[2], ids[4]} | {ids[1]}
    server.respond_with(_gold_or_wrong(TABLES_QA, right_a))
    a, b = tmp_path / "a", tmp_path / "b"
    assert run_cli(["eval", str(TABLES_QA), "--limit", "20", "--out", str(a)]) == 0  # short
    assert "20 new, 0 resumed" in capsys.readouterr().out
    server.respond_with(_gold_or_wrong(TABLES_QA, right_b))
    argv = ["eval", "run", str(TABLES_QA), "--limit", "20", "--out", str(b), "--json"]
    assert run_cli([*argv, "--concurrency", "8"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["n"] == 20
    run_a = load_run(a)
    assert {i for i, r in run_a.results.items() if r.correct} == right_a
    assert {i for i, r in run_a.results.items() if r.plan_match} == right_a
    capsys.readouterr()
    assert run_cli(["eval", "compare", str(a), str(b), "--json"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert compared["common"] == 20 and compared["a_only_right"] == 2
    assert compared["b_only_right"] == 1 and set(compared["a_to_wrong"]) == {ids[2], ids[4]}
    assert compared["p_value"] == pytest.approx(1.0)


def test_result_lines_that_are_not_results_are_left_out_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 21: a result line with a status no run writes ('errr') or a field of the wrong
    type crashed `eval report`, and a results.jsonl that is not UTF-8 was a traceback."""
    good = {
        "id": "q1", "question": "How many?", "tags": [], "ops": ["COUNT"], "status": "correct",
        "why": "", "plan": None, "plan_text": None, "plan_match": None,
        "first_try_valid_json": True, "repaired": False, "attempts": 1, "transport_retries": 0,
        "ttfb_s": 0.1, "latency_s": 1.0, "tokens_in": 10, "tokens_out": 5,
        "tokens_estimated": False,
    }  # fmt: skip
    assert ExampleResult.from_json(good).status == "correct"
    bad = [dict(good, id="q2", status="errr"), dict(good, id="q3", attempts=True),
           dict(good, id="q4", tags="count"), dict(good, id="q5", ttfb_s="fast"), [1]]  # fmt: skip
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    settings = {"dataset": "d", "dataset_hash": "h", "profile": "p", "profile_hash": "ph",
                "model": "m"}  # fmt: skip
    (run_dir / "run.json").write_text(json.dumps(settings))
    lines = [json.dumps(good), *(json.dumps(b) for b in bad), '{"id": "q6", "quest']
    (run_dir / "results.jsonl").write_text("\n".join(lines))
    run = load_run(run_dir)
    assert list(run.results) == ["q1"] and run.unreadable == 6
    report = tmp_path / "r.html"
    code = run_cli(["eval", "report", str(run_dir), "--out", str(report)])
    assert code == 0 and report.exists()
    assert "6 line(s) are not results" in capsys.readouterr().err
    (run_dir / "results.jsonl").write_bytes(json.dumps(good).encode() + b'\n{"id": "\xed\xbf"}')
    with pytest.raises(PesqlError) as caught:
        load_run(run_dir)
    assert caught.value.codes == ("E605",) and "not UTF-8 (byte" in str(caught.value)
