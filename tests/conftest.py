"""Shared test configuration: hypothesis profiles and the shared-corpora location."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
# The public corpora beside the project (CI has them; a user's fresh clone does not).
CORPORA = Path(os.environ.get("PESQL_CORPORA", ROOT.parent / "shared" / "corpora"))
# CI sets this (.ci/run): there, absent corpora are a failing setup, never a quiet deselection.
REQUIRE_CORPORA = os.environ.get("PESQL_REQUIRE_CORPORA", "") not in ("", "0")
_NOT_RUN: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the corpora, tests marked `corpora` are deselected and reported (see below)."""
    if CORPORA.is_dir() or REQUIRE_CORPORA:
        return
    kept = [item for item in items if item.get_closest_marker("corpora") is None]
    deselected = [item for item in items if item.get_closest_marker("corpora") is not None]
    if deselected:
        _NOT_RUN.extend(item.nodeid for item in deselected)
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _NOT_RUN:
        terminalreporter.write_line(
            f"{len(_NOT_RUN)} tests marked `corpora` were not run: {CORPORA} is absent. "
            "They read public test data kept beside the project (../shared/corpora, "
            "see README.md); CI runs them with PESQL_REQUIRE_CORPORA=1, which turns "
            "absent corpora into failures.",
            yellow=True,
        )


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The public test corpora beside the project; a clear failure (never a skip) when absent."""
    if not CORPORA.is_dir():
        pytest.fail(
            f"../shared/corpora not found at {CORPORA}: tests marked `corpora` need it "
            "(PESQL_REQUIRE_CORPORA is set, as in CI; unset it on a machine without the corpora "
            "and these tests are reported as not run)"
        )
    return CORPORA
