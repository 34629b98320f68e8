"""WikiTableQuestions -> an answer-only dataset (`"plan": null`, `"compare": {"mode": "wtq"}`).

    >>> import json, tempfile
    >>> corpus = Path(tempfile.mkdtemp())  # a tiny corpus in WTQ's layout: data/ and csv/
    >>> (corpus / "csv" / "204-csv").mkdir(parents=True)
    >>> _ = (corpus / "csv" / "204-csv" / "772.tsv").write_text(
    ...     "Nation\\tMedals\\nNorway\\t5\\nSweden\\t2\\nFinland\\t2\\n")
    >>> (corpus / "data").mkdir()
    >>> _ = (corpus / "data" / "random-split-1-dev.tsv").write_text(
    ...     "id\\tutterance\\tcontext\\ttargetValue\\n"
    ...     "nt-0\\twhich nation won most medals?\\tcsv/204-csv/772.csv\\tNorway\\n"
    ...     "nt-1\\twhich nations won 2 medals?\\tcsv/204-csv/772.csv\\tSweden|Finland\\n")
    >>> stats = import_wtq(corpus / "wtq-dev", corpus, split="dev", limit=100)
    >>> stats.examples, stats.tables
    (2, 1)
    >>> sorted(path.name for path in (corpus / "wtq-dev" / "tables").iterdir())
    ['LICENSES.md', 't204_772.tsv']
    >>> line = json.loads((corpus / "wtq-dev" / "examples.jsonl").read_text().splitlines()[1])
    >>> line["tables"], line["plan"], line["answers"], line["compare"]
    (['t204_772'], None, ['Sweden', 'Finland'], {'mode': 'wtq'})

Tables are **copied**: `csv/204-csv/772.tsv` becomes `tables/t204_772.tsv`, so the dataset is
self-contained (CC BY-SA 4.0, recorded in tables/LICENSES.md). The TSV form is used (no
quoting; `\\n`, `\\p` and `\\\\` escapes, which `load_table` decodes in headers and cells as
the official reader does: `tsv_unescape`), and every copied
table is loaded once with `load_table` so an unreadable one is skipped, not shipped.
`answers` is `targetValue` split on `|`; the test split also carries `answers_canon` from the
tagged file's `targetCanon`, which is what the official evaluator compares with.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.evals.importers import ImportStats, prepare_output, unreadable, write_dataset
from pesql.runtime.tables.table import load_table, tsv_unescape

__all__ = ["SPLITS", "import_wtq", "read_questions", "tsv_unescape_list", "wtq_table_name"]

Split = Literal["dev", "test"]
SPLITS: dict[str, str] = {"dev": "random-split-1-dev.tsv", "test": "pristine-unseen-tables.tsv"}
TAGGED: dict[str, str] = {"test": "pristine-unseen-tables.tagged"}

LICENSES = """# Table licenses

Every table here is a copy of a WikiTableQuestions table (`csv/<n>-csv/<m>.tsv` as
`t<n>_<m>.tsv`), from ppasupat/WikiTableQuestions; the questions and answers in
`../examples.jsonl` come from the same corpus ({split} split, `data/{file}`).

License: Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0), by
Panupong Pasupat and Percy Liang; tables extracted from Wikipedia.
"""


def tsv_unescape_list(text: str) -> list[str]:
    return [tsv_unescape(part) for part in text.split("|")]


def wtq_table_name(context: str) -> str:
    """`csv/204-csv/772.csv` -> `t204_772`."""
    match = re.fullmatch(r"csv/(\d+)-csv/(\d+)\.(?:csv|tsv|table)", context)
    if match is None:
        raise ValueError(f"not a WTQ table path: {context}")
    return f"t{match.group(1)}_{match.group(2)}"


def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise unreadable(path, str(exc)) from None
    header = lines[0].split("\t")
    for line in lines[1:]:
        if line:
            yield dict(zip(header, line.split("\t"), strict=False))


def read_questions(corpus: Path, split: Split) -> Iterator[dict[str, Any]]:
    """{id, question, context, answers, answers_canon} per question of the split."""
    canon: dict[str, str] = {}
    if split in TAGGED:
        canon = {
            row["id"]: row["targetCanon"] for row in _read_tsv(corpus / "tagged" / TAGGED[split])
        }
    for row in _read_tsv(corpus / "data" / SPLITS[split]):
        answers = tsv_unescape_list(row["targetValue"])
        canonical = tsv_unescape_list(canon[row["id"]]) if row["id"] in canon else None
        if canonical is not None and len(canonical) != len(answers):
            canonical = None  # the evaluator asserts equal lengths; keep the strings only
        yield {
            "id": row["id"],
            "question": row["utterance"],
            "context": row["context"],
            "answers": answers,
            "answers_canon": canonical,
        }


def import_wtq(
    out: Path,
    corpus: Path,
    *,
    split: Split = "dev",
    limit: int | None = None,
    force: bool = False,
) -> ImportStats:
    """Write an answer-only dataset of the split's first `limit` questions to `out`."""
    prepare_output(out, force)
    stats = ImportStats()
    readable: dict[str, bool] = {}
    lines: list[dict[str, Any]] = []
    for q in read_questions(corpus, split):
        if limit is not None and len(lines) >= limit:
            break
        name = wtq_table_name(q["context"])
        if name not in readable:
            readable[name] = _copy_table(corpus / q["context"], out / "tables" / f"{name}.tsv")
            stats.tables += readable[name]
        if not readable[name]:
            stats.skipped["unreadable table"] += 1
            continue
        stats.patterns["with canonical answers" if q["answers_canon"] else "strings only"] += 1
        lines.append(
            {
                "id": q["id"],
                "question": q["question"],
                "tables": [name],
                "plan": None,
                "reference_sql": None,
                "answers": q["answers"],
                "answers_canon": q["answers_canon"],
                "compare": {"mode": "wtq"},
                "tags": ["wtq", split],
                "meta": {"corpus": "wtq", "corpus_id": q["id"], "context": q["context"]},
            }
        )
    stats.examples = write_dataset(out, lines, LICENSES.format(split=split, file=SPLITS[split]))
    return stats


def _copy_table(csv_path: Path, target: Path) -> bool:
    source = csv_path.with_suffix(".tsv")
    try:
        shutil.copyfile(source, target)
        load_table(target, name=target.stem).frame.collect()
    except (OSError, PesqlError):
        target.unlink(missing_ok=True)
        return False
    return True
