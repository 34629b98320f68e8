"""The WikiTableQuestions answer evaluator: the official `evaluator.py` rules, ported one by one.

Follows ppasupat/WikiTableQuestions `evaluator.py` rule by rule; like the official evaluator it
does not strip articles or inner punctuation.

    >>> wtq_match(["1000"], ["1,000"], ["1000.0"]), wtq_match(["1000"], ["1,000"])
    (True, False)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["wtq_match", "wtq_normalize"]


def wtq_normalize(text: str) -> str:
    """evaluator.py `normalize`: diacritics, quotes and dashes, citations, parentheses, case."""
    x = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    x = re.sub(r"[‘’´`]", "'", x)
    x = re.sub(r"[“”]", '"', x)
    x = re.sub(r"[‐‑‒–—−]", "-", x)
    while True:
        old = x
        x = re.sub(r"((?<!^)\[[^\]]*\]|\[\d+\]|[•♦†‡*#+])*$", "", x.strip())
        x = re.sub(r"(?<!^)( \([^)]*\))*$", "", x.strip())
        x = re.sub(r'^"([^"]*)"$', r"\1", x.strip())
        if x == old:
            break
    if x and x[-1] == ".":
        x = x[:-1]
    return re.sub(r"\s+", " ", x).lower().strip()


@dataclass(frozen=True, slots=True, eq=False)
class _Value:
    kind: Literal["string", "number", "date"]
    normalized: str
    amount: float = 0.0
    ymd: tuple[int, int, int] = (0, 0, 0)

    def _ident(self) -> tuple[Any, ...]:
        # evaluator.py: strings equal by normalized text, numbers by amount, dates by ymd.
        if self.kind == "number":
            return ("number", self.amount)
        return (self.kind, self.ymd) if self.kind == "date" else ("string", self.normalized)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Value) and self._ident() == other._ident()

    def __hash__(self) -> int:
        return hash(self._ident())

    def match(self, other: _Value) -> bool:
        if self.normalized == other.normalized:
            return True
        if self.kind == "number" and other.kind == "number":
            return abs(self.amount - other.amount) < 1e-6
        return self.kind == "date" and other.kind == "date" and self.ymd == other.ymd


def _parse_number(text: str) -> float | None:
    if "_" in text:  # Python 2, which the official evaluator runs on, rejects "1_000"
        return None
    try:
        return int(text)
    except ValueError:
        try:
            amount = float(text)
        except ValueError:
            return None
        return None if math.isnan(amount) or math.isinf(amount) else amount


def _parse_date(text: str) -> tuple[int, int, int] | None:
    parts = text.lower().split("-")
    if len(parts) != 3 or "_" in text:
        return None
    try:
        year = -1 if parts[0] in ("xx", "xxxx") else int(parts[0])
        month = -1 if parts[1] == "xx" else int(parts[1])
        day = -1 if parts[2] == "xx" else int(parts[2])
    except ValueError:
        return None
    if year == month == day == -1 or not (month == -1 or 1 <= month <= 12):
        return None
    return (year, month, day) if day == -1 or 1 <= day <= 31 else None


def _number_value(amount: float, original: str) -> _Value:
    exact = float(round(amount)) if abs(amount - round(amount)) < 1e-6 else float(amount)
    return _Value("number", wtq_normalize(original), amount=exact)


def _to_value(original: str, canon: str | None = None) -> _Value:
    """evaluator.py `to_value`: number, then date (a bare year is a number), then string."""
    corenlp = canon or original
    amount = _parse_number(corenlp)
    if amount is not None:
        return _number_value(amount, original)
    ymd = _parse_date(corenlp)
    if ymd is not None:
        if ymd[1] == ymd[2] == -1:
            return _number_value(ymd[0], original)
        return _Value("date", wtq_normalize(original), ymd=ymd)
    return _Value("string", wtq_normalize(original))


def wtq_match(
    predicted: Sequence[str], answers: Sequence[str], canon: Sequence[str] | None = None
) -> bool:
    """evaluator.py `check_denotation`: the answer list as a set, each matched by a prediction."""
    if canon is not None and len(canon) != len(answers):
        raise ValueError("answers_canon must have one entry per answer")
    canonical: Sequence[str | None] = canon if canon is not None else [None] * len(answers)
    targets = {_to_value(a, c) for a, c in zip(answers, canonical, strict=True)}
    preds = {_to_value(p) for p in predicted}
    if len(targets) != len(preds):
        return False
    return all(any(t.match(p) for p in preds) for t in targets)
