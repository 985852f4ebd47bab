"""Replay: every built-in scenario's journal replays to the same transactions and final state; a changed
field is caught at its line; a killed run replays to the state at the kill."""

from __future__ import annotations

import hashlib
import os
import json
import random
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from ecny_sim.run import scenario as scenarios
from ecny_sim.run.journal_reader import BadJournal, read_journal, txs_upto
from ecny_sim.run.journal import writes_sha256
from ecny_sim.read.replay import replay
from ecny_sim.read.timeline import build_timeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from journal_edits import FORMAT_2_RUN, as_format_1, canonical  # noqa: E402
from scenario_runs import session_runs  # noqa: E402

ECNY_SIM = [sys.executable, "-m", "ecny_sim.cli.main"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Every built-in scenario at test scale: the session's shared runs (tests copy them before changing them)."""
    return {name: run.dir for name, run in session_runs(tmp_path_factory).items()}


@pytest.mark.parametrize("name", scenarios.builtin_names())
def test_every_builtin_scenario_replays(runs, name):
    result = replay(runs[name])
    assert result.matches, str(result.difference)
    summary = json.loads((runs[name] / "summary.json").read_text())
    assert result.final_state_hash == summary["final_state_hash"]
    assert result.replayed == summary["counts"]["transactions"]


def reseal(lines: list[str]) -> list[str]:
    """Recomputes every hash of a journal, as a deliberate rewrite would: the chain alone cannot tell."""
    out, whole = [], hashlib.sha256()
    for text in lines:
        record = json.loads(text)
        if out:
            record["prev"] = hashlib.sha256(out[-1].rstrip("\n").encode()).hexdigest()
        if record["type"] == "end":
            record["journal_sha256"] = whole.hexdigest()
        out.append(canonical(record) + "\n")
        whole.update(out[-1].encode())
    return out


def _tamper(src: Path, dst: Path, line_no: int, change, *, sealed: bool = True) -> Path:
    """A copy of the run's journal with one line changed; `sealed`: its hashes recomputed (a consistent rewrite)."""
    dst.mkdir()
    lines = (src / "journal.jsonl").read_text().splitlines(keepends=True)
    record = json.loads(lines[line_no - 1])
    change(record)
    lines[line_no - 1] = canonical(record) + "\n"
    (dst / "journal.jsonl").write_text("".join(reseal(lines) if sealed else lines))
    return dst


def _line_of(run: Path, function: str) -> int:
    for line in (run / "journal.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r.get("function") == function:
            return r["line"]
    raise AssertionError(function)


def test_a_changed_gas_figure_is_caught_at_its_line(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "gas", n, lambda r: r.update(gas_used=r["gas_used"] + 1))
    diff = replay(bad).difference
    assert diff.line == n and diff.field == "gas_used" and "cancelOrder" in diff.what


def test_a_changed_argument_is_caught_at_its_line(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "issue")

    def more_money(r):
        r["args"][1] += 100
    diff = replay(_tamper(runs["edu_withdraw"], tmp_path / "arg", n, more_money)).difference
    assert diff.line == n and diff.field in ("events", "state_root")


def test_a_changed_event_is_caught(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")

    def richer(r):
        for e in r["events"]:
            if e["name"] == "OrderCancelled":
                e["args"]["refundFen"] += 1
    diff = replay(_tamper(runs["edu_withdraw"], tmp_path / "ev", n, richer)).difference
    assert diff.line == n and diff.field == "events"


def _seed_line(run: Path) -> int:
    for line in (run / "journal.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r["type"] == "seed":
            return r["line"]
    raise AssertionError("no seed line")


def test_seeded_state_replays_and_a_changed_write_is_caught(runs, tmp_path):
    run = runs["edu_city_term"]  # its parents' wallets are seeded by default
    n = _seed_line(run)
    result = replay(run)
    assert result.matches and len(result.run.seeds) >= 1
    # Readers of money see the seeded wallets: a parent's statement starts with the money seeded at that line.
    seed = result.run.seeds[0]
    parent = seed["events"][0]["args"]["wallet"]
    timeline = build_timeline(result.run)
    first = next(c for c in timeline.balance_changes if c[2] == timeline.names[parent.lower()])
    issued = next(e["args"]["amountFen"] for e in seed["events"] if e["name"] == "Issued" and
                  e["args"]["wallet"] == parent)
    assert (first[0], first[3]) == (n, issued) and issued > 0

    def richer(r):  # a parent seeded with one fen more, the hash left as it was
        slot, value = r["writes"][0]
        r["writes"][0] = [slot, hex(int(value, 16) + 1)]
    diff = replay(_tamper(run, tmp_path / "write", n, richer)).difference
    assert (diff.line, diff.field, diff.what) == (n, "writes_sha256", "seeded state of ECNY")

    def richer_and_rehashed(r):  # ... and the hash recomputed: the state roots after it differ
        richer(r)
        r["writes_sha256"] = writes_sha256(r["address"], [(int(k, 16), int(v, 16)) for k, v in r["writes"]])
    diff = replay(_tamper(run, tmp_path / "rehashed", n, richer_and_rehashed)).difference
    assert diff is not None and diff.field == "state_root" and diff.line > n


def test_until_stops_after_that_line(runs):
    result = replay(runs["edu_term"], until=10)
    assert result.matches and result.replayed == 9 and result.final_state_hash is None


def test_incomplete_journal_replays_its_lines(runs, tmp_path):
    (tmp_path / "cut").mkdir()
    lines = (runs["edu_term"] / "journal.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "cut" / "journal.jsonl").write_text("".join(lines[:-5]))
    result = replay(tmp_path / "cut")
    assert result.matches and not result.run.complete and result.replayed == len(lines) - 6
    # CI can tell a killed run from a finished one: exit 4, unless the caller accepts an incomplete run
    told = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut")], capture_output=True, text=True)
    assert told.returncode == 4 and "the run was incomplete" in told.stdout
    allowed = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut"), "--allow-incomplete"],
                             capture_output=True, text=True)
    assert allowed.returncode == 0


@pytest.mark.parametrize("content, message", [
    ('{"type":"header","format":1', "cut off"),
    ('{"type":"header","format":99}\n', "format 99 is not supported"),
    ("hello, world\n", "not a journal"),
    ("", "empty file"),
])
def test_bad_journals_are_bad_input(tmp_path, content, message):
    (tmp_path / "journal.jsonl").write_text(content)
    with pytest.raises(BadJournal, match=message):
        replay(tmp_path)


def test_cli_exit_codes(runs, tmp_path):
    ok = subprocess.run([*ECNY_SIM, "replay", str(runs["edu_withdraw"])], capture_output=True, text=True)
    assert ok.returncode == 0 and "replay matches" in ok.stdout and "final state hash" in ok.stdout
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "bad", n, lambda r: r.update(status=0))
    differs = subprocess.run([*ECNY_SIM, "replay", str(bad)], capture_output=True, text=True)
    assert differs.returncode == 1 and f"line {n}" in differs.stderr and "status" in differs.stderr
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "journal.jsonl").write_text((runs["edu_term"] / "journal.jsonl").read_text()[:-20])
    broken = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "cut")], capture_output=True, text=True)
    assert broken.returncode == 2 and "cut off" in broken.stderr and "Traceback" not in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    missing = subprocess.run([*ECNY_SIM, "replay", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no journal" in missing.stderr


def test_a_run_killed_at_a_random_point_replays_to_the_state_at_the_kill(tmp_path):
    delay = random.Random(20221122).uniform(1.0, 3.0)  # seeded: the same point every time
    out = tmp_path / "killed"
    proc = subprocess.Popen([*ECNY_SIM, "run", "edu_refund_run", "--test-scale", "--set", "parents=300", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = tmp_path / "killed.incomplete" / "journal.jsonl"  # where a run is written until it ends
    deadline = time.time() + 60
    while time.time() < deadline and not (journal.exists() and journal.read_text().count("\n") >= 2):
        time.sleep(0.05)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lines = journal.read_text().splitlines()
    assert json.loads(lines[-1])["type"] == "tx", "the run finished before the kill: raise the test's scale"
    assert not out.exists()  # a killed run never takes the place of a finished one
    result = replay(journal.parent)
    assert result.matches and not result.run.complete
    txs = [json.loads(line) for line in lines if json.loads(line)["type"] == "tx"]
    assert result.replayed == len(txs) and txs[-1]["line"] == len(lines)
    # the state at the kill: the replayed chain holds every order the journal's last enrolment or
    # cancellation touched, as the run left it (the roots the journal gives were compared on the way)
    assert result.chain.block_number == txs[-1]["block"]


# ------------------------------------------------------------------ tamper evidence (journal format 2)
def test_a_changed_line_breaks_the_hash_chain_at_that_line(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "t", n, lambda r: r["args"].__setitem__(0, 99), sealed=False)
    diff = replay(bad).difference
    assert diff.line == n and "is not what the run wrote" in str(diff) and f"line {n + 1} recorded" in str(diff)
    with pytest.raises(BadJournal, match=f"line {n} is not what the run wrote"):
        read_journal(bad).check_intact()
    told = subprocess.run([*ECNY_SIM, "replay", str(bad)], capture_output=True, text=True)
    assert told.returncode == 1 and f"line {n}" in told.stderr


def test_a_resealed_gas_limit_is_a_different_signed_transaction(runs, tmp_path):
    n = _line_of(runs["edu_withdraw"], "cancelOrder")
    bad = _tamper(runs["edu_withdraw"], tmp_path / "g", n, lambda r: r.update(gas_limit=r["gas_limit"] - 1))
    result = replay(bad)
    diff = result.difference
    assert diff is not None and diff.line == n and diff.field == "tx_hash"
    assert result.chain.on_block == []  # stopped at a difference, the replay leaves no hook of its own behind


def test_the_end_line_and_the_summary_are_bound_to_each_other(runs, tmp_path):
    src = runs["edu_withdraw"]
    end = len((src / "journal.jsonl").read_text().splitlines())
    bad = _tamper(src, tmp_path / "e", end, lambda r: r.update(message="all fine"), sealed=False)
    shutil.copy2(src / "summary.json", bad / "summary.json")
    diff = replay(bad).difference
    assert diff is not None and diff.line == end and "does not belong to this journal" in str(diff)
    edited = tmp_path / "s"
    shutil.copytree(src, edited)
    summary = json.loads((edited / "summary.json").read_text())
    summary["totals"]["refunded_fen"] = 999_999
    (edited / "summary.json").write_text(json.dumps(summary))
    assert "summary.json was edited" in str(replay(edited).difference)


def test_replay_expect_checks_the_final_hash_recorded_elsewhere(runs, tmp_path):
    src = runs["edu_withdraw"]
    final = json.loads((src / "summary.json").read_text())["journal_sha256"]
    assert final == hashlib.sha256((src / "journal.jsonl").read_bytes()).hexdigest()
    ok = subprocess.run([*ECNY_SIM, "replay", str(src), "--expect", final[:16]], capture_output=True, text=True)
    assert ok.returncode == 0 and f"journal sha256 {final} (as expected)" in ok.stdout
    # a journal that replays (its chain and transactions hold) but is not the one recorded
    other = subprocess.run([*ECNY_SIM, "replay", str(src), "--expect", "0" * 16], capture_output=True, text=True)
    assert other.returncode == 1 and "not the expected 0000000000000000" in other.stderr
    bad = subprocess.run([*ECNY_SIM, "replay", str(src), "--expect", "xyz"], capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_a_format_1_journal_replays_as_before_and_readers_refuse_to_vouch_for_it(runs, tmp_path):
    old = as_format_1(tmp_path / "v1")
    result = replay(old)
    assert result.matches and result.run.complete and result.replayed == 29
    with pytest.raises(BadJournal, match="journal format 1 .* carries no hashes"):
        read_journal(old).check_intact()


def test_a_format_2_journal_replays_block_for_block_with_its_state_roots(tmp_path):
    run = read_journal(FORMAT_2_RUN)
    assert run.format == 2 and run.header["chain"]["block_gas_limit"] == 30_029_122
    result = replay(FORMAT_2_RUN)  # each line's state root compared: one block per transaction, as it was run
    assert result.matches and result.replayed == len(run.txs) == 29 and result.chain.mining == "automine"
    run.check_intact(summary=run.summary())  # its hashes still vouch for it
    old = as_format_1(tmp_path / "v1")  # no hash chain to name a changed line first: the root comparison does
    lines = (old / "journal.jsonl").read_text().splitlines(keepends=True)
    record = json.loads(lines[5])
    record["state_root"] = "0x" + "cd" * 32
    lines[5] = canonical(record) + "\n"
    (old / "journal.jsonl").write_text("".join(lines))
    diff = replay(old).difference
    assert diff is not None and (diff.line, diff.field) == (6, "state_root")


@pytest.mark.parametrize("change,message", [
    (lambda r: r.pop("gas_used"), "gas_used is missing"),
    (lambda r: r.update(status="1"), "status is \"1\""),
    (lambda r: r.update(events=[{"name": "X"}]), "events.0.contract is missing"),
    (lambda r: r.update(line=3), "says it is line 3"),
])
def test_a_line_of_the_wrong_shape_is_bad_input_naming_the_line_and_field(runs, tmp_path, change, message):
    bad = _tamper(runs["edu_term"], tmp_path / "w", 2, change)
    with pytest.raises(BadJournal, match="line 2") as caught:
        replay(bad)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_transaction_lines_are_read_from_the_file_when_used_not_held(runs):
    path = runs["edu_abscond"] / "journal.jsonl"
    text = path.read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in text if json.loads(line)["type"] == "tx"]
    run = read_journal(runs["edu_abscond"])
    assert list(run.txs) == expected and len(run.txs) == len(expected) > 20  # every pass reads the same lines
    assert list(run.txs) == expected
    assert run.txs[0] == expected[0] and run.txs[-1] == expected[-1] and list(run.txs[3:7]) == expected[3:7]
    middle = expected[len(expected) // 2]["line"]
    assert list(txs_upto(run.txs, middle)) == [t for t in expected if t["line"] <= middle]
    assert [s["line"] for s in run.steps] == sorted(t["line"] for t in [*expected, *run.seeds])
    # what the reader holds is where each line starts, not the lines: far less than the parsed records
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = read_journal(runs["edu_abscond"])
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(held.txs) == len(expected) and kept < len(path.read_bytes()) / 4


def test_a_journal_replaced_or_cut_while_it_is_read_is_bad_input_not_another_runs_lines(runs, tmp_path):
    for name, change in (("replaced", lambda j: (j.with_name("other").write_bytes(j.read_bytes()),
                                                   os.replace(j.with_name("other"), j))),
                         ("cut", lambda j: j.write_bytes(j.read_bytes()[: len(j.read_bytes()) // 2])),
                         ("deleted", lambda j: j.unlink())):
        folder = tmp_path / name
        shutil.copytree(runs["edu_abscond"], folder)
        run = read_journal(folder)
        assert run.txs[0]["line"] == 2
        change(folder / "journal.jsonl")
        with pytest.raises(BadJournal, match="the journal changed while it was being read"):
            list(run.txs)
