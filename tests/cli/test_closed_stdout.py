"""Piping a run into `head` stops the printing, not the run: it exits 0 and writes its outputs whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ECNY_SIM = Path(sys.executable).parent / "ecny-sim"


def test_a_run_piped_into_head_finishes_and_writes_its_outputs(tmp_path):
    out = tmp_path / "o"
    done = subprocess.run(f"set -o pipefail; '{ECNY_SIM}' run edu_refund_run --test-scale --out '{out}' | head -n 1",
                          shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 and "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
    assert json.loads((out / "summary.json").read_text())["outcome"] == "ok"
    assert json.loads((out / "journal.jsonl").read_text().splitlines()[-1])["type"] == "end"
