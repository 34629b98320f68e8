"""The prompt: table overview from the data within a token budget, system prompt, request body."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonschema import offered_columns
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.prompt import (
    build_messages,
    request_body,
    system_prompt,
    table_overview,
    tool_definition,
)
from pesql.runtime.llm.tokens import count_tokens
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import load_table

from tests.runtime.ask_fixtures import penguins

ROOT = Path(__file__).resolve().parents[2]


def _catalog(frame: pl.DataFrame, name: str = "penguins") -> Catalog:
    return Catalog([load_table(frame, name=name)])


def test_overview_describes_the_data() -> None:
    frame = penguins().with_columns(
        seen=pl.Series([dt.date(2020, 1, d) for d in (5, 1, 9, 2, 3)]),
        tags=pl.Series([[1], [2], [], None, [3]]),
    )
    lines = table_overview(_catalog(frame), 1000).splitlines()
    assert lines[0] == "Table `penguins` (5 rows, 7 columns):"
    assert lines[1] == (
        '- species: string, 0 nulls, 3 distinct, e.g. "Adelie", "Gentoo", "Chinstrap"'
    )
    assert lines[5] == "- body_mass_g: integer, 1 nulls, 5 distinct, 3250 to 5200"
    assert lines[6] == "- seen: date, 0 nulls, 5 distinct, 2020-01-01 to 2020-01-09"
    assert lines[7].startswith("- tags: unsupported (List(Int64)), 1 nulls")


def test_long_samples_are_clipped_and_sample_count_follows_the_profile() -> None:
    frame = pl.DataFrame({"note": ["x" * 100, "b", "c", "d"]})
    text = table_overview(_catalog(frame, "notes"), 1000, samples=2)
    assert f'"{"x" * 39}…", "b"' in text and '"c"' not in text


@pytest.mark.parametrize("budget", [60, 150, 400, 1500])
def test_overview_respects_its_budget_on_a_wide_table(budget: int) -> None:
    wide = pl.DataFrame({f"measurement_{i:03d}": [float(i), None, 2.5] for i in range(400)})
    text = table_overview(_catalog(wide, "wide"), budget)
    assert count_tokens(text) <= budget
    assert text.startswith("Table `wide` (3 rows, 400 columns):")
    assert "more columns (names in the tool)" in text
    shown = [line for line in text.splitlines() if line.startswith("- measurement_")]
    assert shown == [f"- measurement_{i:03d}: float" for i in range(len(shown))]


def test_detail_goes_before_columns() -> None:
    catalog = _catalog(penguins())
    full = table_overview(catalog, 1000)
    lean = table_overview(catalog, count_tokens(full) - 5)
    assert lean.count("\n- ") == full.count("\n- ") == 5
    assert 'e.g. "Adelie", "Gentoo"' not in lean and 'e.g. "Adelie"' in lean
    names_only = table_overview(catalog, 45)
    assert "- species: string\n" in names_only and "nulls" not in names_only


def test_the_tool_offers_every_tables_columns() -> None:
    schemas = {
        "a": Schema.of({"x": "integer", "y": "string"}),
        "b": Schema.of({"y": "string", "z": "float"}),
    }
    tool = tool_definition(schemas, Profile())
    assert offered_columns(tool["function"]["parameters"]) == ["x", "y", "z"]
    # Without strict mode (and in the forms that carry p-SQL strings) the definition is the
    # one-line-per-operation description, and the columns are listed in it (docs/ask.md).
    for profile in (Profile(strict=False), Profile(form="text")):
        loose = tool_definition(schemas, profile)["function"]
        assert loose["description"].endswith("\nColumns: x, y, z")
    assert "strict" not in tool_definition(schemas, Profile(strict=False))["function"]


def test_system_prompt_templates() -> None:
    assert "`query_table`" in system_prompt(Profile(), "OVERVIEW")
    assert system_prompt(Profile(), "OVERVIEW").endswith("OVERVIEW")
    custom = Profile(system_prompt='Use {function}. JSON like {"steps": []}.\n{overview}\nGo.')
    assert system_prompt(custom, "T") == 'Use query_table. JSON like {"steps": []}.\nT\nGo.'
    assert system_prompt(Profile(system_prompt="Be brief."), "T") == "Be brief.\n\nT"


def test_request_body_carries_the_profile() -> None:
    profile = Profile(temperature=0.3, max_tokens=700, function_name="plan")
    messages = build_messages("why?", profile, "T")
    body = request_body("m", messages, {"type": "function"}, profile)
    assert body["messages"][1] == {"role": "user", "content": "why?"}
    assert (body["temperature"], body["max_tokens"]) == (0.3, 700)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "plan"}}
    unset = request_body(
        "m", messages, {}, dataclasses.replace(profile, temperature=None, max_tokens=None)
    )
    assert "temperature" not in unset and "max_tokens" not in unset


@pytest.mark.parametrize(
    "path", sorted((ROOT / "examples" / "profiles").glob("*.toml")), ids=lambda p: p.name
)
def test_example_profiles_load(path: Path) -> None:
    profile = Profile.load(path)
    assert profile.name == path.stem and profile.max_attempts >= 1


def test_the_abs_diff_example_renames_sub_abs() -> None:
    profile = Profile.load(ROOT / "examples" / "profiles" / "abs_diff.toml")
    assert profile.naming.exposed("SUB_ABS") == "ABS_DIFF"
    assert profile.naming.resolve("abs_diff") == "SUB_ABS"


@pytest.mark.parametrize(
    "data",
    [
        {"max_attempts": 0},
        {"timeout_s": -1.0},
        {"deadline_s": float("inf")},
        {"token_budget": 0},
        {"max_retries": "3"},
        {"retries": 3},
    ],
    ids=["attempts", "timeout", "deadline", "budget", "type", "unknown key"],
)
def test_bad_profiles_are_diagnostics(data: dict[str, object]) -> None:
    with pytest.raises(PesqlError) as caught:
        Profile.from_dict(data)
    assert caught.value.codes[0] == "E155"


def test_token_counts_of_huge_tool_calls_do_not_crash() -> None:
    # bpe-openai refuses inputs of about 1M characters; a 22 MB tool call was a traceback.
    from pesql.runtime.llm.tokens import CHUNK_CHARS

    text = "x" * 22_000_000
    counted = count_tokens(text)
    assert counted > 0
    # Chunked counting agrees with whole counting on text that fits, up to the cuts.
    words = "hello world, " * 20_000  # 260,000 characters: three chunks
    assert len(words) > 2 * CHUNK_CHARS
    per_unit = (count_tokens("hello world, " * 1_000) - count_tokens("hello world, ")) / 999
    cuts = len(words) // CHUNK_CHARS + 1
    assert abs(count_tokens(words) - per_unit * 20_000) <= cuts + 1  # a token per cut at most
