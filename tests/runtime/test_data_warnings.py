"""Data-aware warnings (W301, W302): plans that run but plausibly answer another question,
and the ask loop that shows them to the model once."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.engine.data_warnings import normalized
from pesql.runtime.engine.execute import execute
from pesql.runtime.engine.limits import Limits
from pesql.runtime.llm.ask import ask
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

from tests.runtime.ask_fixtures import FAST, arguments, penguins, server

__all__ = ["server"]

COUNTRIES = pl.DataFrame(
    {
        "country": ["Spain\u00a0(ESP)", "Spain\u00a0(ESP)", "France (FRA)", "Perú"],
        "medals": [3, 4, 5, 6],
    }
)


def notes(plan: str, frame: pl.DataFrame = COUNTRIES) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(n.code, n.message, n.hints) for n in execute(plan, frame).notes]


def test_a_near_spelling_is_named_with_its_invisible_characters() -> None:
    found = notes("FILTER country = 'Spain (ESP)'")
    assert [c for c, _, _ in found] == ["W301", "W302"]
    _, message, hints = found[0]
    assert message == "'Spain (ESP)' matches no row of `country`"
    assert "'Spain\\u00a0(ESP)' (2 rows)" in hints[0]
    assert found[1][1] == "the answer is empty: the FILTER at step 1 removed the last row"


def test_case_and_accents_are_near_spellings_too() -> None:
    assert "'Perú' (1 rows)" in notes("FILTER country IN ('peru', 'France (FRA)')")[0][2][0]


def test_without_a_near_value_a_small_column_lists_its_values() -> None:
    ((code, _, hints),) = notes("FILTER country != 'Italy'")  # matches nothing: not empty
    assert code == "W301" and hints[0].startswith("`country` holds only 'France (FRA)', 'Perú'")


def test_no_warning_when_the_literal_matches_or_the_column_is_computed() -> None:
    assert notes("FILTER country = 'France (FRA)'") == []
    assert notes("DERIVE country = 'x'\nFILTER country != 'y'") == []
    assert notes("GROUP_BY country COMPUTE n = SUM(medals)\nFILTER country != 'zz'") == []


def test_the_step_that_emptied_the_answer_is_named() -> None:
    found = notes("FILTER medals > 3\nFILTER medals > 10\nLIMIT 1")
    assert [(c, m) for c, m, _ in found] == [
        ("W302", "the answer is empty: the FILTER at step 2 removed the last row")
    ]


def test_limits_can_turn_them_off() -> None:
    result = execute(
        "FILTER country = 'Spain (ESP)'", COUNTRIES, limits=Limits(data_warnings=False)
    )
    assert result.notes == ()


# Characters unassigned in Python's Unicode tables are left out: polars (Rust) may know them.
@given(st.text(st.characters(max_codepoint=0x2FFF, exclude_categories=("Cs", "Cn")), max_size=12))
def test_python_and_polars_fold_alike(value: str) -> None:
    # The warning compares polars' folding of the column with Python's of the literal.
    from pesql.runtime.engine.data_warnings import _normalized_expr

    folded = pl.DataFrame({"v": [value]}).select(_normalized_expr("v")).item()
    assert folded == normalized(value)


def test_the_model_is_shown_the_warning_once_and_may_correct(server: FakeOpenAI) -> None:
    server.script(
        ToolCall(arguments("FILTER island = 'dream'\nAGGREGATE n = COUNT(*)")),
        ToolCall(arguments("FILTER island = 'Dream'\nAGGREGATE n = COUNT(*)")),
    )
    result = ask(
        "How many penguins on Dream?", {"penguins": penguins()}, server.client(), "m", FAST
    )
    assert result.frame.rows() == [(2,)] and result.attempts == 2
    sent_back = server.chat_requests[1].body["messages"][-1]["content"]
    assert "W301" in sent_back and "'Dream' (2 rows)" in sent_back and '"warning"' in sent_back


def test_the_warned_answer_stands_when_no_better_follows(server: FakeOpenAI) -> None:
    warned = arguments("FILTER island = 'dream'\nAGGREGATE n = COUNT(*)")
    server.script(ToolCall(warned), ToolCall(arguments("FILTER nope > 1")))
    profile = dataclasses.replace(FAST, max_attempts=2)
    result = ask("How many on Dream?", {"penguins": penguins()}, server.client(), "m", profile)
    assert result.frame.rows() == [(0,)]
    assert [n.code for n in result.notes] == ["W301"]  # returned with its warning
    # With reask_on_warnings = 0 the first answer is returned at once.
    server.script(ToolCall(warned))
    quiet = dataclasses.replace(FAST, reask_on_warnings=0)
    again = ask("How many on Dream?", {"penguins": penguins()}, server.client(), "m", quiet)
    assert again.attempts == 1 and [n.code for n in again.notes] == ["W301"]
    # An error answered twice word for word ends the re-asks: the warned answer stands then too.
    bad = arguments("FILTER nope > 1")
    server.script(ToolCall(warned), ToolCall(bad), ToolCall(bad), ToolCall(bad))
    longer = dataclasses.replace(FAST, max_attempts=4)
    kept = ask("How many on Dream?", {"penguins": penguins()}, server.client(), "m", longer)
    assert kept.frame.rows() == [(0,)] and [n.code for n in kept.notes] == ["W301"]
    assert len(server.unconsumed) == 1  # attempt 4 was not asked


@pytest.mark.parametrize("plan", ["FILTER medals = 3", "FILTER country IS NULL"])
def test_plans_without_text_literals_cost_no_extra_query(plan: str) -> None:
    from pesql.compiler.backends.polars.dtypes import schema_from_polars
    from pesql.compiler.check.check import check
    from pesql.grammar.parse import parse
    from pesql.runtime.engine.data_warnings import literal_probes

    assert literal_probes(check(parse(plan), schema_from_polars(COUNTRIES.schema))) == []


def test_a_bare_json_string_that_is_a_value_gets_the_literal_shape(server: FakeOpenAI) -> None:
    # Issue 15: "Dream" where a value was meant is "unknown column" in JSON; not compared with
    # a column, only the data can tell it is a value of `island`.
    bare = (
        '{"table": null, "steps": [{"op": "DERIVE", "columns": [{"name": "home", "expr": '
        '{"op": "IF", "condition": {"op": "EQ", "left": "island", "right": '
        '{"value": "Dream", "type": "string"}}, "then": "Dream", "else": "Elsewhere"}}]}]}'
    )
    server.script(ToolCall(bare), ToolCall(arguments("AGGREGATE n = COUNT(*)")))
    ask("Where do they live?", {"penguins": penguins()}, server.client(), "m", FAST)
    sent_back = json.loads(server.chat_requests[1].body["messages"][-1]["content"])
    errors = {e["where"]: e for e in sent_back["errors"]}
    then, other = errors["/steps/0/columns/0/expr/then"], errors["/steps/0/columns/0/expr/else"]
    assert then["hints"][0] == (
        "`Dream` is no column but a value of `island`: write text as "
        '{"value": "Dream", "type": "string"}'
    )
    assert "value of" not in " ".join(other["hints"])  # `Elsewhere` is in no column


@pytest.mark.parametrize("as_text", [False, True])
def test_execute_gives_the_value_hint_for_json_plans(as_text: bool) -> None:
    raw = {
        "steps": [
            {
                "op": "DERIVE",
                "columns": [
                    {"name": "x", "expr": {"op": "CONCAT", "args": ["country", "Perú", "Lima"]}}
                ],
            }
        ]
    }
    with pytest.raises(PesqlError) as info:
        execute(json.dumps(raw) if as_text else raw, COUNTRIES)
    peru, lima = info.value.diagnostics
    assert peru.hints[0].startswith("`Perú` is no column but a value of `country`")
    assert '{"value": "Perú", "type": "string"}' in peru.hints[0]
    assert not any("value of" in h for h in lima.hints)


def test_an_unquoted_word_that_is_a_value_gets_the_quoted_form() -> None:
    with pytest.raises(PesqlError) as info:
        execute("DERIVE x = CONCAT(country, Perú, Lima)", COUNTRIES)
    peru, lima = info.value.diagnostics
    assert (
        peru.hints[0]
        == "`Perú` is no column but a value of `country`: write text in single quotes: 'Perú'"
    )
    assert not any("value of" in h for h in lima.hints)


SCORES = pl.DataFrame(
    {
        "name": ["a", "b", "c", "d", "e", "f"],
        "team": ["x", "x", "x", "y", "y", "y"],
        "score": ["9", "10", "10", "2", "7", "1"],
        "points": [5, 5, 5, 3, 2, 1],
    }
)
WARNED = [
    "FILTER team = 'X'",  # W301
    "FILTER team = 'z'\nFILTER points > 1",  # W301, W302
    "SORT score DESC\nLIMIT 2",  # W304 (numbers as text)
    "SORT points DESC\nLIMIT 2",  # W305 (a tie cut)
    "FILTER team = 'x'\nGROUP_BY team COMPUTE n = COUNT(*)",  # W307
    "GROUP_BY name COMPUTE p = SUM(points)",  # W308
    "FILTER team = 'q'\nSORT points DESC\nLIMIT 1\nGROUP_BY name",  # several at once
]


@pytest.mark.parametrize("plan", WARNED)
def test_the_warnings_are_the_same_with_the_answer_or_after_it(plan: str) -> None:
    """Small work collects the warnings' first round with the answer (execute.py, batched.py);
    any other run collects the answer first. Both give the same notes, in the same order."""
    together = execute(plan, SCORES)
    after = execute(plan, SCORES, limits=Limits(engine="streaming"))
    assert together.frame.equals(after.frame)
    assert [(n.code, n.message) for n in together.notes] == [
        (n.code, n.message) for n in after.notes
    ]
    assert together.notes  # each plan here is warned


def test_an_answer_that_fails_fails_alike_with_its_warnings_along() -> None:
    # The W301 query of 'X' goes along with the answer, whose CAST fails: the error is the
    # answer's own, as without warnings (both on the in-memory engine).
    plan = "FILTER team != 'X'\nDERIVE s = CAST(name, 'integer')"
    errors = []
    for limits in (Limits(), Limits(data_warnings=False)):
        with pytest.raises(PesqlError) as raised:
            execute(plan, SCORES, limits=limits)
        errors.append((raised.value.codes, str(raised.value)))
    assert errors[0] == errors[1] and errors[0][0] == ("E305",)


SCANNED = [
    "FILTER country = 'Spain (ESP)'",
    "FILTER country IN ('peru', 'France (FRA)')",
    "FILTER country != 'Italy'",
    "FILTER country = 'France (FRA)'",
]


@pytest.mark.parametrize("plan", SCANNED)
def test_a_file_gets_the_warnings_a_frame_gets(plan: str, tmp_path: Path) -> None:
    # Over a file each literal is a query of its own that stops at its first match.
    path = tmp_path / "countries.parquet"
    COUNTRIES.write_parquet(path)
    assert notes(plan, pl.scan_parquet(path)) == notes(plan)  # type: ignore[arg-type]


def test_over_a_file_each_literal_is_a_query_that_stops_at_its_first_match(
    tmp_path: Path,
) -> None:
    from pesql.compiler.backends.polars.dtypes import schema_from_polars
    from pesql.compiler.check.check import check
    from pesql.grammar.parse import parse
    from pesql.runtime.engine.data_warnings import literal_warnings

    path = tmp_path / "countries.parquet"
    pl.concat([COUNTRIES] * 50).write_parquet(path)
    checked = check(parse(SCANNED[1]), schema_from_polars(COUNTRIES.schema))
    first_round = next(literal_warnings(checked, pl.scan_parquet(path), scan=True))
    assert [q.collect().height for q in first_round] == [0, 1]  # 'peru' misses, one row
    (in_memory,) = next(literal_warnings(checked, COUNTRIES.lazy()))
    assert in_memory.collect().rows() == [(False, True)]


@pytest.mark.parametrize("plan", [*SCANNED, *WARNED[:2]])
def test_a_lazy_frame_gets_the_warnings_a_data_frame_gets(plan: str) -> None:
    # A DataFrame's literals are compared on its columns at once; a LazyFrame's by a query.
    frame = SCORES if "team" in plan else COUNTRIES
    assert notes(plan, frame.lazy()) == notes(plan, frame)  # type: ignore[arg-type]


def test_over_a_data_frame_the_literals_cost_no_query() -> None:
    from pesql.compiler.backends.polars.dtypes import schema_from_polars
    from pesql.compiler.check.check import check
    from pesql.grammar.parse import parse
    from pesql.runtime.engine.data_warnings import _matched_in, literal_probes, literal_warnings

    schema = schema_from_polars(COUNTRIES.schema)
    held = check(parse("FILTER country IN ('Perú', 'France (FRA)')"), schema)
    with pytest.raises(StopIteration) as done:  # every value is held: no round at all
        next(literal_warnings(held, COUNTRIES.lazy(), frame=COUNTRIES))
    assert done.value.value == []
    missed = check(parse(SCANNED[1]), schema)  # 'peru' is held by no row
    queries = next(literal_warnings(missed, COUNTRIES.lazy(), frame=COUNTRIES))
    assert len(queries) == 2  # the first round is skipped: the miss's two queries come first
    # A frame that cannot answer (here: no such column) leaves it to the query, which then
    # reports what failed.
    assert _matched_in(COUNTRIES.drop("country"), literal_probes(missed)) is None


def test_the_runs_lowering_gives_the_warnings_their_prefixes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When the optimizer changed nothing, the prefixes W307 re-runs are the run's own frames:
    # nothing is lowered again. When it changed the plan, the plan as written is lowered.
    import pesql.runtime.engine.prefixes as prefixes

    lowered: list[int] = []
    real = prefixes.step_frames

    def counted(*args: object, **kwargs: object) -> object:
        lowered.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(prefixes, "step_frames", counted)
    as_written = "FILTER team = 'x'\nGROUP_BY team COMPUTE n = COUNT(*)"
    assert [n.code for n in execute(as_written, SCORES).notes] == ["W307"]
    assert lowered == []
    merged = "FILTER team = 'x'\nFILTER points > 0\nGROUP_BY team COMPUTE n = COUNT(*)"
    assert [n.code for n in execute(merged, SCORES).notes] == ["W307"]
    assert lowered == [1]


def test_a_compiled_plan_finds_its_literals_and_text_orderings_once() -> None:
    # The plan's literals (W301) and orderings of text (W304) are found once per compiled
    # plan and kept; each table still gets its own warnings from them.
    from pesql.compiler.backends.polars.dtypes import schema_from_polars
    from pesql.runtime.engine.data_warnings import distinct_probes
    from pesql.runtime.engine.execute import compile
    from pesql.runtime.engine.order_warnings import text_order_uses

    holds = pl.DataFrame({"city": ["Oslo", "Bergen"], "year": ["2001", "1999"]})
    lacks = pl.DataFrame({"city": ["Bergen", "Oslo "], "year": ["10", "9"]})
    plan = "FILTER city = 'Oslo' OR city = 'Bergen'\nSORT year"
    compiled = compile(plan, schema_from_polars(holds.schema))
    codes = [[d.code for d in compiled.collect(f).notes] for f in (holds, lacks, holds)]
    assert codes[0] == codes[2] and "W301" not in codes[0]
    assert "W301" in codes[1]  # 'Oslo' is 'Oslo ' there: a near spelling
    assert compiled.__dict__["_probes"] == distinct_probes(compiled.checked)
    assert len(compiled._probes) == 2
    assert compiled.__dict__["_text_order_uses"] == text_order_uses(compiled.checked)
    assert [u.column for u in compiled._text_order_uses] == ["year"]
