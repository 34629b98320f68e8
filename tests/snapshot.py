"""Snapshot files for diagnostic messages: `assert_snapshot(path, text)`.

A missing snapshot is written and the test fails, so a new message cannot pass unseen (on CI,
`CI=true`, it is not written). Set PESQL_UPDATE_SNAPSHOTS=1 to rewrite them all after a
deliberate wording change, and review the diff before committing.

Token counts are redacted on both sides (`redact`): the size of a prompt or a training example
grows with every operation added to the language, and a snapshot is about the words.

    >>> redact("the example has 24918 tokens, gpt-3.5-turbo allows 16385")
    'the example has <tokens> tokens, gpt-3.5-turbo allows 16385'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# "24918 tokens", "1 token"; and JSON counters such as "prompt_tokens": 812.
TOKEN_COUNTS = (
    (re.compile(r"\b\d[\d,]*(?= tokens?\b)"), "<tokens>"),
    (re.compile(r'("\w*tokens"\s*:\s*)\d+'), r'\1"<tokens>"'),
)


def redact(text: str) -> str:
    """`text` with every token count replaced by `<tokens>`."""
    for pattern, replacement in TOKEN_COUNTS:
        text = pattern.sub(replacement, text)
    return text


def assert_snapshot(path: Path, text: str) -> None:
    text = redact(text)
    update = os.environ.get("PESQL_UPDATE_SNAPSHOTS", "") not in ("", "0")
    if update or not path.exists():
        if os.environ.get("CI") == "true" and not path.exists():
            raise AssertionError(f"snapshot {path} is missing (run the tests locally first)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"snapshot {path.name} was missing and has been written; review it")
    expected = redact(path.read_text(encoding="utf-8"))
    assert text == expected, (
        f"snapshot {path.name} differs:\n--- expected\n{expected}\n--- got\n{text}"
    )
