"""What went wrong with a model request: failure kinds, SDK exceptions classified, retry policy.

    >>> failure = classify(TimeoutError("read timed out"))
    >>> failure.kind, failure.retryable
    ('timeout', True)

A `Failure` is a value the ask loop decides on; `RetryPolicy` says how long to wait before the
next try (a server's Retry-After wins, even when it is 0).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import openai

__all__ = ["RETRYABLE", "Failure", "FailureKind", "RetryPolicy", "classify"]

FailureKind = Literal[
    "timeout", "rate_limit", "server", "connection", "malformed", "auth", "rejected"
]
# Worth another try: the same request may well succeed a moment later.
RETRYABLE: frozenset[FailureKind] = frozenset(
    {"timeout", "rate_limit", "server", "connection", "malformed"}
)


@dataclass(frozen=True, slots=True)
class Failure:
    """A request that produced no usable answer, and whether another try could help."""

    kind: FailureKind
    message: str
    status: int | None = None
    retry_after_s: float | None = None
    final: bool = False  # the server said `x-should-retry: false`

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE and not self.final


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins, even when it is 0."""

    max_retries: int = 4
    backoff_s: float = 0.5
    backoff_max_s: float = 8.0

    def delay(self, retry: int, failure: Failure, rng: random.Random) -> float:
        if failure.retry_after_s is not None:
            return max(0.0, failure.retry_after_s)
        base = min(self.backoff_s * 2.0 ** min(retry, 30), self.backoff_max_s)
        return base * (1.0 - 0.25 * rng.random())  # jitter spreads clients that failed together


def classify(exc: BaseException) -> Failure:
    """The failure kind of anything the SDK raised while sending or reading one request."""
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return Failure("timeout", message)
    if isinstance(exc, openai.APIConnectionError):
        return Failure("connection", message)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = _retry_after(exc.response.headers)
        if status in (401, 403):
            return Failure("auth", message, status)
        if status == 429 and getattr(exc, "code", None) == "insufficient_quota":
            return Failure("rejected", message, status)  # waiting does not add credit
        if status in (408, 409, 429) or status >= 500:
            kind: FailureKind = "rate_limit" if status == 429 else "server"
            final = exc.response.headers.get("x-should-retry") == "false"
            return Failure(kind, message, status, retry_after, final)
        return Failure("rejected", message, status)
    # A 200 with a body that is not JSON raises json.JSONDecodeError; other shapes raise
    # AttributeError/TypeError/validation errors inside the SDK. All are a broken answer.
    return Failure("malformed", message)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            parsed = email.utils.parsedate_tz(value)  # an HTTP date
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        return seconds if math.isfinite(seconds) else None
    return None
