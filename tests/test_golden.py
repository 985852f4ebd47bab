"""Byte for byte: every built-in scenario at test scale (seed 1) writes the same journal, summary, reports (en,
zh, charts included) and CSV export as the golden digests in tests/golden/outputs/. A refactor must keep them;
an issue that changes an output on purpose regenerates them (see tests/golden_files.py) and says why."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_files import compare_digests, digest  # noqa: E402
from scenario_runs import LANGS, session_runs  # noqa: E402

from ecny_sim.run import scenario as scenarios  # noqa: E402

NAMES = scenarios.builtin_names()


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    return session_runs(tmp_path_factory)


@pytest.mark.parametrize("name", NAMES)
def test_run_outputs_match_the_golden_digests(runs, name, tmp_path):
    from ecny_sim.show.export import export_csv

    run = runs[name]
    digests = {f"run/{k}": v for k, v in digest(run.dir).items()}
    for lang in LANGS:
        assert run.report_error[lang] == "", run.report_error[lang]
        digests.update({f"report-{lang}/{k}": v for k, v in digest(run.report_dir[lang]).items()})
    copy = tmp_path / name
    copy.mkdir()
    for file in ("journal.jsonl", "summary.json"):
        shutil.copy2(run.dir / file, copy / file)
    digests.update({f"csv/{k}": v for k, v in digest(export_csv(copy)).items()})
    compare_digests(f"outputs/{name}.json", digests)
