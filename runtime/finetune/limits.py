"""Known fine-tuning limits and training prices of OpenAI base models (an offline table).

    >>> limits_for("gpt-4o-mini").example_tokens
    65536
    >>> round(limits_for("gpt-4o-mini").cost(2_000_000), 2)     # dollars per epoch
    6.0

These numbers are copied from OpenAI's fine-tuning guide and pricing page as of PRICES_AS_OF;
they change. Costs computed from them are **estimates**: the service counts tokens with its
own per-message overhead, and bills every epoch (`n_epochs`, chosen by the service when
"auto"). Check https://platform.openai.com/docs/guides/fine-tuning and
https://openai.com/api/pricing before spending money. An unknown model gets no limit check
and no cost estimate rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KNOWN_MODELS", "MIN_EXAMPLES", "PRICES_AS_OF", "RECOMMENDED_EXAMPLES", "limits_for"]

PRICES_AS_OF = "2025-06"
MIN_EXAMPLES = 10  # the service refuses a training file with fewer
RECOMMENDED_EXAMPLES = 50  # OpenAI: clear improvements usually need 50 to 100


@dataclass(frozen=True, slots=True)
class ModelLimits:
    """A base model: its snapshot name, accepted aliases, tokens per example, $ per 1M tokens."""

    snapshot: str
    aliases: tuple[str, ...]
    example_tokens: int
    train_usd_per_million: float

    def cost(self, tokens: int, epochs: int = 1) -> float:
        """Estimated training cost in US dollars of `tokens` trained for `epochs` epochs."""
        return tokens * epochs * self.train_usd_per_million / 1_000_000


KNOWN_MODELS: tuple[ModelLimits, ...] = (
    ModelLimits("gpt-4.1-2025-04-14", ("gpt-4.1",), 65_536, 25.00),
    ModelLimits("gpt-4.1-mini-2025-04-14", ("gpt-4.1-mini",), 65_536, 5.00),
    ModelLimits("gpt-4.1-nano-2025-04-14", ("gpt-4.1-nano",), 65_536, 1.50),
    ModelLimits("gpt-4o-2024-08-06", ("gpt-4o",), 65_536, 25.00),
    ModelLimits("gpt-4o-mini-2024-07-18", ("gpt-4o-mini",), 65_536, 3.00),
    ModelLimits("gpt-3.5-turbo-0125", ("gpt-3.5-turbo",), 16_385, 8.00),
)


def limits_for(model: str) -> ModelLimits | None:
    """The limits of a base model, a snapshot or an alias; a fine-tuned `ft:BASE:...` uses BASE."""
    if model.startswith("ft:"):
        model = model.split(":")[1]
    for known in KNOWN_MODELS:
        if model == known.snapshot or model in known.aliases:
            return known
    return None
