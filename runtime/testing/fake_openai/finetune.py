"""Files and fine-tuning jobs of the local OpenAI-compatible test server (no HTTP in here).

`FineTuneStore` holds uploaded files and jobs and answers with OpenAI-shaped JSON dicts; the
HTTP layer (`fake_http`, through `fake_routes.route`) only routes to it. A job moves one step per
status poll (`GET /v1/fine_tuning/jobs/{id}`), so a polling loop sees every state in order:

    validating_files -> queued -> running (step 1..N) -> succeeded | failed
                       (cancel from any non-final state -> cancelled)

Example:
    store = FineTuneStore()
    file_id = store.upload("train.jsonl", b'{"messages": []}\\n', "fine-tune")["id"]
    job = store.create_job({"model": "gpt-4o-mini", "training_file": file_id})
    store.get_job(job["id"])["status"]  # "queued"
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from pesql.runtime.testing.fake_openai.jobs import (
    FINAL_STATES,
    ORDER,
    Job,
    JobFails,
    JobOutcome,
    JobStatus,
    JobSucceeds,
    job_json,
    training_file_problem,
)
from pesql.runtime.testing.fake_openai.routes import ApiError, page

FILE_PURPOSES = frozenset(
    {"assistants", "batch", "fine-tune", "vision", "user_data", "evals"}
)  # what the SDK lets a client upload; *_output/*-results are server-written


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


class FineTuneStore:
    """Thread-safe in-memory files and fine-tuning jobs with a poll-driven lifecycle."""

    def __init__(self, *, polls_per_step: int = 1, training_steps: int = 2) -> None:
        if polls_per_step < 0 or training_steps < 1:
            raise ValueError("polls_per_step must be >= 0 and training_steps >= 1")
        self.polls_per_step = polls_per_step  # 0: jobs move only through advance()
        self.training_steps = training_steps
        self._lock = threading.RLock()
        self._files: dict[str, _File] = {}
        self._jobs: dict[str, Job] = {}
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
            job = Job(job_body, outcome)
            self._jobs[job_body["id"]] = job
            self._event(job, f"Validating training file: {training_file}")
            return job_json(job)

    def _job(self, job_id: str) -> Job:
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
            return job_json(job)

    def list_jobs(self, *, limit: int = 20, after: str | None = None) -> dict[str, Any]:
        with self._lock:
            jobs = [job_json(job) for job in reversed(self._jobs.values())]
        return page(jobs, limit, after)

    def events(self, job_id: str, *, limit: int = 20, after: str | None = None) -> dict[str, Any]:
        with self._lock:
            newest_first = list(reversed(self._job(job_id).events))
        return page(newest_first, limit, after)

    def cancel(self, job_id: str) -> dict[str, Any]:
        with self._lock:
            job = self._job(job_id)
            if job.status in FINAL_STATES:
                raise ApiError(
                    400, f"Job {job_id} is already {job.status} and cannot be cancelled."
                )
            self._finish(job, "cancelled")
            self._event(job, "Fine-tuning job cancelled")
            return job_json(job)

    def advance(self, job_id: str, to: JobStatus) -> dict[str, Any]:
        """Move a job forward to `to` now, through every intermediate state (and its events)."""
        with self._lock:
            job = self._job(job_id)
            if job.status == to:
                return job_json(job)
            if job.status in FINAL_STATES:
                raise ValueError(f"job {job_id} is already {job.status}; cannot move to {to}")
            if to == "cancelled":
                return self.cancel(job_id)
            # The caller's target wins over the scripted outcome.
            if to == "succeeded" and not isinstance(job.outcome, JobSucceeds):
                job.outcome = JobSucceeds()
            elif to == "failed" and not isinstance(job.outcome, JobFails):
                job.outcome = JobFails()
            elif to not in ("succeeded", "failed") and ORDER.index(to) < ORDER.index(job.status):
                raise ValueError(f"job {job_id} is already {job.status}; cannot go back to {to}")
            while job.status != to and job.status not in FINAL_STATES:
                self._step(job)
            if job.status != to:
                raise ValueError(f"job {job_id} ended {job.status} before reaching {to}")
            return job_json(job)

    def fine_tuned_models(self) -> list[str]:
        with self._lock:
            return [j.fine_tuned_model for j in self._jobs.values() if j.fine_tuned_model]

    # -- lifecycle -----------------------------------------------------------------------
    def _step(self, job: Job) -> None:
        if job.status == "validating_files":
            problem = training_file_problem(self._files[job.body["training_file"]].content)
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

    def _total_tokens(self, job: Job) -> int:
        outcome = job.outcome
        if isinstance(outcome, JobSucceeds) and outcome.trained_tokens is not None:
            return outcome.trained_tokens
        epochs = (job.body.get("hyperparameters") or {}).get("n_epochs")
        size = len(self._files[job.body["training_file"]].content)
        return max(1, size // 4) * (epochs if isinstance(epochs, int) else 1)

    def _metrics(self, job: Job) -> None:
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

    def _conclude(self, job: Job) -> None:
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

    def _finish(self, job: Job, status: JobStatus) -> None:
        job.status, job.finished_at = status, int(time.time())

    def _event(
        self,
        job: Job,
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
