"""docs/language.md is generated from the registry; it must be up to date."""

from __future__ import annotations

from pathlib import Path

from pesql.grammar.reference import render

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"


def test_language_reference_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/language.md is stale: run `make docs` (python -m pesql.grammar.reference)"
    )


def test_reference_points_at_the_diagnostics_catalog() -> None:
    """The codes are listed in docs/diagnostics.md (tests/test_diagnostics_doc.py); the
    language reference links there and stays unchanged when an outer wing adds a code."""
    text = render()
    assert "[diagnostics.md](diagnostics.md)" in text
    assert "| E201 |" not in text and "| E713 |" not in text
