"""docs/language.md is generated from the registry; it must be up to date."""

from __future__ import annotations

from pathlib import Path

from pesql.grammar.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"


def test_language_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/language.md is stale: run `make docs` (python -m pesql.grammar.reference)"
    )


def test_reference_lists_every_diagnostic_code() -> None:
    from pesql.grammar.diagnostics import CODES

    text = render()
    assert all(f"| {code} |" in text for code in CODES)
