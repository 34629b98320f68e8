"""Snapshots of every checker diagnostic: text with caret (text plans) and JSON (JSON plans).

Snapshots live in tests/compiler/snapshots/E2xx.txt and E2xx.json (compared by
tests/snapshot.py); a missing one is written and the test fails, so a new code cannot pass
unseen. Rewrite them all with PESQL_UPDATE_SNAPSHOTS=1 after a deliberate wording change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import CODES, Diagnostic, PesqlError, render_text
from pesql.grammar.jsonform import from_json, to_json
from pesql.grammar.parse import parse

from tests.snapshot import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
PENGUINS = Schema.of(
    {
        "species": "string",
        "island": "string",
        "bill_depth_mm": "float",
        "body_mass_g": "integer",
        "year": "integer",
        "day": "date",
    }
)
CASES: dict[str, tuple[str, Schema | Mapping[str, Schema]]] = {
    "E201": ("GROUP_BY species COMPUTE n = COUNT(*)\nFILTER bill_depth_mm > 18", PENGUINS),
    "E202": ("FILTER species + 1 > 2", PENGUINS),
    "E203": ("FILTER body_mass_g > AVG(body_mass_g)", PENGUINS),
    "E204": ("GROUP_BY species COMPUTE heavy = body_mass_g > 4000", PENGUINS),
    "E205": ("SELECT species, island AS species", PENGUINS),
    "E206": ("DERIVE per_zero = body_mass_g / 0", PENGUINS),
    "E207": ("WINDOW r = RANK() PARTITION BY species", PENGUINS),
    "E208": ("FILTER price > 1", Schema.of({"Price": "float", "PRICE": "float"})),
    "E209": ("FILTER Species = 'Adelie'", PENGUINS),
    "E210": ("FROM pengiuns\nFILTER year > 2008", {"penguins": PENGUINS, "islands": PENGUINS}),
    "E211": ("FILTER day < '31/01/2024'", PENGUINS),
    "E212": ("DERIVE n = ROW_NUMBER()", PENGUINS),
    "E213": ("AGGREGATE m = MAX(SUM(body_mass_g))", PENGUINS),
    "E214": ("WINDOW d = LAG(AVG(body_mass_g)) ORDER BY year", PENGUINS),
    "E215": ("DERIVE r = LOG(bill_depth_mm, base => 1)", PENGUINS),
    "E216": ("LIMIT 3 WITH TIES", PENGUINS),
    "E217": (
        "FILTER tags IS NOT NULL",
        schema_from_polars({"tags": pl.List(pl.String), "n": pl.Int64}),
    ),
    "E230": (
        "FROM penguins\nLOOKUP islands ON year = name",
        {"penguins": PENGUINS, "islands": Schema.of({"name": "string", "area": "float"})},
    ),
    "E231": (
        "FROM penguins\nDERIVE year_islands = 1\nLOOKUP islands ON island = name",
        {"penguins": PENGUINS, "islands": Schema.of({"name": "string", "year": "integer"})},
    ),
}


def _diagnostics(plan_source: str | dict[str, object], schema: object) -> list[Diagnostic]:
    plan = parse(plan_source) if isinstance(plan_source, str) else from_json(plan_source)
    try:
        checked = check(plan, schema)  # type: ignore[arg-type]
    except PesqlError as exc:
        return list(exc.diagnostics)
    return list(checked.notes)


def _compare(name: str, actual: str) -> None:
    assert_snapshot(SNAPSHOTS / name, actual + "\n")


@pytest.mark.parametrize("code", sorted(CASES))
def test_text_rendering_snapshot(code: str) -> None:
    source, schema = CASES[code]
    diagnostics = _diagnostics(source, schema)
    assert code in [d.code for d in diagnostics]
    _compare(f"{code}.txt", render_text(diagnostics, source))


@pytest.mark.parametrize("code", sorted(CASES))
def test_json_rendering_snapshot(code: str) -> None:
    source, schema = CASES[code]
    diagnostics = _diagnostics(to_json(parse(source)), schema)
    assert code in [d.code for d in diagnostics]
    payload = PesqlError(diagnostics).to_json()
    _compare(f"{code}.json", json.dumps(json.loads(payload), indent=2, ensure_ascii=False))


def test_every_checker_code_has_a_snapshot_case() -> None:
    checker_codes = {c for c in CODES if c.startswith("E2")}
    assert checker_codes == set(CASES)


def test_diagnostics_point_at_the_culprit_argument() -> None:
    (diag,) = _diagnostics("FILTER SUB_ABS(year, species) > 1", PENGUINS)
    assert (diag.code, str(diag.origin)) == ("E202", "1:22")
    assert (diag.expected, diag.found) == ("a number", "string")
    (json_diag,) = _diagnostics(to_json(parse("FILTER SUB_ABS(year, species) > 1")), PENGUINS)
    assert str(json_diag.origin) == "/steps/0/where/left/right"
