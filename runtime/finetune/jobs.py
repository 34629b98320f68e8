"""Fine-tuning jobs through the openai client: upload, create, follow, status, events, cancel, list.

    >>> import tempfile
    >>> from pesql.runtime.testing.fake_openai.server import FakeOpenAI
    >>> train = Path(tempfile.mkdtemp()) / "train.jsonl"
    >>> _ = train.write_text('{"messages": [{"role": "user", "content": "hi"}, '
    ...                      '{"role": "assistant", "content": "hello"}]}\\n')
    >>> def show(update):
    ...     print(update.job.status, [event.message for event in update.events])
    >>> with FakeOpenAI() as server:  # a local OpenAI-compatible server: docs/testing.md
    ...     client = make_finetune_client(server.base_url, "test")  # default: OPENAI_* variables
    ...     job = launch(client, train, None, model="gpt-4o-mini", suffix="pesql")
    ...     done = follow(client, job.id, on_update=show, polling=Polling(interval=0.01))
    queued ['Validating training file: file-1', 'Files validated, moving job to queued state']
    running ['Fine-tuning job started', 'Step 1/2: training loss=1.0']
    running ['Step 2/2: training loss=0.6667']
    succeeded ['New fine-tuned model created: ft:gpt-4o-mini:pesql:ftjob-...', 'The job has
    successfully completed']
    >>> done.fine_tuned_model
    'ft:gpt-4o-mini:pesql:ftjob-...'
    >>> with FakeOpenAI() as server:  # a service error is a diagnostic, not an SDK traceback
    ...     follow(make_finetune_client(server.base_url, "test"), "ftjob-nope", on_update=show)
    Traceback (most recent call last):
        ...
    pesql.grammar.diagnostics.PesqlError: error[E720]: the fine-tuning API refused: 404 Fine-tuning
    job ftjob-nope not found.
      hint: while checking ftjob-nope
      hint: list jobs with `pesql finetune list`
      hint: the problem is in `fine_tuning_job_id`

Every failure of the service (a refused file, bad credentials, an unknown job, no connection)
becomes a `PesqlError` with a diagnostic (E505, E502, E720), never a traceback. `follow` polls
the job and its new events, starting at `Polling.interval` seconds and backing off by `factor`
up to `maximum` while nothing changes (a job queues for minutes and trains for hours; a change
resets the interval), and gives up after `timeout` seconds, leaving the job running (E721).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.llm.client import make_client

__all__ = [
    "FINAL_STATES",
    "Polling",
    "Update",
    "api_errors",
    "follow",
    "launch",
    "make_finetune_client",
    "new_events",
    "upload",
]

FINAL_STATES = frozenset({"succeeded", "failed", "cancelled"})
EVENTS_PAGE = 100  # the API's maximum page; more new events than this between polls is rare


@dataclass(frozen=True, slots=True)
class Polling:
    interval: float = 2.0
    factor: float = 1.5
    maximum: float = 60.0
    timeout: float = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Update:
    """One poll: the job as it is now and the events that appeared since the last poll."""

    job: FineTuningJob
    events: tuple[FineTuningJobEvent, ...] = ()

    @property
    def trained_tokens(self) -> int | None:
        for event in reversed(self.events):  # newest last: the latest metrics win
            data = event.data if isinstance(event.data, dict) else {}
            if event.type == "metrics" and "trained_tokens" in data:
                return int(data["trained_tokens"])
        return self.job.trained_tokens


def make_finetune_client(base_url: str | None = None, api_key: str | None = None) -> openai.OpenAI:
    """A client whose SDK retries stay on: uploads and polls are idempotent enough to retry."""
    made = make_client(base_url, api_key, timeout_s=120.0)
    assert isinstance(made, openai.OpenAI)
    return made.with_options(max_retries=2)


@contextmanager
def api_errors(doing: str) -> Iterator[None]:
    """Turn the SDK's exceptions into diagnostics saying what was being done."""
    try:
        yield
    except openai.AuthenticationError as exc:
        hint = "check OPENAI_API_KEY (fine-tuning needs a key of an organization with access)"
        raise PesqlError([Diagnostic.make("E505", problem=_message(exc), hints=(hint,))]) from None
    except openai.APIStatusError as exc:
        hints = [f"while {doing}"]
        if exc.status_code == 404:
            hints.append("list jobs with `pesql finetune list`")
        if isinstance(exc.body, dict) and exc.body.get("param"):
            hints.append(f"the problem is in `{exc.body['param']}`")
        problem = f"{exc.status_code} {_message(exc)}"
        raise PesqlError([Diagnostic.make("E720", problem=problem, hints=hints)]) from None
    except openai.APIConnectionError as exc:
        hint = "check --base-url / OPENAI_BASE_URL and the network"
        problem = f"{doing}: {exc.__class__.__name__}: {exc}"
        raise PesqlError([Diagnostic.make("E502", problem=problem, hints=(hint,))]) from None


def _message(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return exc.message


def upload(client: openai.OpenAI, path: Path) -> str:
    """Upload a JSONL file for fine-tuning; its file id."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        problem = f"{exc.__class__.__name__}: {exc}"
        raise PesqlError([Diagnostic.make("E715", name=str(path), problem=problem)]) from None
    with api_errors(f"uploading {path}"):
        return client.files.create(file=(path.name, content), purpose="fine-tune").id


def launch(
    client: openai.OpenAI,
    train: Path,
    validation: Path | None,
    *,
    model: str,
    suffix: str | None = None,
    epochs: int | None = None,
    seed: int | None = None,
) -> FineTuningJob:
    """Upload the files and create a supervised job (validate them first: uploads cost time)."""
    train_id = upload(client, train)
    validation_id = upload(client, validation) if validation is not None else None
    options: dict[str, Any] = {}
    if validation_id is not None:
        options["validation_file"] = validation_id
    if suffix is not None:
        options["suffix"] = suffix
    if seed is not None:
        options["seed"] = seed
    if epochs is not None:
        # `method` replaces the deprecated top-level `hyperparameters`.
        hyper = {"n_epochs": epochs}
        options["method"] = {"type": "supervised", "supervised": {"hyperparameters": hyper}}
    with api_errors("creating the job"):
        return client.fine_tuning.jobs.create(model=model, training_file=train_id, **options)


def new_events(
    client: openai.OpenAI, job_id: str, seen: set[str]
) -> tuple[FineTuningJobEvent, ...]:
    """Events not in `seen` (which is updated), oldest first."""
    with api_errors(f"reading the events of {job_id}"):
        page = client.fine_tuning.jobs.list_events(job_id, limit=EVENTS_PAGE)
    fresh = [e for e in page.data if e.id not in seen]
    seen.update(e.id for e in fresh)
    return tuple(sorted(fresh, key=lambda e: (e.created_at, _number(e.id))))


def _number(event_id: str) -> int:
    digits = "".join(c for c in event_id if c.isdigit())
    return int(digits) if digits else 0


def pause(seconds: float) -> None:
    """The wait between polls (tests replace it)."""
    time.sleep(seconds)


@dataclass
class _Backoff:
    polling: Polling
    delay: float = field(init=False)

    def __post_init__(self) -> None:
        self.delay = self.polling.interval

    def next(self, changed: bool) -> float:
        p = self.polling
        self.delay = p.interval if changed else min(p.maximum, self.delay * p.factor)
        return self.delay


def follow(
    client: openai.OpenAI,
    job_id: str,
    *,
    on_update: Callable[[Update], None],
    polling: Polling = Polling(),
    clock: Callable[[], float] = time.monotonic,
) -> FineTuningJob:
    """Poll until the job ends; `on_update` sees every poll. E721 when `polling.timeout` passes."""
    seen: set[str] = set()
    backoff = _Backoff(polling)
    deadline = clock() + polling.timeout
    last_status = None
    while True:
        with api_errors(f"checking {job_id}"):
            job = client.fine_tuning.jobs.retrieve(job_id)
        events = new_events(client, job_id, seen)
        on_update(Update(job, events))
        if job.status in FINAL_STATES:
            return job
        delay = backoff.next(changed=bool(events) or job.status != last_status)
        last_status = job.status
        if clock() + delay > deadline:
            hint = f"it keeps running; check it with `pesql finetune status {job_id}`"
            problem = f"stopped waiting after {polling.timeout:g} s"
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E721", name=job_id, found=job.status, problem=problem, hints=(hint,)
                    )
                ]
            )
        pause(delay)
