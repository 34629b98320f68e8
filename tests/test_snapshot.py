"""tests/snapshot.py: token counts are redacted, every other change still fails a snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.snapshot import assert_snapshot, redact

MESSAGE = "train.jsonl:1:1: error[E713]: the example has {n} tokens, gpt-3.5-turbo allows 16385\n"


@pytest.fixture(autouse=True)
def _no_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PESQL_UPDATE_SNAPSHOTS", raising=False)
    monkeypatch.delenv("CI", raising=False)


def test_token_counts_are_redacted_in_snapshots(tmp_path: Path) -> None:
    path = tmp_path / "token_limit.txt"
    path.write_text(MESSAGE.format(n="<tokens>"), encoding="utf-8")
    assert_snapshot(path, MESSAGE.format(n=24918))
    assert_snapshot(path, MESSAGE.format(n=31337))  # a new operation made the prompt longer
    # An old snapshot that still holds a count compares equal too.
    path.write_text(MESSAGE.format(n=1000), encoding="utf-8")
    assert_snapshot(path, MESSAGE.format(n=24918))


@pytest.mark.parametrize(
    "changed",
    [
        MESSAGE.format(n=24918).replace("16385", "16384"),  # other numbers are compared
        MESSAGE.format(n=24918).replace("E713", "E712"),
        MESSAGE.format(n=24918).replace("the example", "this example"),
        MESSAGE.format(n=24918).rstrip("\n"),
    ],
)
def test_a_real_text_change_still_fails(tmp_path: Path, changed: str) -> None:
    path = tmp_path / "token_limit.txt"
    path.write_text(MESSAGE.format(n="<tokens>"), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"snapshot token_limit\.txt differs"):
        assert_snapshot(path, changed)


def test_a_missing_snapshot_is_written_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    with pytest.raises(pytest.fail.Exception, match="was missing and has been written"):
        assert_snapshot(path, MESSAGE.format(n=5))
    assert path.read_text(encoding="utf-8") == MESSAGE.format(n="<tokens>")
    assert_snapshot(path, MESSAGE.format(n=6))


def test_redact_forms() -> None:
    assert redact("1 token, 12,345 tokens") == "<tokens> token, <tokens> tokens"
    assert redact('{"prompt_tokens": 812, "n": 3}') == '{"prompt_tokens": "<tokens>", "n": 3}'
    assert redact("E713 at line 12: 3 steps") == "E713 at line 12: 3 steps"
