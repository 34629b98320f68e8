"""Ask a question of tables: prompt -> function call -> repair -> check -> run, with retries.

    >>> import polars as pl
    >>> from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall, Usage
    >>> penguins = pl.DataFrame(
    ...     {"species": ["Adelie", "Gentoo", "Chinstrap", "Gentoo"],
    ...      "body_mass_g": [3750, 5200, 3500, 4900]}
    ... )
    >>> plan = {"steps": [  # the function-call arguments the model sends
    ...     {"op": "GROUP_BY", "keys": ["species"],
    ...      "aggregates": [{"name": "mass", "expr": {"op": "AVG", "value": "body_mass_g"}}]},
    ...     {"op": "SORT", "keys": [{"column": "mass", "descending": True}]},
    ...     {"op": "LIMIT", "count": 1},
    ... ]}
    >>> with FakeOpenAI() as server:  # a local OpenAI-compatible server: docs/testing.md
    ...     server.script(ToolCall(plan, usage=Usage(1200, 60)))
    ...     result = ask("Which species is heaviest on average?", {"penguins": penguins},
    ...                  server.client(), model="gpt-4o-mini")
    >>> print(result.text)
    GROUP_BY species COMPUTE mass = AVG(body_mass_g)
    SORT mass DESC
    LIMIT 1
    >>> result.frame.rows(), result.attempts
    ([('Gentoo', 5050.0)], 1)
    >>> result.footer()
    'model gpt-4o-mini · 1 attempt · 0 repairs · 1200 in / 60 out tokens · ... s'

`ask` (openai.OpenAI) and `ask_async` (openai.AsyncOpenAI) drive the same state machine
(`ask_session.AskSession`): they only send requests and sleep when it says so. Without a
client, one is made from `base_url`/`api_key` or OPENAI_BASE_URL/OPENAI_API_KEY. A client
you pass is used with the SDK's retries off (`with_options(max_retries=0)`): the loop retries
itself, within the profile's deadline. See docs/ask.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Generator
from pathlib import Path

import openai
from pesql.runtime.engine.limits import Limits
from pesql.runtime.llm.cache import ResponseCache
from pesql.runtime.llm.client import complete, complete_async, make_client, without_retries
from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
from pesql.runtime.llm.result import AskError, AskResult, Usage
from pesql.runtime.llm.session import AskSession, Effect, Outcome, Send
from pesql.runtime.llm.trace import Trace
from pesql.runtime.tables.catalog import TablesArg, as_catalog

__all__ = ["DEFAULT_MODEL", "AskError", "AskResult", "Usage", "as_catalog", "ask", "ask_async"]

DEFAULT_MODEL = "gpt-4o-mini"


def _setup(
    question: str,
    tables: TablesArg,
    model: str | None,
    profile: Profile | str | Path | None,
    cache: ResponseCache | str | Path | None,
    trace: Trace | None,
    limits: Limits | None,
) -> AskSession:
    if not isinstance(profile, Profile):
        profile = DEFAULT_PROFILE if profile is None else Profile.load(profile)
    if cache is not None and not isinstance(cache, ResponseCache):
        cache = ResponseCache(cache)
    chosen = model or profile.model or os.environ.get("PESQL_MODEL") or DEFAULT_MODEL
    return AskSession(
        question,
        as_catalog(tables),
        model=chosen,
        profile=profile,
        cache=cache,
        trace=trace,
        limits=limits,
    )


def ask(
    question: str,
    tables: TablesArg,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    profile: Profile | str | Path | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: ResponseCache | str | Path | None = None,
    trace: Trace | None = None,
    limits: Limits | None = None,
) -> AskResult:
    """Answer `question` from `tables`; raises AskError (E501-E505) when no plan works."""
    if isinstance(client, openai.AsyncOpenAI):
        raise TypeError("ask() needs a synchronous openai.OpenAI client; use ask_async()")
    session = _setup(question, tables, model, profile, cache, trace, limits)
    owned = client is None
    sync_client = _own_client(base_url, api_key, session) if client is None else client
    sync_client = without_retries(sync_client)
    try:
        steps = session.run()
        outcome: Outcome = None
        while not isinstance(effect := _advance(steps, outcome), AskResult):
            if isinstance(effect, Send):
                outcome = complete(
                    sync_client,
                    effect.body,
                    timeout_s=effect.timeout_s,
                    stream=effect.stream,
                    max_chars=effect.max_chars,
                )
            else:
                time.sleep(effect.seconds)
                outcome = None
        return effect
    finally:
        if owned:
            sync_client.close()


async def ask_async(
    question: str,
    tables: TablesArg,
    client: openai.AsyncOpenAI | None = None,
    model: str | None = None,
    profile: Profile | str | Path | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    cache: ResponseCache | str | Path | None = None,
    trace: Trace | None = None,
    limits: Limits | None = None,
) -> AskResult:
    """`ask` for asyncio. The table overview, repair and execution run in a worker thread, so
    the event loop stays free while polars works."""
    if isinstance(client, openai.OpenAI):
        raise TypeError("ask_async() needs an openai.AsyncOpenAI client; use ask()")
    session = await asyncio.to_thread(
        _setup, question, tables, model, profile, cache, trace, limits
    )
    owned = client is None
    async_client = client
    if async_client is None:
        made = make_client(
            base_url, api_key, timeout_s=session.profile.timeout_s, asynchronous=True
        )
        assert isinstance(made, openai.AsyncOpenAI)
        async_client = made
    async_client = without_retries(async_client)
    try:
        steps = session.run()
        outcome: Outcome = None
        while not isinstance(
            effect := await asyncio.to_thread(_advance, steps, outcome), AskResult
        ):
            if isinstance(effect, Send):
                outcome = await complete_async(
                    async_client,
                    effect.body,
                    timeout_s=effect.timeout_s,
                    stream=effect.stream,
                    max_chars=effect.max_chars,
                )
            else:
                await asyncio.sleep(effect.seconds)
                outcome = None
        return effect
    finally:
        if owned:
            await async_client.close()


def _own_client(base_url: str | None, api_key: str | None, session: AskSession) -> openai.OpenAI:
    made = make_client(base_url, api_key, timeout_s=session.profile.timeout_s)
    assert isinstance(made, openai.OpenAI)
    return made


def _advance(steps: Generator[Effect, Outcome, AskResult], outcome: Outcome) -> Effect | AskResult:
    # The result travels as a value: StopIteration cannot cross asyncio.to_thread's future.
    try:
        return steps.send(outcome)
    except StopIteration as stop:
        result: AskResult = stop.value
        return result
