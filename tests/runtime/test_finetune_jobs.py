"""Fine-tuning jobs end to end: the real openai client against FakeOpenAI, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.cli.main import run_cli
from pesql.runtime.finetune import jobs
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, JobFails

from tests.runtime.finetune_fixtures import exported

Capture = pytest.CaptureFixture[str]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    _dataset, out = exported(tmp_path_factory.mktemp("ft"), val_fraction=0.2, seed=2)
    return out / "train.jsonl", out / "validation.jsonl"


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as running:
        yield running


def start(server: FakeOpenAI, files: tuple[Path, Path], *extra: str) -> int:
    train, validation = files
    return run_cli([
        "finetune", "start", "--train", str(train), "--val", str(validation),
        "--model", "gpt-4o-mini", "--base-url", server.base_url, "--poll-interval", "0", *extra,
    ])  # fmt: skip


def cli(server: FakeOpenAI, *args: str) -> int:
    return run_cli(["finetune", *args, "--base-url", server.base_url])


def test_start_wait_follows_the_job_to_its_model(
    server: FakeOpenAI, files: tuple[Path, Path], capsys: Capture
) -> None:
    assert start(server, files, "--suffix", "pesql", "--epochs", "3", "--wait") == 0
    out = capsys.readouterr().out
    job = server.client().fine_tuning.jobs.list().data[0]
    assert f"started {job.id} (gpt-4o-mini, validating_files)" in out
    for message in ("Validating training file", "Fine-tuning job started", "Step 2/2"):
        assert message in out
    assert out.index("Fine-tuning job started") < out.index("Step 1/2") < out.index("Step 2/2")
    assert f"trained tokens: {job.trained_tokens}" in out
    assert f"fine-tuned model: ft:gpt-4o-mini:pesql:{job.id}" in out
    uploads = [r for r in server.requests if r.method == "POST" and r.path == "/v1/files"]
    assert [u.body["purpose"] for u in uploads] == ["fine-tune", "fine-tune"]
    stored = [
        server.client().files.content(f).read() for f in (job.training_file, job.validation_file)
    ]
    assert stored == [p.read_bytes() for p in files]
    (create,) = [
        r for r in server.requests if r.path == "/v1/fine_tuning/jobs" and r.method == "POST"
    ]
    assert create.body["training_file"] == job.training_file
    assert create.body["validation_file"] == job.validation_file
    assert create.body["suffix"] == "pesql"
    assert create.body["method"] == {
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}},
    }  # fmt: skip


def test_a_failed_job_is_a_diagnostic(
    server: FakeOpenAI, files: tuple[Path, Path], capsys: Capture
) -> None:
    server.script_jobs(JobFails("loss diverged", code="diverged"))
    assert start(server, files, "--wait") == 1
    captured = capsys.readouterr()
    job_id = server.client().fine_tuning.jobs.list().data[0].id
    assert f"error[E721]: job {job_id} failed: loss diverged (diverged)" in captured.err
    assert f"hint: see `pesql finetune events {job_id}`" in captured.err
    assert "Traceback" not in captured.err


def test_without_wait_then_status_cancel_events_list(
    files: tuple[Path, Path], capsys: Capture
) -> None:
    with FakeOpenAI(polls_per_step=0) as server:  # jobs stay where they are
        assert start(server, files) == 0
        first = capsys.readouterr().out
        job_id = server.client().fine_tuning.jobs.list().data[0].id
        assert f"follow it with `pesql finetune status {job_id}`" in first
        assert start(server, files) == 0
        capsys.readouterr()
        assert cli(server, "cancel", job_id) == 0
        assert capsys.readouterr().out.strip() == f"{job_id}: cancelled"
        assert cli(server, "status", job_id) == 0
        status = capsys.readouterr().out
        assert "cancelled" in status and "gpt-4o-mini" in status
        assert cli(server, "events", job_id) == 0
        events = capsys.readouterr().out
        assert events.index("Validating training file") < events.index("Fine-tuning job cancelled")
        assert cli(server, "list") == 0
        listing = capsys.readouterr().out
        assert job_id in listing and "cancelled" in listing and "validating_files" in listing
        assert cli(server, "cancel", job_id) == 1  # a finished job cannot be cancelled
        assert "error[E720]: the fine-tuning API refused: 400" in capsys.readouterr().err


def test_a_missing_or_invalid_file_is_never_uploaded(
    server: FakeOpenAI, tmp_path: Path, files: tuple[Path, Path], capsys: Capture
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert start(server, (missing, files[1])) == 1
    out = capsys.readouterr().out
    assert "error[E715]: cannot read" in out and "not started" in out
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [\n', encoding="utf-8")
    assert start(server, (broken, files[1])) == 1
    assert "broken.jsonl:1:1: error[E701]" in capsys.readouterr().out
    assert server.requests == []


def test_unknown_job_and_bad_credentials_are_diagnostics(
    files: tuple[Path, Path], capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAI(api_key="secret") as server:
        monkeypatch.setenv("OPENAI_API_KEY", "secret")
        assert cli(server, "status", "ftjob-nope") == 1
        err = capsys.readouterr().err
        assert "error[E720]: the fine-tuning API refused: 404" in err
        assert "pesql finetune list" in err
        monkeypatch.setenv("OPENAI_API_KEY", "wrong")
        assert start(server, files) == 1
        err = capsys.readouterr().err
        assert "error[E505]" in err and "OPENAI_API_KEY" in err and "Traceback" not in err


def test_no_server_is_a_diagnostic(files: tuple[Path, Path], capsys: Capture) -> None:
    with FakeOpenAI() as server:
        url = server.base_url
    assert run_cli(["finetune", "list", "--base-url", url]) == 1
    assert "error[E502]" in capsys.readouterr().err


def test_ctrl_c_leaves_the_job_running(
    server: FakeOpenAI, files: tuple[Path, Path], capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "pause", interrupt)
    assert start(server, files, "--wait") == 130
    out = capsys.readouterr().out
    job = server.client().fine_tuning.jobs.list().data[0]
    assert f"{job.id} keeps running" in out and f"pesql finetune status {job.id}" in out
    assert job.status not in jobs.FINAL_STATES


def test_polling_backs_off_while_nothing_changes_and_gives_up_at_the_timeout(
    files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    now = [0.0]

    def wait(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(jobs, "pause", wait)
    with FakeOpenAI(polls_per_step=0) as server:
        client = server.client()
        job = jobs.launch(client, files[0], None, model="gpt-4o-mini")
        polling = jobs.Polling(interval=1.0, factor=2.0, maximum=5.0, timeout=30.0)
        with pytest.raises(PesqlError) as caught:
            jobs.follow(
                client, job.id, on_update=lambda u: None, polling=polling, clock=lambda: now[0]
            )
    assert waits[:5] == [1.0, 2.0, 4.0, 5.0, 5.0]  # the first poll saw new events: interval
    assert sum(waits) <= 30.0
    (diag,) = caught.value.diagnostics
    assert (
        diag.code == "E721"
        and diag.message == f"job {job.id} validating_files: stopped waiting after 30 s"
    )


def test_updates_carry_new_events_once_and_the_trained_tokens(files: tuple[Path, Path]) -> None:
    with FakeOpenAI() as server:
        client = server.client()
        job = jobs.launch(client, files[0], files[1], model="gpt-4o-mini", suffix="x")
        updates: list[jobs.Update] = []
        done = jobs.follow(
            client, job.id, on_update=updates.append, polling=jobs.Polling(interval=0)
        )
    assert done.status == "succeeded" and done.fine_tuned_model == f"ft:gpt-4o-mini:x:{job.id}"
    ids = [e.id for u in updates for e in u.events]
    assert len(ids) == len(set(ids))
    messages = [e.message for u in updates for e in u.events]
    assert messages[0].startswith("Validating training file")
    assert messages[-1] == "The job has successfully completed"
    assert updates[-1].trained_tokens == done.trained_tokens
    metrics = [json.dumps(e.data) for u in updates for e in u.events if e.type == "metrics"]
    assert len(metrics) == 2
