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
# `make test-local` sets this: tests marked `local_model` run against a real llama-server.
LOCAL_MODEL = os.environ.get("PESQL_LOCAL_MODEL", "") not in ("", "0")
_NOT_RUN: dict[str, list[str]] = {"corpora": [], "local_model": []}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests whose resources are not in this run are deselected and reported (see below):
    `corpora` without the corpora (unless required), `local_model` unless asked for."""
    skip = set()
    if not (CORPORA.is_dir() or REQUIRE_CORPORA):
        skip.add("corpora")
    if not LOCAL_MODEL:
        skip.add("local_model")
    for marker in skip:
        deselected = [item for item in items if item.get_closest_marker(marker) is not None]
        if deselected:
            _NOT_RUN[marker].extend(item.nodeid for item in deselected)
            config.hook.pytest_deselected(items=deselected)
            items[:] = [item for item in items if item.get_closest_marker(marker) is None]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _NOT_RUN["corpora"]:
        terminalreporter.write_line(
            f"{len(_NOT_RUN['corpora'])} tests marked `corpora` were not run: {CORPORA} is "
            "absent. They read public test data kept beside the project (../shared/corpora, "
            "see README.md); CI runs them with PESQL_REQUIRE_CORPORA=1, which turns "
            "absent corpora into failures.",
            yellow=True,
        )
    if _NOT_RUN["local_model"]:
        terminalreporter.write_line(
            f"{len(_NOT_RUN['local_model'])} tests marked `local_model` were not run: they "
            "need a real llama-server and model (`make test-local` installs both and runs "
            "them; docs/local-model.md).",
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
