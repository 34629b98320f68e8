"""Shared test configuration: hypothesis profiles and the shared-corpora location."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI keeps example counts bounded; `make fuzz` selects the long profile.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("PESQL_HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The public test corpora beside the project; a clear failure (never a skip) when absent."""
    if not CORPORA.is_dir():
        pytest.fail(
            f"../shared/corpora not found at {CORPORA}: tests marked `corpora` need it "
            "(deselect them with -m 'not corpora' on a machine without it)"
        )
    return CORPORA
