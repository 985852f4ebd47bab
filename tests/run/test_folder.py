"""A run owns its folder: written beside --out and moved in whole at the end; a rerun of the same run replaces
it whole, a different run is refused (unless --force), a folder of other files is never touched, and an
interrupted run is set aside in OUT.incomplete without touching the finished one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecny_sim.cli.main import app
from ecny_sim.run.folder import RunFolder, replace_folder, replace_folder_with
from ecny_sim.run.scenario import BadInput

ECNY_SIM = Path(sys.executable).parent / "ecny-sim"
runner = CliRunner()
SAME = {"scenario": "edu_term", "params": {"lessons": 3}, "seed": 1}


def _run(*args: str):
    return runner.invoke(app, ["run", "edu_withdraw", "--test-scale", *args])


def _header(folder: Path) -> dict:
    return json.loads((folder / "journal.jsonl").read_text().splitlines()[0])


def test_a_rerun_replaces_its_own_run_whole_and_leaves_nothing_stale(tmp_path):
    out = tmp_path / "o"
    assert _run("--out", str(out), "--report").exit_code == 0
    assert (out / "report.html").exists() and (out / "charts").is_dir()
    again = _run("--out", str(out))
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == ["journal.jsonl", "summary.json"]  # the old report is gone
    assert not [p for p in tmp_path.iterdir() if p.name != "o"]  # no work folder left behind


def test_a_different_run_is_refused_in_one_line_unless_forced(tmp_path):
    out = tmp_path / "o"
    assert _run("--out", str(out)).exit_code == 0
    before = (out / "journal.jsonl").read_bytes()
    other = _run("--out", str(out), "--seed", "2")
    assert other.exit_code == 2 and "holds another run (edu_withdraw, seed 1" in other.output
    assert "--force" in other.output and (out / "journal.jsonl").read_bytes() == before
    forced = _run("--out", str(out), "--seed", "2", "--force")
    assert forced.exit_code == 0 and _header(out)["seed"] == 2


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_of_other_files_is_never_deleted(tmp_path, force):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work")
    result = _run("--out", str(out), *(["--force"] if force else []))
    assert result.exit_code == 2 and "holds files that are not a run's (chapter1.docx)" in result.output
    assert (out / "chapter1.docx").read_text() == "years of work" and len(list(out.iterdir())) == 1


def test_an_unwritable_parent_is_bad_input_and_nothing_is_written(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        result = _run("--out", str(locked / "o"))
        assert result.exit_code == 2 and "cannot write in" in result.output and "Traceback" not in result.output
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_an_out_that_is_a_file_is_bad_input(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(BadInput, match="exists and is not a folder"):
        RunFolder(tmp_path / "f", SAME)


def test_a_failing_write_is_set_aside_as_incomplete_and_the_finished_run_stays(tmp_path):
    target = tmp_path / "o"
    with RunFolder(target, SAME).writing() as work:
        (work / "journal.jsonl").write_text(json.dumps({"type": "header", **SAME}) + "\n")
    finished = (target / "journal.jsonl").read_bytes()
    with pytest.raises(RuntimeError):
        with RunFolder(target, SAME).writing() as work:
            (work / "journal.jsonl").write_text("partial\n")
            raise RuntimeError("killed")
    assert (target / "journal.jsonl").read_bytes() == finished
    assert (tmp_path / "o.incomplete" / "journal.jsonl").read_text() == "partial\n"
    with RunFolder(target, SAME).writing() as work:  # a finished rerun replaces the set-aside attempt
        (work / "journal.jsonl").write_text(json.dumps({"type": "header", **SAME}) + "\n")
    assert not (tmp_path / "o.incomplete").exists()


def test_ctrl_c_sets_the_partial_run_aside_and_exits_130(tmp_path):
    out = tmp_path / "o"
    proc = subprocess.Popen([str(ECNY_SIM), "run", "edu_refund_run", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (tmp_path / "o.incomplete" / "journal.jsonl").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, f"{err!r}; {sorted(p.name for p in tmp_path.iterdir())}"
    assert "the run so far is in" in err and "o.incomplete" in err and "Traceback" not in err
    assert not out.exists() and (tmp_path / "o.incomplete" / "journal.jsonl").exists()
    assert not list(tmp_path.glob(".o.*"))


def test_an_out_below_a_file_is_bad_input_and_nothing_is_written(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = _run("--out", str(tmp_path / "notes.txt" / "o"))
    assert result.exit_code == 2 and "notes.txt: it is a file, not a folder" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_folder_written_in_place_of_another_is_swapped_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / "csv"
    replace_folder(target, {"old.csv": b"1", "kept.csv": b"2"})

    def half_then_fail(folder):
        (folder / "new.csv").write_bytes(b"3")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_folder_with(target, half_then_fail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["csv"]  # no half-written folder left beside it
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"old.csv": b"1", "kept.csv": b"2"}
    replace_folder_with(target, lambda folder: (folder / "new.csv").write_bytes(b"3"))
    assert {p.name: p.read_bytes() for p in target.iterdir()} == {"new.csv": b"3"}
