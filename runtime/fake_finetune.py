"""Files and fine-tuning jobs of the local OpenAI-compatible test server (no HTTP in here).

`FineTuneStore` holds uploaded files and jobs and answers with OpenAI-shaped JSON dicts; the
HTTP layer in `pesql.runtime.fake_openai` only routes to it. A job moves one step per status poll
(`GET /v1/fine_tuning/jobs/{id}`), so a polling loop sees every state in order:

    validating_files -> queued -> running (step 1..N) -> succeeded | failed
                       (cancel from any non-final state -> cancelled)

Example:
    store = FineTuneStore()
    file_id = store.upload("train.jsonl", b'{"messages": []}\\n', "fine-tune")["id"]
    job = store.create_job({"model": "gpt-4o-mini", "training_file": file_id})
    store.get_job(job["id"])["status"]  # "queued"
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

JobStatus: TypeAlias = Literal[
    "validating_files", "queued", "running", "succeeded", "failed", "cancelled"
]
FINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
_ORDER: tuple[JobStatus, ...] = ("validating_files", "queued", "running", "succeeded")
FILE_PURPOSES = frozenset(
    {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
)  # what the SDK lets a client upload; *_output/*-results are server-written


class ApiError(Exception):
    """An OpenAI-style error answer: the HTTP layer renders it as `{"error": {...}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


@dataclass(frozen=True, slots=True)
class JobSucceeds:
    """Scripted outcome: success; `trained_tokens` defaults to (file bytes / 4) x epochs."""

    trained_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class JobFails:
    """Scripted outcome: the job fails after training with this error object."""

    message: str = "Fine-tuning failed (scripted by FakeOpenAI)."
    code: str = "training_failed"


JobOutcome: TypeAlias = JobSucceeds | JobFails


@dataclass(slots=True)
class _File:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": None,
        }


@dataclass(slots=True)
class _Job:
    body: dict[str, Any]
    outcome: JobOutcome
    status: JobStatus = "validating_files"
    step: int = 0  # training step while running, 1-based
    polls: int = 0  # polls since the last move; moves when it reaches polls_per_step
    events: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    finished_at: int | None = None


class FineTuneStore:
    """Thread-safe in-memory files and fine-tuning jobs with a poll-driven lifecycle."""

    def __init__(self, *, polls_per_step: int = 1, training_steps: int = 2) -> None:
        if polls_per_step < 0 or training_steps < 1:
            raise ValueError("polls_per_step must be >= 0 and training_steps >= 1")
        self.polls_per_step = polls_per_step  # 0: jobs move only through advance()
        self.training_steps = training_steps
        self._lock = threading.RLock()
        self._files: dict[str, _File] = {}
        self._jobs: dict[str, _Job] = {}
        self._outcomes: deque[JobOutcome] = deque()
        self._counter = 0

    def _next_id(self, prefix: str) -> str:
        # One counter for every kind of object keeps ids unique and predictable in tests.
        self._counter += 1
        return f"{prefix}-{self._counter}"

    # -- files ---------------------------------------------------------------------------
    def upload(self, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
        if purpose not in FILE_PURPOSES:
            raise ApiError(400, f"Invalid purpose {purpose!r}.", param="purpose")
        with self._lock:
            stored = _File(self._next_id("file"), filename, purpose, content, int(time.time()))
            self._files[stored.id] = stored
            return stored.as_json()

    def _file(self, file_id: str) -> _File:
        found = self._files.get(file_id)
        if found is None:
            raise ApiError(404, f"No such File object: {file_id}", param="id", code=None)
        return found

    def file(self, file_id: str) -> dict[str, Any]:
        with self._lock:
            return self._file(file_id).as_json()

    def content(self, file_id: str) -> bytes:
        with self._lock:
            return self._file(file_id).content

    def list_files(self) -> dict[str, Any]:
        with self._lock:
            data = [f.as_json() for f in reversed(self._files.values())]
        return {"object": "list", "data": data, "has_more": False}

    # -- jobs ----------------------------------------------------------------------------
    def script_outcomes(self, *outcomes: JobOutcome) -> None:
        """Jobs created from now on take these outcomes in order; unscripted jobs succeed."""
        with self._lock:
            self._outcomes.extend(outcomes)

    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        model, training_file = body.get("model"), body.get("training_file")
        if not isinstance(model, str) or not model:
            raise ApiError(400, "Missing required parameter: 'model'.", param="model")
        if not isinstance(training_file, str):
            raise ApiError(
                400, "Missing required parameter: 'training_file'.", param="training_file"
            )
        with self._lock:
            for param in ("training_file", "validation_file"):
                file_id = body.get(param)
                if file_id is None:
                    continue
                stored = self._files.get(file_id)
                if stored is None:
                    raise ApiError(
                        400, f"invalid {param}: {file_id}", param=param, code="invalid_file_id"
                    )
                if stored.purpose != "fine-tune":
                    raise ApiError(
                        400,
                        f"File {file_id} has purpose {stored.purpose!r}, expected 'fine-tune'.",
                        param=param,
                        code="invalid_file_purpose",
                    )
            job_body = dict(body, id=self._next_id("ftjob"), created_at=int(time.time()))
            outcome = self._outcomes.popleft() if self._outcomes else JobSucceeds()
            job = _Job(job_body, outcome)
            self._jobs[job_body["id"]] = job
            self._event(job, f"Validating training file: {training_file}")
            return self._job_json(job)

    def _job(self, job_id: str) -> _Job:
        found = self._jobs.get(job_id)
        if found is None:
            raise ApiError(404, f"Fine-tuning job {job_id} not found.", param="fine_tuning_job_id")
        return found

    def get_job(self, job_id: str, *, poll: bool = True) -> dict[str, Any]:
        """The job as JSON; a poll counts toward the next lifecycle step."""
        with self._lock:
            job = self._job(job_id)
            if poll and self.polls_per_step and job.status not in FINAL_STATES:
                job.polls += 1
                if job.polls >= self.polls_per_step:
                    job.polls = 0
                    self._step(job)
            return self._job_json(job)

    def list_jobs(self, *, limit: int = 20, after: str | None = None) -> dict[str, Any]:
        with self._lock:
            jobs = [self._job_json(job) for job in reversed(self._jobs.values())]
        return _page(jobs, limit, after)

    def events(self, job_id: str, *, limit: int = 20, after: str | None = None) -> dict[str, Any]:
        with self._lock:
            newest_first = list(reversed(self._job(job_id).events))
        return _page(newest_first, limit, after)

    def cancel(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._job(job_id)
            if job.status in FINAL_STATES:
                raise ApiError(
                    400, f"Job {job_id} is already {job.status} and cannot be cancelled."
                )
            self._finish(job, "cancelled")
            self._event(job, "Fine-tuning job cancelled")
            return self._job_json(job)

    def advance(self, job_id: str, to: JobStatus) -> dict[str, Any]:
        """Move a job forward to `to` now, through every intermediate state (and its events)."""
        with self._lock:
            job = self._job(job_id)
            if job.status == to:
                return self._job_json(job)
            if job.status in FINAL_STATES:
                raise ValueError(f"job {job_id} is already {job.status}; cannot move to {to}")
            if to == "cancelled":
                return self.cancel(job_id)
            # The caller's target wins over the scripted outcome.
            if to == "succeeded" and not isinstance(job.outcome, JobSucceeds):
                job.outcome = JobSucceeds()
            elif to == "failed" and not isinstance(job.outcome, JobFails):
                job.outcome = JobFails()
            elif to not in ("succeeded", "failed") and _ORDER.index(to) < _ORDER.index(job.status):
                raise ValueError(f"job {job_id} is already {job.status}; cannot go back to {to}")
            while job.status != to and job.status not in FINAL_STATES:
                self._step(job)
            if job.status != to:
                raise ValueError(f"job {job_id} ended {job.status} before reaching {to}")
            return self._job_json(job)

    def fine_tuned_models(self) -> list[str]:
        with self._lock:
            return [j.fine_tuned_model for j in self._jobs.values() if j.fine_tuned_model]

    # -- lifecycle -----------------------------------------------------------------------
    def _step(self, job: _Job) -> None:
        if job.status == "validating_files":
            problem = _training_file_problem(self._files[job.body["training_file"]].content)
            if problem is not None:
                job.error = {
                    "code": "invalid_training_file",
                    "message": problem,
                    "param": "training_file",
                }
                self._finish(job, "failed")
                self._event(job, f"Training file validation failed: {problem}", level="error")
                return
            job.status = "queued"
            self._event(job, "Files validated, moving job to queued state")
        elif job.status == "queued":
            job.status, job.step = "running", 1
            self._event(job, "Fine-tuning job started")
            self._metrics(job)
        elif job.status == "running" and job.step < self.training_steps:
            job.step += 1
            self._metrics(job)
        elif job.status == "running":
            self._conclude(job)

    def _total_tokens(self, job: _Job) -> int:
        outcome = job.outcome
        if isinstance(outcome, JobSucceeds) and outcome.trained_tokens is not None:
            return outcome.trained_tokens
        epochs = (job.body.get("hyperparameters") or {}).get("n_epochs")
        size = len(self._files[job.body["training_file"]].content)
        return max(1, size // 4) * (epochs if isinstance(epochs, int) else 1)

    def _metrics(self, job: _Job) -> None:
        steps = self.training_steps
        tokens = self._total_tokens(job) * job.step // steps
        loss = round(2.0 / (job.step + 1), 4)  # falls each step, deterministic
        data = {
            "step": job.step,
            "total_steps": steps,
            "train_loss": loss,
            "trained_tokens": tokens,
        }
        self._event(
            job, f"Step {job.step}/{steps}: training loss={loss}", kind="metrics", data=data
        )

    def _conclude(self, job: _Job) -> None:
        outcome = job.outcome
        if isinstance(outcome, JobFails):
            job.error = {"code": outcome.code, "message": outcome.message, "param": None}
            self._finish(job, "failed")
            self._event(job, outcome.message, level="error")
            return
        suffix = job.body.get("suffix") or ""
        job.fine_tuned_model = f"ft:{job.body['model']}:{suffix}:{job.body['id']}"
        job.trained_tokens = self._total_tokens(job)
        self._finish(job, "succeeded")
        self._event(job, f"New fine-tuned model created: {job.fine_tuned_model}")
        self._event(job, "The job has successfully completed")

    def _finish(self, job: _Job, status: JobStatus) -> None:
        job.status, job.finished_at = status, int(time.time())

    def _event(
        self,
        job: _Job,
        message: str,
        *,
        level: str = "info",
        kind: str = "message",
        data: dict[str, Any] | None = None,
    ) -> None:
        job.events.append(
            {
                "id": self._next_id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "type": kind,
                "data": data,
            }
        )

    def _job_json(self, job: _Job) -> dict[str, Any]:
        body = job.body
        return {
            "id": body["id"],
            "object": "fine_tuning.job",
            "created_at": body["created_at"],
            "model": body["model"],
            "organization_id": "org-fake",
            "status": job.status,
            "training_file": body["training_file"],
            "validation_file": body.get("validation_file"),
            "hyperparameters": body.get("hyperparameters") or {"n_epochs": "auto"},
            "method": body.get("method"),
            "suffix": body.get("suffix"),
            "seed": body.get("seed") or 0,
            "metadata": body.get("metadata"),
            "result_files": [],
            "error": job.error,
            "fine_tuned_model": job.fine_tuned_model,
            "trained_tokens": job.trained_tokens,
            "finished_at": job.finished_at,
            "estimated_finish": None,
            "integrations": None,
        }


def _page(items: list[dict[str, Any]], limit: int, after: str | None) -> dict[str, Any]:
    """A cursor page in listing order; `after` is the id of the last item the caller saw."""
    if not 1 <= limit <= 100:
        raise ApiError(400, f"limit must be between 1 and 100, got {limit}.", param="limit")
    start = 0
    if after is not None:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise ApiError(400, f"Unknown cursor after={after!r}.", param="after")
        start = ids.index(after) + 1
    data = items[start : start + limit]
    return {"object": "list", "data": data, "has_more": start + limit < len(items)}


def _training_file_problem(content: bytes) -> str | None:
    """Why a chat fine-tuning file is unusable, or None: each line a JSON object with messages."""
    lines = content.splitlines()
    if not any(line.strip() for line in lines):
        return "the training file is empty"
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            return f"line {number} is not valid JSON"
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
            return f"line {number} has no 'messages' list"
    return None


def route(
    store: FineTuneStore,
    method: str,
    parts: list[str],
    query: dict[str, str],
    body: Any,
    uploads: dict[str, tuple[str, bytes]],
) -> tuple[int, dict[str, Any] | bytes] | None:
    """Answer a /v1/files or /v1/fine_tuning request (path split on "/"), or None if not ours."""
    match method, parts:
        case "POST", ["v1", "files"]:
            if "file" not in uploads:
                raise ApiError(400, "Missing required parameter: 'file'.", param="file")
            filename, content = uploads["file"]
            purpose = body.get("purpose") if isinstance(body, dict) else None
            return 200, store.upload(filename, content, str(purpose))
        case "GET", ["v1", "files"]:
            return 200, store.list_files()
        case "GET", ["v1", "files", file_id]:
            return 200, store.file(file_id)
        case "GET", ["v1", "files", file_id, "content"]:
            return 200, store.content(file_id)
        case "POST", ["v1", "fine_tuning", "jobs"]:
            if not isinstance(body, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            return 200, store.create_job(body)
        case "GET", ["v1", "fine_tuning", "jobs"]:
            return 200, store.list_jobs(limit=_limit(query), after=query.get("after"))
        case "GET", ["v1", "fine_tuning", "jobs", job_id]:
            return 200, store.get_job(job_id)
        case "POST", ["v1", "fine_tuning", "jobs", job_id, "cancel"]:
            return 200, store.cancel(job_id)
        case "GET", ["v1", "fine_tuning", "jobs", job_id, "events"]:
            return 200, store.events(job_id, limit=_limit(query), after=query.get("after"))
    return None


def _limit(query: dict[str, str]) -> int:
    try:
        return int(query.get("limit", "20"))
    except ValueError:
        message = f"limit must be an integer, got {query['limit']!r}."
        raise ApiError(400, message, param="limit") from None
