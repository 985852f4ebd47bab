"""Journals changed after a run, for the tests that must catch them (imported as a sibling module, like
``scenario_runs``)."""

from __future__ import annotations

import json
from pathlib import Path

#: The fields format 2 added to format 1 (0.1): the hash chain and the signed transactions' hashes.
FORMAT_2_FIELDS = ("prev", "tx_hash", "journal_sha256", "summary_sha256")


def canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


#: A run journaled before blocks by time (format 2: a block per transaction or batch, a state root on every
#: line): edu_term at test scale, seed 1, written by ecny-sim at dd02af6. Old journals must keep replaying.
FORMAT_2_RUN = Path(__file__).resolve().parent / "fixtures" / "format2_edu_term"


def as_format_1(dst: Path, run_dir: Path = FORMAT_2_RUN) -> Path:
    """A copy of a format-2 run's journal (only; by default the committed one) as ecny-sim 0.1 wrote it:
    format 1, no hashes."""
    dst.mkdir()
    lines = []
    for text in (run_dir / "journal.jsonl").read_text().splitlines():
        record = {k: v for k, v in json.loads(text).items() if k not in FORMAT_2_FIELDS}
        if record["type"] == "header":
            assert record["format"] == 2, "as_format_1 takes a format-2 journal"
            record["format"] = 1
        lines.append(canonical(record) + "\n")
    (dst / "journal.jsonl").write_text("".join(lines))
    return dst
