"""Snapshot files for diagnostic messages: `assert_snapshot(path, text)`.

Set PESQL_UPDATE_SNAPSHOTS=1 to (re)write snapshots; review the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path


def assert_snapshot(path: Path, text: str) -> None:
    if os.environ.get("PESQL_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        if os.environ.get("CI") == "true" and not path.exists():
            raise AssertionError(f"snapshot {path} is missing (run the tests locally first)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"snapshot {path.name} differs:\n--- expected\n{expected}\n--- got\n{text}"
    )
