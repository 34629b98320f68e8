"""Shared pieces of the ask tests: a small table, a fast profile, plan arguments, a server."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.registry import DEFAULT_NAMING, Naming
from pesql.runtime.llm.profile import Profile
from pesql.runtime.testing.fake_openai.server import FakeOpenAI

import pesql

# Backoff in milliseconds, so retry tests take no noticeable time; still bounded waits.
FAST = Profile(backoff_s=0.001, backoff_max_s=0.01, timeout_s=5.0, deadline_s=30.0)

HEAVIEST = "GROUP_BY species COMPUTE mass = AVG(body_mass_g)\nSORT mass DESC\nLIMIT 1"


def penguins() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "species": ["Adelie", "Adelie", "Gentoo", "Gentoo", "Chinstrap"],
            "island": ["Torgersen", "Dream", "Biscoe", "Biscoe", "Dream"],
            "bill_length_mm": [39.1, 40.3, 47.5, 49.0, 46.5],
            "bill_depth_mm": [18.7, 18.0, 15.0, 16.1, 17.9],
            "body_mass_g": [3750, 3250, 5200, None, 3500],
        }
    )


def arguments(text: str, naming: Naming = DEFAULT_NAMING) -> str:
    """The canonical function-call arguments of a p-SQL text plan."""
    return dumps(to_json(pesql.parse(text), naming))


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running
